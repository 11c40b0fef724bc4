using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Channels.Dispatch;

public enum MessageStatus
{
    Queued,

    /// <summary>Waiting for quiet hours to end or for room under the frequency cap; re-queued for that time.</summary>
    Held,

    /// <summary>A worker is sending it (until <see cref="MessageRecord.ClaimedUntil"/>).</summary>
    Sending,

    Sent,
    Delivered,
    Failed,

    /// <summary>Not sent, on purpose: no consent, opted out, journey terminated... (<see cref="MessageRecord.Reason"/>).</summary>
    Suppressed,
}

/// <summary>One message to a customer: what became of it, and why.</summary>
public sealed record MessageRecord
{
    public required string CustomerKey { get; init; }
    public required string EffectId { get; init; }
    public required string InstanceId { get; init; }
    public MessageStatus Status { get; init; }
    public string? Reason { get; init; }
    public string? Channel { get; init; }
    public string? Class { get; init; }
    public string? Kind { get; init; }
    public string? JourneyId { get; init; }
    public string? Step { get; init; }
    public string? To { get; init; }
    public string? ProviderMessageId { get; init; }
    public string? Preview { get; init; }

    /// <summary>Where an automatic answer came from: the knowledge entry (<c>kb:{base}@{version}/{entry}</c>).</summary>
    public string? Source { get; init; }

    /// <summary>The message's place among its instance's messages (<c>MessageOrder.Number</c>).</summary>
    public int? Sequence { get; init; }

    public int Attempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SentAt { get; init; }
    public DateTimeOffset? HoldUntil { get; init; }
    public DateTimeOffset? ClaimedUntil { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>The last engagement reported (email <c>view</c>/<c>click</c>) and when.</summary>
    public string? Engagement { get; init; }

    public DateTimeOffset? EngagedAt { get; init; }
    public ETag ETag { get; init; }

    public bool IsFinal => Status is MessageStatus.Sent or MessageStatus.Delivered or MessageStatus.Failed or MessageStatus.Suppressed;
}

/// <summary>
/// The message log (table <c>Messages</c>): partition = customer, row = effect id, so a redelivered effect finds its
/// row and is not sent again, and a customer's recent sends (the frequency cap) are one partition query. Provider
/// message ids point back to rows (table <c>MessageIndex</c>) for delivery reports, unless the SMS's tag does (<see cref="SmsTag"/>).
/// </summary>
public sealed class MessageLog(TableClient messages, TableClient index)
{
    public const string TableName = "Messages";
    public const string IndexTableName = "MessageIndex";

    /// <summary>The effect id with the characters a row key may not hold (<c>/ \ # ?</c>) replaced.</summary>
    public static string RowKeyOf(string effectId) =>
        effectId.Replace('/', '|').Replace('\\', '|').Replace('#', '|').Replace('?', '|');

    /// <summary>The log row of an effect, created as <see cref="MessageStatus.Queued"/> the first time.</summary>
    public async Task<MessageRecord> GetOrAddAsync(MessageRecord fresh, CancellationToken cancellationToken)
    {
        try
        {
            var response = await messages.AddEntityAsync(ToEntity(fresh), cancellationToken);
            return fresh with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return (await GetAsync(fresh.CustomerKey, fresh.EffectId, cancellationToken))!;
        }
    }

    public async Task<MessageRecord?> GetAsync(string customerKey, string effectId, CancellationToken cancellationToken)
    {
        var row = await messages.GetEntityIfExistsAsync<TableEntity>(customerKey, RowKeyOf(effectId), cancellationToken: cancellationToken);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    /// <summary>Replaces the row if nobody changed it since it was read; false when someone did (read it again).</summary>
    public async Task<(bool Saved, MessageRecord Record)> TryUpdateAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var response = await messages.UpdateEntityAsync(ToEntity(record), record.ETag, TableUpdateMode.Replace, cancellationToken);
            return (true, record with { ETag = response.Headers.ETag ?? default });
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return (false, record);
        }
    }

