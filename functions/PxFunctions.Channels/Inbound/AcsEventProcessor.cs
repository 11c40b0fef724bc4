using Microsoft.Extensions.Logging;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Channels.Inbound;

/// <summary>
/// Acts on ACS events: inbound SMS (keywords first, then reply routing), SMS and email delivery reports (the message
/// log, and consent: a hard bounce suppresses an address, a carrier block opts a number out), email engagement.
/// Every action is idempotent, because Event Grid delivers at least once.
/// </summary>
public sealed class AcsEventProcessor(InboundSmsHandler sms, InboundWhatsAppHandler whatsApp, MessageLog log, ConsentLedger consent, Metrics.MetricsStore metrics, TimeProvider time, ILogger<AcsEventProcessor> logger)
{
    /// <summary>Handles a delivery's events; returns the validation code when it was a subscription validation.</summary>
    public async Task<string?> HandleAsync(IReadOnlyList<AcsEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case SubscriptionValidation validation:
                    return validation.ValidationCode;
                case SmsReceived received:
                    await sms.HandleAsync(received.From, received.Message, received.MessageId, received.ReceivedAt, cancellationToken);
                    break;
                case SmsDeliveryReport report:
                    await SmsReportAsync(report, cancellationToken);
                    break;
                case WhatsAppReceived received:
                    await whatsApp.HandleAsync(received.From, received.Text, received.MessageId, received.ReceivedAt, cancellationToken);
                    break;
                case WhatsAppStatus status:
                    await WhatsAppStatusAsync(status, cancellationToken);
                    break;
                case EmailDeliveryReport report:
                    await EmailReportAsync(report, cancellationToken);
                    break;
                case EmailEngagement engagement:
                    await UpdateAsync(engagement.MessageId, null, r => r with { Engagement = engagement.Engagement.ToLowerInvariant(), EngagedAt = engagement.At }, cancellationToken);
                    break;
                case OtherEvent other:
                    logger.LogInformation("Ignored Event Grid event {Id} of type {Type}", other.Id, other.Type);
                    break;
            }
        }

        return null;
    }

    private async Task SmsReportAsync(SmsDeliveryReport report, CancellationToken cancellationToken)
    {
        var delivered = string.Equals(report.Status, "Delivered", StringComparison.OrdinalIgnoreCase);
        var updated = await UpdateAsync(report.MessageId, report.Tag, r => r with
        {
            Status = delivered ? MessageStatus.Delivered : MessageStatus.Failed,
            Reason = delivered ? null : $"{report.Status}: {report.Details}",
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);
        await CountDeliveredAsync(updated, time.GetUtcNow(), cancellationToken);

        // US toll-free: the carrier enforces STOP and ACS then blocks the sender ("Sender blocked for given recipient").
        if (!delivered && report.Details?.Contains("blocked", StringComparison.OrdinalIgnoreCase) == true)
        {
            await consent.RecordAsync(new ConsentChange(ContactChannel.Sms, report.To, ConsentAction.OptedOut, report.At, "carrier block (delivery report)", report.Details, "dlr:" + report.Id), cancellationToken);
        }
    }

    /// <summary>
    /// WhatsApp reports sent, then delivered, then read: delivered or read marks the message delivered (counted once);
    /// failed marks it failed with WhatsApp's error (131047: free text outside the 24-hour window).
    /// </summary>
    private async Task WhatsAppStatusAsync(WhatsAppStatus report, CancellationToken cancellationToken)
    {
        var status = report.Status.ToLowerInvariant();
        if (status is not ("delivered" or "read" or "failed"))
        {
            return;
        }

        var delivered = status != "failed";
        var updated = await UpdateAsync(report.MessageId, null, r => r.Status == MessageStatus.Delivered && delivered ? r : r with
        {
            Status = delivered ? MessageStatus.Delivered : MessageStatus.Failed,
            Reason = delivered ? null : $"whatsapp failed: {report.Error}",
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);
        await CountDeliveredAsync(updated, time.GetUtcNow(), cancellationToken);
    }

    private async Task EmailReportAsync(EmailDeliveryReport report, CancellationToken cancellationToken)
    {
        var delivered = string.Equals(report.Status, "Delivered", StringComparison.OrdinalIgnoreCase) || string.Equals(report.Status, "Expanded", StringComparison.OrdinalIgnoreCase);
        var updated = await UpdateAsync(report.MessageId, null, r => r with
        {
            Status = delivered ? MessageStatus.Delivered : MessageStatus.Failed,
            Reason = delivered ? null : $"{report.Status}: {report.Details}",
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken);
        await CountDeliveredAsync(updated, time.GetUtcNow(), cancellationToken);

        // A hard bounce or an ACS suppression: never email this address again until it is fixed.
        if (report.Status.Equals("Bounced", StringComparison.OrdinalIgnoreCase) || report.Status.Equals("Suppressed", StringComparison.OrdinalIgnoreCase))
        {
            await consent.RecordAsync(new ConsentChange(ContactChannel.Email, report.Recipient, ConsentAction.Suppressed, report.At, "email " + report.Status.ToLowerInvariant(), report.Details, "edr:" + report.Id), cancellationToken);
        }
    }

    private async Task<MessageRecord?> UpdateAsync(string providerMessageId, string? tag, Func<MessageRecord, MessageRecord> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var record = await log.FindForReportAsync(providerMessageId, tag, cancellationToken);
            if (record is null)
            {
                logger.LogWarning("Report for unknown message {MessageId}", providerMessageId);
                return null;
            }

            var next = change(record);
            if (next == record)
            {
                // Nothing to change (WhatsApp's "read" after "delivered"): no write.
                return record;
            }

            if (await log.TryUpdateAsync(next, cancellationToken) is (true, var saved))
            {
                return saved;
            }
        }

        return null;
    }

    /// <summary>A delivered journey message, counted once under its effect id (a report sent twice, or two reports, count once).</summary>
    private async Task CountDeliveredAsync(MessageRecord? record, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (record is { Status: MessageStatus.Delivered, JourneyId: { } journey })
        {
            await metrics.RecordAsync(
                record.Channel is { } channel
                    ? Metrics.MetricEvent.OnChannel("delivered:" + record.EffectId, at, journey, "messages_delivered", channel)
                    : Metrics.MetricEvent.One("delivered:" + record.EffectId, at, journey, "messages_delivered"),
                cancellationToken);
        }
    }
}
