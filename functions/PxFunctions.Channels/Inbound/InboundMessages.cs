using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
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
/// An inbound SMS, handled before any journey logic: STOP (and every reasonable revocation) opts the number out at
/// once with one confirmation; START lifts it; HELP answers with the brand's help text; everything else is a reply
/// for a journey. Each is recorded in the consent ledger with the exact text.
/// </summary>
public sealed class InboundSmsHandler(
    ConsentLedger consent,
    ReplyRouter router,
    IMessageChannel channel,
    MessageLog log,
    Conversations conversations,
    DispatchSettings settings,
    Metrics.MetricsStore metrics,
    TimeProvider time,
    ILogger<InboundSmsHandler> logger)
{

    public async Task<InboundOutcome> HandleAsync(string from, string text, string messageId, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var number = E164.Of(from) ?? from;
        var intent = OptOutKeywords.Classify(text);
        logger.LogInformation("SMS {MessageId} from {From}: {Intent}", messageId, Redact.Phone(number), intent);
        switch (intent)
        {
            case KeywordIntent.OptOut:
                // One confirmation, and then nothing (FCC 2025: a single confirmation text is allowed). It is decided
                // and written down before the opt-out is recorded: a redelivery of this STOP (after a crash, or a
                // send that failed for now) finds it and sends it, though the number is out by then.
                var confirmationId = "optout:" + messageId;
                var confirmation = await log.GetAsync("a:" + number, confirmationId, cancellationToken);
                if (confirmation is null && !(await consent.GetAsync(ContactChannel.Sms, number, cancellationToken)).OptedOut)
                {
                    confirmation = await log.GetOrAddAsync(Reply(number, OptOutConfirmation, confirmationId), cancellationToken);
                }

                await consent.RecordAsync(new ConsentChange(ContactChannel.Sms, number, ConsentAction.OptedOut, receivedAt, "sms reply", text, "sms:" + messageId), cancellationToken);
                await metrics.RecordAsync(Metrics.MetricEvent.OnChannel("optout:sms:" + messageId, receivedAt, await LatestJourneyAsync(number, cancellationToken), "opt_outs", "sms"), cancellationToken);
                if (confirmation is not null)
                {
                    await DeliverAsync(confirmation, OptOutConfirmation, cancellationToken);
                }

                return new InboundOutcome(InboundOutcome.OptedOut);
            case KeywordIntent.OptIn:
                await consent.RecordAsync(new ConsentChange(ContactChannel.Sms, number, ConsentAction.OptedIn, receivedAt, "sms reply", text, "sms:" + messageId), cancellationToken);
                await ReplyAsync(number, $"{settings.Brand.Name}: you are resubscribed. Reply STOP to opt out, HELP for help.", "optin:" + messageId, cancellationToken);
                return new InboundOutcome(InboundOutcome.OptedIn);
            case KeywordIntent.Help:
                await ReplyAsync(number, $"{settings.Brand.Name}: {settings.Brand.HelpText}", "help:" + messageId, cancellationToken);
                return new InboundOutcome(InboundOutcome.Help);
            default:
                return await router.RouteAsync(ContactChannel.Sms, number, text, messageId, receivedAt, cancellationToken);
        }
    }

    /// <summary>
    /// The journey of the latest journey message to the number, from the conversations replies are routed by
    /// the journey an opt-out is counted for (one query per partition the number may be kept under, as replies); null when no journey wrote to it.
    /// </summary>
    private async Task<string?> LatestJourneyAsync(string number, CancellationToken cancellationToken) =>
        (await conversations.ForAsync(ContactChannel.Sms, number, cancellationToken)).Where(c => c.JourneyId is not null).MaxBy(c => c.LastSentAt)?.JourneyId;

    private string OptOutConfirmation => $"{settings.Brand.Name}: you are unsubscribed and will get no more texts. Reply START to resubscribe.";

    private MessageRecord Reply(string number, string text, string effectId) =>
        new() { CustomerKey = "a:" + number, EffectId = effectId, InstanceId = "", Status = MessageStatus.Queued, Kind = "keyword", Class = "service", Channel = "sms", To = number, Preview = text, CreatedAt = time.GetUtcNow() };

    /// <summary>The keyword answer goes straight to the channel (consent checks would stop the opt-out confirmation), once.</summary>
    private async Task ReplyAsync(string number, string text, string effectId, CancellationToken cancellationToken) =>
        await DeliverAsync(await log.GetOrAddAsync(Reply(number, text, effectId), cancellationToken), text, cancellationToken);

    private async Task DeliverAsync(MessageRecord record, string text, CancellationToken cancellationToken)
    {
        var (number, effectId) = (record.To!, record.EffectId);
        if (record.IsFinal)
        {
            return;
        }

        var result = await channel.SendSmsAsync(new OutgoingSms(number, text, CustomerMessageSender.IdempotencyKey(effectId), record.CreatedAt, effectId, record.Attempts > 0), cancellationToken);
        if (result.Transient)
        {
            throw new TransientSendException(result.Error ?? "the keyword reply could not be sent");
        }

        await log.TryUpdateAsync(record with { Status = result.Accepted ? MessageStatus.Sent : MessageStatus.Failed, Reason = result.Error, ProviderMessageId = result.ProviderMessageId, SentAt = time.GetUtcNow(), Attempts = record.Attempts + 1 }, cancellationToken);
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