    /// <summary>Adds the row; false when it exists already (read it, someone else wrote it first).</summary>
    public async Task<(bool Saved, MessageRecord Record)> TryAddAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var response = await messages.AddEntityAsync(ToEntity(record), cancellationToken);
            return (true, record with { ETag = response.Headers.ETag ?? default });
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return (false, record);
        }
    }

    /// <summary>Journey messages sent to a customer since <paramref name="since"/> (for the frequency cap).</summary>
    public async Task<List<MessageRecord>> SentSinceAsync(string customerKey, DateTimeOffset since, CancellationToken cancellationToken) =>
        (await QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {customerKey} and SentAt ge {since}"), cancellationToken))
            .Where(m => IsSentSince(m, since))
            .ToList();

    /// <summary>
    /// In one partition query, a message's row (null the first time) and what <see cref="SentSinceAsync"/> returns:
    /// a send reads the log once.
    /// </summary>
    public async Task<(MessageRecord? Existing, List<MessageRecord> Sent)> FindWithSentSinceAsync(string customerKey, string effectId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var rowKey = RowKeyOf(effectId);
        var rows = await QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {customerKey} and (RowKey eq {rowKey} or SentAt ge {since})"), cancellationToken);
        return (rows.FirstOrDefault(r => RowKeyOf(r.EffectId) == rowKey), rows.Where(m => IsSentSince(m, since)).ToList());
    }

    private static bool IsSentSince(MessageRecord m, DateTimeOffset since) =>
        m.Status is MessageStatus.Sent or MessageStatus.Delivered && m.SentAt >= since;

    private async Task<List<MessageRecord>> QueryAsync(string filter, CancellationToken cancellationToken)
    {
        var rows = new List<MessageRecord>();
        await foreach (var e in messages.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(FromEntity(e));
        }

        return rows;
    }

    /// <summary>Sends that failed for good, newest first (operations: a filtered scan, bounded by <paramref name="top"/>).</summary>
    public async Task<List<MessageRecord>> FailedAsync(int top, CancellationToken cancellationToken)
    {
        var rows = new List<MessageRecord>();
        await foreach (var e in messages.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Status eq {nameof(MessageStatus.Failed)}"), cancellationToken: cancellationToken))
        {
            rows.Add(FromEntity(e));
            if (rows.Count >= top)
            {
                break;
            }
        }

        return rows.OrderByDescending(m => m.CreatedAt).ToList();
    }

    /// <summary>Every message to a customer, newest first.</summary>
    public async Task<List<MessageRecord>> ForCustomerAsync(string customerKey, CancellationToken cancellationToken)
    {
        var all = new List<MessageRecord>();
        await foreach (var e in messages.QueryAsync<TableEntity>(m => m.PartitionKey == customerKey, cancellationToken: cancellationToken))
        {
            all.Add(FromEntity(e));
        }

        return all.OrderByDescending(m => m.CreatedAt).ToList();
    }

    /// <summary>
    /// Erasure: deletes every message of a customer (recipient, preview, status) and the index rows pointing at them.
    /// The index row goes first, so a run that stops half-way leaves nothing a retry cannot find again.
    /// </summary>
    public async Task ForgetAsync(string customerKey, CancellationToken cancellationToken)
    {
        foreach (var message in await ForCustomerAsync(customerKey, cancellationToken))
        {
            if (message.ProviderMessageId is { } providerId)
            {
                await index.DeleteEntityAsync(IndexKey(providerId), "m", ETag.All, cancellationToken);
            }

            await messages.DeleteEntityAsync(customerKey, RowKeyOf(message.EffectId), ETag.All, cancellationToken);
        }
    }

    public Task IndexAsync(string providerMessageId, MessageRecord record, CancellationToken cancellationToken) =>
        index.UpsertEntityAsync(
            new TableEntity(IndexKey(providerMessageId), "m") { ["CustomerKey"] = record.CustomerKey, ["EffectId"] = record.EffectId },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>The message a provider id (ACS message id, email operation id) belongs to.</summary>
    public async Task<MessageRecord?> FindByProviderIdAsync(string providerMessageId, CancellationToken cancellationToken)
    {
        var row = await index.GetEntityIfExistsAsync<TableEntity>(IndexKey(providerMessageId), "m", cancellationToken: cancellationToken);
        return row.HasValue ? await GetAsync(row.Value!.GetString("CustomerKey")!, row.Value.GetString("EffectId")!, cancellationToken) : null;
    }

    /// <summary>
    /// The message a delivery report is about: by the SMS's tag when it is one of <see cref="SmsTag"/>'s (ACS returns
    /// the <c>smsSendOptions.tag</c> of the send in its delivery reports), else by the provider id's index row.
    /// </summary>
    public async Task<MessageRecord?> FindForReportAsync(string providerMessageId, string? tag, CancellationToken cancellationToken) =>
        ReadSmsTag(tag) is { } key
            ? await GetAsync(key.CustomerKey, key.EffectId, cancellationToken) ?? await FindByProviderIdAsync(providerMessageId, cancellationToken)
            : await FindByProviderIdAsync(providerMessageId, cancellationToken);

    private const string TagPrefix = "px1:";

    /// <summary>
    /// The tag an SMS carries so its delivery reports find its row without an index row: the customer key and the
    /// message id, length-prefixed (<c>px1:{length}:{customerKey}{effectId}</c>). Only for customers known by id —
    /// a key made of a phone number is not sent round as a tag; those messages are indexed.
    /// </summary>
    public static string? SmsTag(string customerKey, string effectId) =>
        customerKey.StartsWith("c:", StringComparison.Ordinal)
            ? $"{TagPrefix}{customerKey.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{customerKey}{effectId}"
            : null;

    public static (string CustomerKey, string EffectId)? ReadSmsTag(string? tag)
    {
        if (tag is null || !tag.StartsWith(TagPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = tag.AsSpan(TagPrefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0 || !int.TryParse(rest[..colon], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
            || length <= 0 || length >= rest.Length - colon - 1)
        {
            return null;
        }

        var body = rest[(colon + 1)..];
        return (body[..length].ToString(), body[length..].ToString());
    }

    private static string IndexKey(string providerMessageId) =>
        providerMessageId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? providerMessageId.ToLowerInvariant()
            : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(providerMessageId)));

    private static TableEntity ToEntity(MessageRecord r) => new(r.CustomerKey, RowKeyOf(r.EffectId))
    {
        ["EffectId"] = r.EffectId,
        ["InstanceId"] = r.InstanceId,
        ["Status"] = r.Status.ToString(),
        ["Reason"] = r.Reason,
        ["Channel"] = r.Channel,
        ["Class"] = r.Class,
        ["Kind"] = r.Kind,
        ["JourneyId"] = r.JourneyId,
        ["Step"] = r.Step,
        ["To"] = r.To,
        ["ProviderMessageId"] = r.ProviderMessageId,
        ["Preview"] = r.Preview,
        ["Source"] = r.Source,
        ["Sequence"] = r.Sequence,
        ["Attempts"] = r.Attempts,
        ["CreatedAt"] = r.CreatedAt,
        ["SentAt"] = r.SentAt,
        ["HoldUntil"] = r.HoldUntil,
        ["ClaimedUntil"] = r.ClaimedUntil,
        ["UpdatedAt"] = r.UpdatedAt,
        ["Engagement"] = r.Engagement,
        ["EngagedAt"] = r.EngagedAt,
    };

    private static MessageRecord FromEntity(TableEntity e) => new()
    {
        CustomerKey = e.PartitionKey,
        EffectId = e.GetString("EffectId") ?? e.RowKey,
        InstanceId = e.GetString("InstanceId") ?? "",
        Status = Enum.TryParse<MessageStatus>(e.GetString("Status"), out var s) ? s : MessageStatus.Queued,
        Reason = e.GetString("Reason"),
        Channel = e.GetString("Channel"),
        Class = e.GetString("Class"),
        Kind = e.GetString("Kind"),
        JourneyId = e.GetString("JourneyId"),
        Step = e.GetString("Step"),
        To = e.GetString("To"),
        ProviderMessageId = e.GetString("ProviderMessageId"),
        Preview = e.GetString("Preview"),
        Source = e.GetString("Source"),
        Sequence = e.GetInt32("Sequence"),
        Attempts = e.GetInt32("Attempts") ?? 0,
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
        SentAt = e.GetDateTimeOffset("SentAt"),
        HoldUntil = e.GetDateTimeOffset("HoldUntil"),
        ClaimedUntil = e.GetDateTimeOffset("ClaimedUntil"),
        UpdatedAt = e.GetDateTimeOffset("UpdatedAt"),
        Engagement = e.GetString("Engagement"),
        EngagedAt = e.GetDateTimeOffset("EngagedAt"),
        ETag = e.ETag,
    };
}
