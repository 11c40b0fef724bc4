using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Channels.Inbound;

/// <summary>What became of an inbound message.</summary>
public sealed record InboundOutcome(string Action, string? InstanceId = null)
{
    public const string OptedOut = "optedOut";
    public const string OptedIn = "optedIn";
    public const string Help = "help";
    public const string Routed = "routed";
    public const string Unrouted = "unrouted";
}

/// <summary>
/// Routes a customer's reply to the journey that wrote to them: among the instances that messaged this exact address,
/// one waiting for an answer first, else the most recently active. A reply can never reach another customer's
/// journey, because only instances that wrote to the sender's address are candidates. The text is kept beside the
/// instance (<see cref="JourneyTexts"/>) and the event carries its reference, never the text; the event id is the
/// provider's message id, so a redelivered reply is applied once.
/// </summary>
public sealed class ReplyRouter(Conversations conversations, IJourneyInstances instances, JourneyTexts texts, CustomerRecords records, Metrics.MetricsStore metrics, TimeProvider time)
{
    public async Task<InboundOutcome> RouteAsync(ContactChannel channel, string address, string text, string eventId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        foreach (var candidate in (await conversations.ForAsync(channel, address, cancellationToken)).Take(10))
        {
            if (await instances.GetAsync(candidate.InstanceId, cancellationToken) is { IsActive: true })
            {
                var name = channel.Name();
                var reference = await texts.SaveAsync(candidate.InstanceId, "reply:" + eventId, new JourneyText("customer", name, text, at), cancellationToken);
                var data = new JsonObject { ["ref"] = reference, ["channel"] = name, ["at"] = at };
                await instances.RaiseEventAsync(candidate.InstanceId, JourneyInterpreter.Events.Reply, data, "reply:" + eventId, cancellationToken);
                await metrics.RecordAsync(Metrics.MetricEvent.OnChannel("reply:" + eventId, at, candidate.JourneyId, "replies", name), cancellationToken);
                return new InboundOutcome(InboundOutcome.Routed, candidate.InstanceId);
            }
        }

        // Nobody is listening: keep it where a person can see it, never drop it.
        await records.AddAsync("a:" + address, "unrouted", eventId, new JsonObject { ["channel"] = channel.Name(), ["text"] = text, ["at"] = at }.ToJsonString(), time.GetUtcNow(), cancellationToken);
        return new InboundOutcome(InboundOutcome.Unrouted);
    }
}

/// <summary>
/// Things a journey hands on that are not messages (handoff tickets, zero-party facts, unrouted replies), kept per
/// customer (table <c>CustomerRecords</c>) where an agent, the profile and exports read them. Idempotent by id.
/// </summary>
public sealed class CustomerRecords(Azure.Data.Tables.TableClient table)
{
    public const string TableName = "CustomerRecords";

    public async Task AddAsync(string customerKey, string kind, string id, string payload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var rowKey = $"{kind}:{TableKeys.Safe(id)}";
        try
        {
            await table.AddEntityAsync(new Azure.Data.Tables.TableEntity(customerKey, rowKey) { ["Kind"] = kind, ["Payload"] = payload, ["At"] = at }, cancellationToken);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 409)
        {
            // Recorded by an earlier delivery.
        }
    }

    public async Task<List<(string Kind, string Payload, DateTimeOffset At)>> ListAsync(string customerKey, CancellationToken cancellationToken)
    {
        var list = new List<(string, string, DateTimeOffset)>();
        await foreach (var e in table.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == customerKey, cancellationToken: cancellationToken))
        {
            list.Add((e.GetString("Kind") ?? "", e.GetString("Payload") ?? "", e.GetDateTimeOffset("At") ?? default));
        }

        return list.OrderBy(r => r.Item3).ToList();
    }

    /// <summary>Erasure: deletes the records of a shared partition whose payload <paramref name="mentions"/> the customer.</summary>
    public async Task ForgetMentioningAsync(string partition, Func<string, bool> mentions, CancellationToken cancellationToken)
    {
        await foreach (var e in table.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            if (mentions(e.GetString("Payload") ?? ""))
            {
                await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, Azure.ETag.All, cancellationToken);
            }
        }
    }

    /// <summary>Erasure: deletes every record of a customer, an address or an instance (the partition).</summary>
    public async Task ForgetAsync(string customerKey, CancellationToken cancellationToken)
    {
        await foreach (var e in table.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == customerKey, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, Azure.ETag.All, cancellationToken);
        }
    }

}
