using Microsoft.Extensions.Logging;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Channels.Inbound;

/// <summary>
/// A customer's WhatsApp message, handled as an SMS is before any journey logic, on the WhatsApp channel of the
/// consent ledger: the time it came is noted first (it opens WhatsApp's 24-hour window for free text); STOP and
/// every reasonable revocation opt the number out of WhatsApp with one confirmation; START opts in (the way a
/// customer opts in by writing to the business) with a confirmation; HELP answers with the brand's help text;
/// everything else is a reply for the journey that wrote to the number on WhatsApp. The confirmations go straight to
/// the channel as free text (the customer has just written, so the window is open), once per inbound message.
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
    ILogger<InboundWhatsAppHandler> logger)
{
    public async Task<InboundOutcome> HandleAsync(string from, string text, string messageId, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var number = E164.Of(from.StartsWith('+') ? from : "+" + from) ?? from;
        await consent.RecordInboundAsync(ContactChannel.WhatsApp, number, receivedAt, cancellationToken);
        var intent = OptOutKeywords.Classify(text);
        logger.LogInformation("WhatsApp {MessageId} from {From}: {Intent}", messageId, Redact.Phone(number), intent);
        switch (intent)
        {
            case KeywordIntent.OptOut:
                // As for SMS: the confirmation is decided and written down before the opt-out is recorded, so a
                // redelivery of this STOP sends it once and nothing else ever follows.
                var confirmationId = "wa-optout:" + messageId;
                var confirmation = await log.GetAsync("a:" + number, confirmationId, cancellationToken);
                if (confirmation is null && !(await consent.GetAsync(ContactChannel.WhatsApp, number, cancellationToken)).OptedOut)
                {
                    confirmation = await log.GetOrAddAsync(Reply(number, OptOutConfirmation, confirmationId), cancellationToken);
                }

                await consent.RecordAsync(new ConsentChange(ContactChannel.WhatsApp, number, ConsentAction.OptedOut, receivedAt, "whatsapp reply", text, "whatsapp:" + messageId), cancellationToken);
                await metrics.RecordAsync(Metrics.MetricEvent.OnChannel("optout:whatsapp:" + messageId, receivedAt, await LatestJourneyAsync(number, cancellationToken), "opt_outs", "whatsapp"), cancellationToken);
                if (confirmation is not null)
                {
                    await DeliverAsync(confirmation, OptOutConfirmation, cancellationToken);
                }

                return new InboundOutcome(InboundOutcome.OptedOut);
            case KeywordIntent.OptIn:
                await consent.RecordAsync(new ConsentChange(ContactChannel.WhatsApp, number, ConsentAction.OptedIn, receivedAt, "whatsapp reply", text, "whatsapp:" + messageId), cancellationToken);
                await ReplyAsync(number, $"{settings.Brand.Name}: you will get our messages on WhatsApp. Reply STOP to opt out, HELP for help.", "wa-optin:" + messageId, cancellationToken);
                return new InboundOutcome(InboundOutcome.OptedIn);
            case KeywordIntent.Help:
                await ReplyAsync(number, $"{settings.Brand.Name}: {settings.Brand.HelpText}", "wa-help:" + messageId, cancellationToken);
                return new InboundOutcome(InboundOutcome.Help);
            default:
                return await router.RouteAsync(ContactChannel.WhatsApp, number, text, "whatsapp:" + messageId, receivedAt, cancellationToken);
        }
    }

    private async Task<string?> LatestJourneyAsync(string number, CancellationToken cancellationToken) =>
        (await conversations.ForAsync(ContactChannel.WhatsApp, number, cancellationToken)).Where(c => c.JourneyId is not null).MaxBy(c => c.LastSentAt)?.JourneyId;

    private string OptOutConfirmation => $"{settings.Brand.Name}: you will get no more WhatsApp messages from us. Reply START to opt back in.";

    private MessageRecord Reply(string number, string text, string effectId) =>
        new() { CustomerKey = "a:" + number, EffectId = effectId, InstanceId = "", Status = MessageStatus.Queued, Kind = "keyword", Class = "service", Channel = "whatsapp", To = number, Preview = text, CreatedAt = time.GetUtcNow() };

    private async Task ReplyAsync(string number, string text, string effectId, CancellationToken cancellationToken) =>
        await DeliverAsync(await log.GetOrAddAsync(Reply(number, text, effectId), cancellationToken), text, cancellationToken);

    private async Task DeliverAsync(MessageRecord record, string text, CancellationToken cancellationToken)
    {
        if (record.IsFinal)
        {
            return;
        }

        var result = await channel.SendWhatsAppAsync(
            new OutgoingWhatsApp(record.To!, text, null, CustomerMessageSender.IdempotencyKey(record.EffectId), record.CreatedAt, record.Attempts > 0), cancellationToken);
        if (result.Transient)
        {
            throw new TransientSendException(result.Error ?? "the WhatsApp keyword reply could not be sent");
        }

        await log.TryUpdateAsync(record with { Status = result.Accepted ? MessageStatus.Sent : MessageStatus.Failed, Reason = result.Error, ProviderMessageId = result.ProviderMessageId, SentAt = time.GetUtcNow(), Attempts = record.Attempts + 1 }, cancellationToken);
    }
}
