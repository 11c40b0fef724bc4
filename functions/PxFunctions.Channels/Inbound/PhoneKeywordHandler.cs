using Microsoft.Extensions.Logging;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Channels.Inbound;

/// <summary>
/// A customer's message to a phone channel (SMS, WhatsApp), handled before any journey logic and the same way on
/// each: STOP (and every reasonable revocation) opts the number out of that channel at once with one confirmation;
/// START lifts it; HELP answers with the brand's help text; everything else is a reply for the journey that wrote to
/// the number on that channel. Each is recorded in the consent ledger with the exact text. A channel says how it
/// reads the sender, names its records and wording, and sends the confirmations (<see cref="InboundSmsHandler"/>,
/// <see cref="InboundWhatsAppHandler"/>).
/// </summary>
public abstract class PhoneKeywordHandler(
    ConsentLedger consent,
    ReplyRouter router,
    MessageLog log,
    Conversations conversations,
    Metrics.MetricsStore metrics,
    TimeProvider time,
    ILogger logger)
{
    protected ConsentLedger Consent => consent;

    protected abstract ContactChannel Channel { get; }

    /// <summary>Starts the ids of the channel's keyword answers in the message log (<c>{prefix}optout:{message}</c>).</summary>
    protected abstract string AnswerPrefix { get; }

    protected abstract string OptOutConfirmation { get; }

    protected abstract string OptInConfirmation { get; }

    protected abstract string HelpAnswer { get; }

    /// <summary>The sender as an E.164 number.</summary>
    protected abstract string NumberOf(string from);

    /// <summary>The event id a reply is routed under (the provider's message id, made unique across channels where needed).</summary>
    protected abstract string ReplyId(string messageId);

    /// <summary>Sends a keyword answer straight to the channel (consent checks would stop the opt-out confirmation).</summary>
    protected abstract Task<ChannelResult> SendAsync(string number, string text, string effectId, DateTimeOffset firstAttempt, bool retry, CancellationToken cancellationToken);

    /// <summary>What the channel notes before anything else (WhatsApp: the start of its 24-hour window).</summary>
    protected virtual Task NoteReceivedAsync(string number, DateTimeOffset receivedAt, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<InboundOutcome> HandleAsync(string from, string text, string messageId, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var number = NumberOf(from);
        var name = Channel.Name();
        await NoteReceivedAsync(number, receivedAt, cancellationToken);
        var intent = OptOutKeywords.Classify(text);
        logger.LogInformation("{Channel} {MessageId} from {From}: {Intent}", name, messageId, Redact.Phone(number), intent);
        switch (intent)
        {
            case KeywordIntent.OptOut:
                // One confirmation, and then nothing (FCC 2025: a single confirmation text is allowed). It is decided
                // and written down before the opt-out is recorded: a redelivery of this STOP (after a crash, or a
                // send that failed for now) finds it and sends it, though the number is out by then.
                var confirmationId = AnswerPrefix + "optout:" + messageId;
                var confirmation = await log.GetAsync("a:" + number, confirmationId, cancellationToken);
                if (confirmation is null && !(await consent.GetAsync(Channel, number, cancellationToken)).OptedOut)
                {
                    confirmation = await log.GetOrAddAsync(Answer(number, OptOutConfirmation, confirmationId), cancellationToken);
                }

                await consent.RecordAsync(new ConsentChange(Channel, number, ConsentAction.OptedOut, receivedAt, name + " reply", text, name + ":" + messageId), cancellationToken);
                await metrics.RecordAsync(Metrics.MetricEvent.OnChannel($"optout:{name}:{messageId}", receivedAt, await LatestJourneyAsync(number, cancellationToken), "opt_outs", name), cancellationToken);
                if (confirmation is not null)
                {
                    await DeliverAsync(confirmation, OptOutConfirmation, cancellationToken);
                }

                return new InboundOutcome(InboundOutcome.OptedOut);
            case KeywordIntent.OptIn:
                await consent.RecordAsync(new ConsentChange(Channel, number, ConsentAction.OptedIn, receivedAt, name + " reply", text, name + ":" + messageId), cancellationToken);
                await AnswerAsync(number, OptInConfirmation, AnswerPrefix + "optin:" + messageId, cancellationToken);
                return new InboundOutcome(InboundOutcome.OptedIn);
            case KeywordIntent.Help:
                await AnswerAsync(number, HelpAnswer, AnswerPrefix + "help:" + messageId, cancellationToken);
                return new InboundOutcome(InboundOutcome.Help);
            default:
                return await router.RouteAsync(Channel, number, text, ReplyId(messageId), receivedAt, cancellationToken);
        }
    }

    /// <summary>
    /// The journey an opt-out is counted for: that of the latest journey message to the number on this channel, from
    /// the conversations replies are routed by; null when no journey wrote to it.
    /// </summary>
    private async Task<string?> LatestJourneyAsync(string number, CancellationToken cancellationToken) =>
        (await conversations.ForAsync(Channel, number, cancellationToken)).Where(c => c.JourneyId is not null).MaxBy(c => c.LastSentAt)?.JourneyId;

    private MessageRecord Answer(string number, string text, string effectId) =>
        new() { CustomerKey = "a:" + number, EffectId = effectId, InstanceId = "", Status = MessageStatus.Queued, Kind = "keyword", Class = "service", Channel = Channel.Name(), To = number, Preview = text, CreatedAt = time.GetUtcNow() };

    /// <summary>A keyword answer, written down and sent once.</summary>
    private async Task AnswerAsync(string number, string text, string effectId, CancellationToken cancellationToken) =>
        await DeliverAsync(await log.GetOrAddAsync(Answer(number, text, effectId), cancellationToken), text, cancellationToken);

    private async Task DeliverAsync(MessageRecord record, string text, CancellationToken cancellationToken)
    {
        if (record.IsFinal)
        {
            return;
        }

        var result = await SendAsync(record.To!, text, record.EffectId, record.CreatedAt, record.Attempts > 0, cancellationToken);
        if (result.Transient)
        {
            throw new TransientSendException(result.Error ?? $"the {Channel.Name()} keyword reply could not be sent");
        }

        await log.TryUpdateAsync(record with { Status = result.Accepted ? MessageStatus.Sent : MessageStatus.Failed, Reason = result.Error, ProviderMessageId = result.ProviderMessageId, SentAt = time.GetUtcNow(), Attempts = record.Attempts + 1 }, cancellationToken);
    }
}

/// <summary>An inbound SMS (<see cref="PhoneKeywordHandler"/>); a reply is routed under the provider's message id.</summary>
public sealed class InboundSmsHandler(
    ConsentLedger consent,
    ReplyRouter router,
    IMessageChannel channel,
    MessageLog log,
    Conversations conversations,
    DispatchSettings settings,
    Metrics.MetricsStore metrics,
    TimeProvider time,
    ILogger<InboundSmsHandler> logger) : PhoneKeywordHandler(consent, router, log, conversations, metrics, time, logger)
{
    protected override ContactChannel Channel => ContactChannel.Sms;

    protected override string AnswerPrefix => "";

    protected override string OptOutConfirmation => $"{settings.Brand.Name}: you are unsubscribed and will get no more texts. Reply START to resubscribe.";

    protected override string OptInConfirmation => $"{settings.Brand.Name}: you are resubscribed. Reply STOP to opt out, HELP for help.";

    protected override string HelpAnswer => $"{settings.Brand.Name}: {settings.Brand.HelpText}";

    protected override string NumberOf(string from) => E164.Of(from) ?? from;

    protected override string ReplyId(string messageId) => messageId;

    protected override Task<ChannelResult> SendAsync(string number, string text, string effectId, DateTimeOffset firstAttempt, bool retry, CancellationToken cancellationToken) =>
        channel.SendSmsAsync(new OutgoingSms(number, text, CustomerMessageSender.IdempotencyKey(effectId), firstAttempt, effectId, retry), cancellationToken);
}

/// <summary>
/// A customer's WhatsApp message (<see cref="PhoneKeywordHandler"/>), on the WhatsApp channel of the consent ledger:
/// the time it came is noted first (it opens WhatsApp's 24-hour window for free text); START is how a customer opts
/// in by writing to the business. The answers go as free text: the customer has just written, so the window is open.
/// </summary>
public sealed class InboundWhatsAppHandler(
    ConsentLedger consent,
    ReplyRouter router,
    IMessageChannel channel,
    MessageLog log,
    Conversations conversations,
    DispatchSettings settings,
    Metrics.MetricsStore metrics,
    TimeProvider time,
    ILogger<InboundWhatsAppHandler> logger) : PhoneKeywordHandler(consent, router, log, conversations, metrics, time, logger)
{
    protected override ContactChannel Channel => ContactChannel.WhatsApp;

    protected override string AnswerPrefix => "wa-";

    protected override string OptOutConfirmation => $"{settings.Brand.Name}: you will get no more WhatsApp messages from us. Reply START to opt back in.";

    protected override string OptInConfirmation => $"{settings.Brand.Name}: you will get our messages on WhatsApp. Reply STOP to opt out, HELP for help.";

    protected override string HelpAnswer => $"{settings.Brand.Name}: {settings.Brand.HelpText}";

    /// <summary>WhatsApp writes the number without the plus.</summary>
    protected override string NumberOf(string from) => E164.Of(from.StartsWith('+') ? from : "+" + from) ?? from;

    protected override string ReplyId(string messageId) => "whatsapp:" + messageId;

    protected override Task NoteReceivedAsync(string number, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
        Consent.RecordInboundAsync(ContactChannel.WhatsApp, number, receivedAt, cancellationToken);

    protected override Task<ChannelResult> SendAsync(string number, string text, string effectId, DateTimeOffset firstAttempt, bool retry, CancellationToken cancellationToken) =>
        channel.SendWhatsAppAsync(new OutgoingWhatsApp(number, text, null, CustomerMessageSender.IdempotencyKey(effectId), firstAttempt, retry), cancellationToken);
}
