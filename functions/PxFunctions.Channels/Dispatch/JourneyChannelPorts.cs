using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using PxFunctions.Channels.Inbound;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Channels.Dispatch;

/// <summary>The journeys' messenger: <see cref="CustomerMessageSender"/>, its log record told as a <see cref="SendResult"/>.</summary>
public sealed class JourneyMessenger(CustomerMessageSender sender) : IJourneyMessenger
{
    public async Task<SendResult> SendAsync(string instanceId, string messageId, OutboundMessage message, DateTimeOffset? orderedAt, CancellationToken cancellationToken)
    {
        MessageRecord record;
        try
        {
            record = await sender.SendAsync(instanceId, messageId, message, cancellationToken, orderedAt);
        }
        catch (MessageBusyException busy)
        {
            // A worker claimed it and died (or is still sending): the journey waits for the claim to end and asks
            // again, on a durable timer, instead of spending its retries on it.
            return new SendResult(SendStatus.Held, busy.ClaimedUntil, Reason: "being sent by another worker");
        }

        return record.Status switch
        {
            MessageStatus.Held => new SendResult(SendStatus.Held, record.HoldUntil, record.Channel, record.Reason),
            MessageStatus.Suppressed => new SendResult(SendStatus.Suppressed, Channel: record.Channel, Reason: record.Reason),
            MessageStatus.Failed => new SendResult(SendStatus.Failed, Channel: record.Channel, Reason: record.Reason),
            _ => new SendResult(SendStatus.Sent, Channel: record.Channel, SentAt: record.SentAt),
        };
    }
}

/// <summary>
/// Texts that reach journeys (customer replies, agents' answers) in the <c>JourneyTexts</c> table: partition = the
/// instance, row = the text's key. A text is written before its event is raised, so the journey always finds it;
/// the first write of a key wins, so a redelivered reply keeps one text.
/// </summary>
public sealed class JourneyTexts(TableClient table) : IReplyStore
{
    public const string TableName = "JourneyTexts";

    public async Task<string> SaveAsync(string instanceId, string key, JourneyText text, CancellationToken cancellationToken)
    {
        var reference = TableKeys.Safe(key);
        try
        {
            await table.AddEntityAsync(
                new TableEntity(TableKeys.Safe(instanceId), reference) { ["From"] = text.From, ["Channel"] = text.Channel, ["Text"] = text.Text, ["At"] = text.At },
                cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Saved by an earlier delivery of the same reply.
        }

        return reference;
    }

    public async Task<JourneyText?> GetAsync(string instanceId, string reference, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Safe(instanceId), reference, cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } e ? new JourneyText(e.GetString("From") ?? "", e.GetString("Channel"), e.GetString("Text") ?? "", e.GetDateTimeOffset("At") ?? default) : null;
    }

