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
/// message ids point back to rows (table <c>MessageIndex</c>) for delivery reports.
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

    /// <summary>Journey messages sent to a customer since <paramref name="since"/> (for the frequency cap).</summary>
    public async Task<List<MessageRecord>> SentSinceAsync(string customerKey, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var sent = new List<MessageRecord>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {customerKey} and SentAt ge {since}");
        await foreach (var e in messages.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            sent.Add(FromEntity(e));
        }

        return sent.Where(m => m.Status is MessageStatus.Sent or MessageStatus.Delivered).ToList();
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
