using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Links;
using PxFunctions.Channels.Metrics;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Channels.Dispatch;

/// <summary>Another worker is sending this message, or was when it died: try again once its claim ends.</summary>
public sealed class MessageBusyException(string effectId, DateTimeOffset claimedUntil) : Exception($"Message {effectId} is being sent by another worker (claimed until {claimedUntil:O}).")
{
    public DateTimeOffset ClaimedUntil { get; } = claimedUntil;
}

/// <summary>The channel had a transient failure; the activity's retry policy tries again (with the same idempotency key).</summary>
public sealed class TransientSendException(string reason) : Exception(reason);

/// <summary>
/// Sends a journey's message to a customer, whatever the journey says only within the rules, checked at send
/// time, in this order: the message log (a message already sent is not sent again); the instance (nothing from a
/// terminated journey; not looked at for an order its running journey made moments ago, <see cref="FreshOrder"/>);
/// then <see cref="SendRules"/>, the decision the journey simulator shows too: consent for the message's class on
/// each channel of its preference (the first allowed channel wins, else it is suppressed with the reasons); for
/// messages a journey initiates, quiet hours in the recipient's zone (SMS) and the frequency cap across journeys,
/// which hold the message (the journey waits on a durable timer and asks again), never drop it. Then it claims the message (a lease, so two workers never both send; a first send claims by adding
/// its row), sends with an idempotency key derived from the message id, and records the outcome. The message id is
/// <c>{instance}/m{number}</c>: every retry of the send activity, on any worker, uses the same one. One send reads
/// the log once (the row and the recent sends for the caps together).
/// </summary>
public sealed class CustomerMessageSender(
    MessageLog log,
    ConsentLedger consent,
    Conversations conversations,
    IMessageChannel channel,
    Chat.ChatTranscript chat,
    SendRules rules,
    IJourneyInstances instances,
    LinkSigner links,
    ReferralLinks referrals,
    DispatchSettings settings,
    MetricsStore metrics,
    TimeProvider time,
    ILogger<CustomerMessageSender> logger)
{
    /// <summary>
    /// How recently a message must have been ordered by its journey for the send to skip the look at the instance:
    /// the orchestration that ordered it was running then, and a journey terminated a few seconds ago is treated as
    /// terminated just after this send. An order older than this (a backlog, a held message, a retry) is checked.
    /// </summary>
    public static readonly TimeSpan FreshOrder = TimeSpan.FromSeconds(30);

    /// <param name="orderedAt">When the journey ordered the message (its orchestration time), if it says.</param>
    public async Task<MessageRecord> SendAsync(string instanceId, string messageId, OutboundMessage message, CancellationToken cancellationToken, DateTimeOffset? orderedAt = null)
    {
        var effect = new MessageRef(instanceId, messageId);
        var now = time.GetUtcNow();
        var customerKey = CustomerKey(message.Customer);

        // One read of the log: this message's row if it has one (a retry, a held message) and the customer's recent
        // sends for the caps. A first send then claims by adding its row; a row someone added meanwhile is read.
        var (existing, recent) = await log.FindWithSentSinceAsync(customerKey, effect.EffectId, rules.LookBackFrom(now), cancellationToken);
        var record = existing ?? new MessageRecord
        {
            CustomerKey = customerKey,
            EffectId = effect.EffectId,
            InstanceId = effect.InstanceId,
            Status = MessageStatus.Queued,
            Class = message.Class,
            Kind = message.Kind.ToString().ToLowerInvariant(),
            JourneyId = message.JourneyId,
            Step = message.Step,
            Preview = Preview(message),
            Source = message.Source,
            Sequence = message.Sequence,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var isNew = existing is null;
        List<MessageRecord>? sent = recent;

        for (var attempt = 0; attempt < 10; attempt++)
        {
            now = time.GetUtcNow();
            if (record.IsFinal)
            {
                if (record is { Status: MessageStatus.Sent or MessageStatus.Delivered, Channel: { } sentBy, SentAt: { } sentAt })
                {
                    // A run that sent it may have stopped before counting it: counting again is a no-op (same id, same day).
                    await metrics.RecordAsync(Sent(record.EffectId, message, sentBy, sentAt, CarriesReferral(message, sentBy)), cancellationToken);
                }

                return record;
            }

            if (record.Status == MessageStatus.Sending && record.ClaimedUntil is { } claimed && claimed > now)
            {
                throw new MessageBusyException(effect.EffectId, claimed);
            }

            var checkInstance = !(isNew && orderedAt is { } at && now - at < FreshOrder);
            var decision = await DecideAsync(effect, message, record, now, checkInstance, sent, cancellationToken);
            var next = decision switch
            {
                { Suppress: { } reason } => record with { Status = MessageStatus.Suppressed, Reason = reason, UpdatedAt = now },
                { HoldUntil: { } until } => record with { Status = MessageStatus.Held, HoldUntil = until, Reason = decision.HoldReason, UpdatedAt = now },
                _ => record with
                {
                    Status = MessageStatus.Sending,
                    Attempts = record.Attempts + 1,
                    ClaimedUntil = now + settings.SendLease,
                    Channel = decision.Channel,
                    To = decision.Address,
                    Reason = null,
                    UpdatedAt = now,
                },
            };

            var (saved, current) = isNew ? await log.TryAddAsync(next, cancellationToken) : await log.TryUpdateAsync(next, cancellationToken);
            if (!saved)
            {
                // Another run wrote the row first: decide again from what it wrote, with a fresh look at the caps.
                var stored = await log.GetAsync(record.CustomerKey, record.EffectId, cancellationToken);
                (record, isNew, sent) = (stored ?? record, stored is null, null);
                continue;
            }

            switch (current.Status)
            {
                case MessageStatus.Suppressed:
                    await metrics.RecordAsync(MetricEvent.One("suppressed:" + effect.EffectId, now, message.JourneyId, "messages_suppressed"), cancellationToken);
                    logger.LogInformation("Message {EffectId} suppressed: {Reason}", effect.EffectId, current.Reason);
                    return current;
                case MessageStatus.Held:
                    logger.LogInformation("Message {EffectId} held until {Until}: {Reason}", effect.EffectId, current.HoldUntil, current.Reason);
                    return current;
            }

            return await DeliverAsync(effect, message, current, decision, cancellationToken);
        }

        throw new MessageBusyException(effect.EffectId, time.GetUtcNow() + TimeSpan.FromSeconds(1));
    }

    private static readonly string[] WhatsAppOff = [ChannelNames.WhatsApp];

    /// <summary>The message's identity: the instance it belongs to and its id (<c>{instance}/m{number}</c>).</summary>
    private sealed record MessageRef(string InstanceId, string EffectId);

    /// <summary>
    /// Nothing from a terminated journey; otherwise what <see cref="SendRules"/> decide, with consent read from the
    /// ledger channel by channel and the recent sends from the log read already (or, after a lost race, read again
    /// only if a cap is looked at).
    /// </summary>
    private async Task<SendDecision> DecideAsync(
        MessageRef effect, OutboundMessage message, MessageRecord record, DateTimeOffset now, bool checkInstance, List<MessageRecord>? sent, CancellationToken cancellationToken)
    {
        if (checkInstance && await instances.GetAsync(effect.InstanceId, cancellationToken) is { Status: InstanceStatus.Terminated })
        {
            return SendDecision.Suppressed("the journey was terminated");
        }

        return await rules.DecideAsync(
            message,
            record.CreatedAt,
            now,
            async (channel, address, ct) => await consent.GetAsync(channel, address, ct),
            async ct => (sent ?? await log.SentSinceAsync(record.CustomerKey, rules.LookBackFrom(now), ct))
                .Where(m => m.EffectId != record.EffectId)
                .Select(m => new PastSend(m.Kind, m.Class, m.Channel, m.SentAt!.Value))
                .ToList(),
            cancellationToken,
            channel.SendsWhatsApp ? null : WhatsAppOff);
    }

    private async Task<MessageRecord> DeliverAsync(MessageRef effect, OutboundMessage message, MessageRecord claimed, SendDecision decision, CancellationToken cancellationToken)
    {
        var key = IdempotencyKey(effect.EffectId);

        // Texts to customers known by id carry their log key as the tag; the others (and email) are found by an index row.
        var tag = decision.Channel == ChannelNames.Sms ? MessageLog.SmsTag(claimed.CustomerKey, effect.EffectId) : null;
        var retry = claimed.Attempts > 1;
        ChannelResult result;
        try
        {
            result = decision.Channel switch
            {
                ChannelNames.Sms => await channel.SendSmsAsync(new OutgoingSms(decision.Address!, SmsText(message), key, claimed.CreatedAt, tag ?? effect.EffectId, retry), cancellationToken),
                ChannelNames.WhatsApp => await channel.SendWhatsAppAsync(WhatsApp(message, decision, key, claimed.CreatedAt, retry), cancellationToken),
                ChannelNames.WebChat => await ChatAsync(message, decision.Address!, effect, cancellationToken),
                _ => await channel.SendEmailAsync(Email(message, decision.Address!, effect, key, retry), cancellationToken),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            result = ChannelResult.Failed(ex.Message, transient: true);
        }

        var now = time.GetUtcNow();
        if (result.Transient)
        {
            // Give the claim back so the redelivered message can try again at once (same idempotency key).
            await log.TryUpdateAsync(claimed with { Status = MessageStatus.Queued, ClaimedUntil = null, Reason = result.Error, UpdatedAt = now }, cancellationToken);
            throw new TransientSendException($"Sending {effect.EffectId} failed for now: {result.Error}");
        }

        var final = result.Accepted
            ? claimed with { Status = MessageStatus.Sent, SentAt = now, ProviderMessageId = result.ProviderMessageId, ClaimedUntil = null, UpdatedAt = now }
            : claimed with { Status = MessageStatus.Failed, Reason = result.Error, ClaimedUntil = null, UpdatedAt = now };
        if (result.Accepted)
        {
            if (tag is null && decision.Channel != ChannelNames.WebChat)
            {
                await log.IndexAsync(result.ProviderMessageId!, final, cancellationToken);
            }

            await conversations.RecordAsync(
                ContactChannels.Parse(decision.Channel) ?? ContactChannel.Sms,
                new Conversation(decision.Address!, effect.InstanceId, message.Customer.Id, message.JourneyId, message.Step, message.Ask is not null, now),
                cancellationToken);
        }

        // The send happened; if this update is lost the retry finds the claim expired, resends with the same
        // idempotency key (no second delivery), and records it then.
        var (saved, stored) = await log.TryUpdateAsync(final, cancellationToken);
        if (result.Accepted)
        {
            // Counted under the message's id: a retry that resends (same idempotency key) is not counted again.
            await metrics.RecordAsync(Sent(effect.EffectId, message, decision.Channel!, now, CarriesReferral(message, decision.Channel!)), cancellationToken);
        }

        logger.LogInformation("Message {EffectId} {Status} by {Channel} to {To}", effect.EffectId, final.Status, decision.Channel, Redact.Address(decision.Address!));
        return saved ? stored : final;
    }

    /// <summary>Whether what went out on <paramref name="channel"/> holds the customer's referral link (<c>links.referral</c>).</summary>
    private bool CarriesReferral(OutboundMessage message, string channel) => channel switch
    {
        ChannelNames.Sms => referrals.IsIn(message.Sms?.Text),
        ChannelNames.WhatsApp => referrals.IsIn(message.WhatsApp?.Text) || message.WhatsApp?.Template?.Parameters.Any(referrals.IsIn) == true,
        ChannelNames.WebChat => referrals.IsIn(message.WebChat?.Text),
        _ => referrals.IsIn(message.Email?.Html) || referrals.IsIn(message.Email?.Text),
    };

    /// <summary>WhatsApp in the form the rules chose: free text inside the 24-hour window, the approved template outside it.</summary>
    private static OutgoingWhatsApp WhatsApp(OutboundMessage message, SendDecision decision, Guid key, DateTimeOffset firstAttempt, bool retry)
    {
        var content = message.WhatsApp!;
        return decision.Form == WhatsAppForms.Text
            ? new OutgoingWhatsApp(decision.Address!, WhatsAppText(message, content.Text!), null, key, firstAttempt, retry)
            : new OutgoingWhatsApp(decision.Address!, null, content.Template, key, firstAttempt, retry);
    }

    /// <summary>Marketing free text on WhatsApp says how to stop, as texts do (templates carry it in their approved wording).</summary>
    private static string WhatsAppText(OutboundMessage message, string text) =>
        message.Class == "marketing" && !text.Contains("STOP", StringComparison.OrdinalIgnoreCase) ? text + "\n\nReply STOP to opt out." : text;

    /// <summary>The chat's "send" is a line in the customer's transcript, written once under the message's id.</summary>
    private async Task<ChannelResult> ChatAsync(OutboundMessage message, string customerId, MessageRef effect, CancellationToken cancellationToken)
    {
        var author = message.Kind == OutboundKind.Agent ? Chat.ChatAuthor.Agent : Chat.ChatAuthor.Journey;
        await chat.AppendAsync(customerId, new Chat.ChatLine(effect.EffectId, author, message.WebChat!.Text, time.GetUtcNow(), effect.InstanceId, message.JourneyId), cancellationToken);
        return ChannelResult.Sent("chat:" + effect.EffectId);
    }

    /// <summary>
    /// A sent message's counters: sent (per channel), a question asked (in total and for its ask step), and a referral
    /// link issued. One event per message, so a referral link is counted once per message that carried it. The funnel
    /// is not counted here: journeys count every step they reach (<see cref="JourneyProgressMetrics"/>).
    /// </summary>
    public static MetricEvent Sent(string effectId, OutboundMessage message, string channel, DateTimeOffset at, bool referral = false)
    {
        var counters = new Dictionary<string, long>
        {
            [MetricColumns.Counter("messages_sent")] = 1,
            [MetricColumns.Counter("messages_sent_" + channel)] = 1,
        };
        if (message.Kind == OutboundKind.Knowledge)
        {
            counters[MetricColumns.Counter("auto_answers")] = 1;
        }

        if (message.Ask is not null)
        {
            counters[MetricColumns.Counter("questions_asked")] = 1;
            if (message.Step is { } step)
            {
                counters[MetricColumns.Asked(message.Version, step)] = 1;
            }
        }

        if (referral)
        {
            counters[MetricColumns.Counter("referrals_issued")] = 1;
        }

        return new MetricEvent("sent:" + effectId, at, message.JourneyId, counters);
    }

    /// <summary>Marketing texts carry the opt-out instruction (CTIA), unless the template already says it.</summary>
    private static string SmsText(OutboundMessage message)
    {
        var text = message.Sms!.Text;
        return message.Class == "marketing" && !text.Contains("STOP", StringComparison.OrdinalIgnoreCase) ? text + " Reply STOP to opt out." : text;
    }

    /// <summary>
    /// Every email carries RFC 8058 one-click unsubscribe headers; marketing email adds the postal address and an
    /// unsubscribe link (CAN-SPAM); a question adds one-click answer links.
    /// </summary>
    private OutgoingEmail Email(OutboundMessage message, string to, MessageRef effect, Guid key, bool retry)
    {
        var content = message.Email!;
        var expires = (time.GetUtcNow() + settings.AnswerLinkLifetime).ToUnixTimeSeconds();
        var unsubscribe = Link("u", links.Sign(new LinkPayload(LinkPayload.Unsubscribe, effect.InstanceId, null, to, "u:" + effect.EffectId, long.MaxValue / 2)));
        var html = new StringBuilder(content.Html.Length == 0 ? "<p>" + WebUtility.HtmlEncode(content.Text).Replace("\n", "<br>", StringComparison.Ordinal) + "</p>" : content.Html);
        var text = new StringBuilder(content.Text);

        if (message.Ask is { Options.Count: > 0 } ask)
        {
            var options = ask.Options.Select(o => (o.Label, Url: Link("r", links.Sign(new LinkPayload(LinkPayload.Answer, effect.InstanceId, o.Value, to, $"{effect.EffectId}:{o.Value}", expires))))).ToList();
            html.Append("<p>").AppendJoin(" ", options.Select(o => $"<a href=\"{WebUtility.HtmlEncode(o.Url)}\">{WebUtility.HtmlEncode(o.Label)}</a>")).Append("</p>");
            text.Append("\n\nAnswer with one click:\n").AppendJoin("\n", options.Select(o => $"{o.Label}: {o.Url}"));
        }

        if (message.Class == "marketing")
        {
            var brand = settings.Brand;
            html.Append($"<p style=\"font-size:12px;color:#666\">{WebUtility.HtmlEncode(brand.Name)}{(brand.PostalAddress is null ? "" : " · " + WebUtility.HtmlEncode(brand.PostalAddress))}<br><a href=\"{WebUtility.HtmlEncode(unsubscribe)}\">Unsubscribe</a></p>");
            text.Append($"\n\n{brand.Name}{(brand.PostalAddress is null ? "" : ", " + brand.PostalAddress)}\nUnsubscribe: {unsubscribe}");
        }

        return new OutgoingEmail(
            to,
            content.Subject,
            text.ToString(),
            html.ToString(),
            new Dictionary<string, string> { ["List-Unsubscribe"] = $"<{unsubscribe}>", ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click" },
            key,
            retry);
    }

    private string Link(string route, string token) => new Uri(settings.PublicBaseUrl, $"/api/{route}/{token}").ToString();

    /// <summary>The customer's partition in the log: their id, or else the address itself.</summary>
    public static string CustomerKey(CustomerContact customer) =>
        customer.Id is { Length: > 0 } id ? "c:" + id : "a:" + (customer.Phone ?? customer.Email ?? "unknown");

    /// <summary>A GUID derived from the effect id: the same for every retry of one message, anywhere.</summary>
    public static Guid IdempotencyKey(string effectId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(effectId));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    private static string Preview(OutboundMessage message)
    {
        var text = message.Sms?.Text ?? message.WhatsApp?.Text ?? message.WebChat?.Text ?? message.Email?.Subject
            ?? (message.WhatsApp?.Template is { } t ? $"[{t.Name}] " + string.Join(" | ", t.Parameters) : "");
        return text.Length > 160 ? text[..160] : text;
    }
}