    public async Task ForgetAsync(string instanceId, CancellationToken cancellationToken)
    {
        await foreach (var row in table.QueryAsync<TableEntity>(r => r.PartitionKey == TableKeys.Safe(instanceId), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
    }

    /// <summary>The instance's last <paramref name="count"/> texts, oldest first (a handoff ticket's conversation).</summary>
    public async Task<List<JourneyText>> RecentAsync(string instanceId, int count, CancellationToken cancellationToken)
    {
        var all = new List<JourneyText>();
        await foreach (var e in table.QueryAsync<TableEntity>(r => r.PartitionKey == TableKeys.Safe(instanceId), cancellationToken: cancellationToken))
        {
            all.Add(new JourneyText(e.GetString("From") ?? "", e.GetString("Channel"), e.GetString("Text") ?? "", e.GetDateTimeOffset("At") ?? default));
        }

        return all.OrderBy(t => t.At).TakeLast(count).ToList();
    }
}

/// <summary>
/// The team's records of a journey, per customer (<see cref="CustomerRecords"/>): handoff tickets carry the
/// recent conversation, facts and unused replies the text they came from — read here, outside the orchestration.
/// Handoff records also keep the desk's index of handoffs current (<see cref="Desk.HandoffDesk"/>), after the
/// customer's record, so a run that stops in between does both when the activity runs again.
/// </summary>
public sealed class JourneyTeamRecords(CustomerRecords records, JourneyTexts texts, Metrics.MetricsStore metrics, Desk.HandoffDesk desk) : ITeamRecords
{
    public const int TicketLines = 10;

    public async Task AddAsync(string instanceId, string recordId, TeamRecord record, CancellationToken cancellationToken)
    {
        var payload = new JsonObject
        {
            ["instanceId"] = instanceId,
            ["journeyId"] = record.JourneyId,
            ["customerId"] = record.CustomerId,
            ["step"] = record.Step,
            ["at"] = record.At,
        };
        if (record.Action is not null)
        {
            payload["action"] = record.Action;
            payload["reason"] = record.Reason;
        }

        if (record.Fact is not null)
        {
            payload["fact"] = record.Fact;
            payload["value"] = record.Value;
        }

        if (record.TextRef is { } reference && await texts.GetAsync(instanceId, reference, cancellationToken) is { } text)
        {
            // The reference names the reply in JourneyTexts (the profile's source of the fact); the words are kept as written.
            payload["textRef"] = reference;
            payload["text"] = text.Text;
            payload["value"] ??= text.Text;
        }

        if (record.Kind == JourneyChannels.Handoff)
        {
            payload["conversation"] = new JsonArray((await texts.RecentAsync(instanceId, TicketLines, cancellationToken))
                .Select(t => (JsonNode)new JsonObject { ["at"] = t.At, ["from"] = t.From, ["channel"] = t.Channel, ["text"] = t.Text })
                .ToArray());
        }

        var key = record.CustomerId is null ? "i:" + instanceId : "c:" + record.CustomerId;
        await records.AddAsync(key, record.Kind, recordId, payload.ToJsonString(), record.At, cancellationToken);
        if (record.Kind == JourneyChannels.Handoff)
        {
            await desk.OnRecordAsync(instanceId, recordId, record, cancellationToken);
        }

        if (record.Kind == JourneyChannels.Goal)
        {
            await Metrics.GoalMetrics.RecordAsync(metrics, instanceId, record, cancellationToken);
            return;
        }

        if (Counted(record) is { Count: > 0 } counters)
        {
            await metrics.RecordAsync(new Metrics.MetricEvent($"team:{instanceId}:{recordId}", record.At, record.JourneyId, counters), cancellationToken);
        }
    }

    /// <summary>
    /// A handoff opened is a support ticket (the customer's later messages to it are not new ones); a handoff closed
    /// counts with the seconds it was open; a fact is an answer (and, from an ask step, that step's answer), and a
    /// fact named like a rating (<c>rating</c>, <c>stars</c>) with a value 1 to 5 is a rating too.
    /// </summary>
    private static Dictionary<string, long> Counted(TeamRecord record)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        void Add(string counter, long amount) => counters[Metrics.MetricColumns.Counter(counter)] = amount;
        if (record.Kind == JourneyChannels.Handoff)
        {
            if (record.Action == HandoffAction.Open)
            {
                Add("handoffs", 1);
            }
            else if (record is { Action: HandoffAction.Closed, Since: { } opened })
            {
                Add("handoffs_closed", 1);
                Add("handoff_close_seconds", Math.Max(0, (long)Math.Round((record.At - opened).TotalSeconds)));
            }

            return counters;
        }

        if (record.Fact is not { } fact)
        {
            return counters;
        }

        Add("answers", 1);
        if (record is { AskVersion: { } version, Step: { } step })
        {
            counters[Metrics.MetricColumns.Answered(version, step)] = 1;
        }

        var isRating = (fact.Contains("rating", StringComparison.OrdinalIgnoreCase) || fact.Contains("stars", StringComparison.OrdinalIgnoreCase))
            && int.TryParse(record.Value, System.Globalization.CultureInfo.InvariantCulture, out var stars) && stars is >= 1 and <= 5;
        if (isRating)
        {
            Add("ratings", 1);
            Add("ratings_5", record.Value == "5" ? 1 : 0);
        }

        return counters;
    }
}

/// <summary>Table keys from ids: the id itself when it is short and plain enough to read, else its SHA-256 (hex).</summary>
public static class TableKeys
{
    public static string Safe(string id, int maxLength = 200) =>
        id.Length <= maxLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? id
            : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}
