using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Channels.Acs;

/// <summary>Where ACS sends from; <see cref="WhatsAppChannelId"/> is the WhatsApp channel registration (none: no WhatsApp).</summary>
public sealed record AcsSenders(string SmsFrom, string EmailFrom, string? EmailReplyTo, Guid? WhatsAppChannelId = null);

/// <summary>
/// The ACS adapter of <see cref="IMessageChannel"/>. SMS: the idempotency key is the repeatability id and the first
/// attempt's time its first-sent date, so a retry is delivered once; a recipient-level 429/5xx is transient, a 4xx
/// final. Email: the idempotency key is the operation id; a retry first asks ACS whether that operation exists, and
/// only sends when it does not. WhatsApp: as SMS, the idempotency key and first attempt are the repeatability pair.
/// </summary>
public sealed class AcsChannel(AcsSmsClient smsClient, AcsEmailClient emailClient, AcsSenders senders, AcsWhatsAppClient? whatsAppClient = null) : IMessageChannel
{
    public string Name => "acs";

    public bool SendsWhatsApp => whatsAppClient is not null && senders.WhatsAppChannelId is not null;

    public async Task<ChannelResult> SendSmsAsync(OutgoingSms sms, CancellationToken cancellationToken)
    {
        try
        {
            var result = await smsClient.SendAsync(
                new SmsSend(senders.SmsFrom, sms.To, sms.Text, sms.IdempotencyKey, sms.FirstAttempt, sms.Tag), cancellationToken);
            return result.Successful
                ? ChannelResult.Sent(result.MessageId ?? sms.IdempotencyKey.ToString("D"))
                : ChannelResult.Failed($"{result.HttpStatusCode}: {result.ErrorMessage}", result.Transient);
        }
        catch (AcsRequestException ex)
        {
            return ChannelResult.Failed(ex.Message, ex.Transient);
        }
    }

    public async Task<ChannelResult> SendWhatsAppAsync(OutgoingWhatsApp message, CancellationToken cancellationToken)
    {
        if (whatsAppClient is null || senders.WhatsAppChannelId is not { } channelId)
        {
            return ChannelResult.Failed("WhatsApp is not configured (Acs__WhatsAppChannelId)", transient: false);
        }

        try
        {
            var receipt = await whatsAppClient.SendAsync(
                new WhatsAppSend(channelId, message.To, message.Text, message.Template, message.IdempotencyKey, message.FirstAttempt), cancellationToken);
            return ChannelResult.Sent(receipt.MessageId);
        }
        catch (AcsRequestException ex)
        {
            return ChannelResult.Failed(ex.Message, ex.Transient);
        }
    }

    public async Task<ChannelResult> SendEmailAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        var message = email;
        try
        {
            EmailOperation? operation = null;
            if (message.IsRetry && await emailClient.GetAsync(message.IdempotencyKey, cancellationToken) is { } earlier)
            {
                // An earlier attempt reached ACS (we stopped before recording it): never send it again.
                operation = earlier.IsTerminal ? earlier : await emailClient.PollAsync(earlier.Id, TimeSpan.Zero, cancellationToken);
            }

            operation ??= await emailClient.SendAsync(
                new EmailSend(
                    senders.EmailFrom,
                    new EmailAddress(message.To),
                    message.Subject,
                    message.Text,
                    message.Html,
                    senders.EmailReplyTo is { } replyTo ? [new EmailAddress(replyTo)] : null,
                    message.Headers),
                message.IdempotencyKey,
                cancellationToken);

            return operation.Status switch
            {
                "Failed" or "Canceled" => ChannelResult.Failed($"{operation.Status}: {operation.ErrorCode} {operation.ErrorMessage}".Trim(), transient: false),
                _ => ChannelResult.Sent(operation.Id),
            };
        }
        catch (AcsRequestException ex)
        {
            return ChannelResult.Failed(ex.Message, ex.Transient);
        }
    }
}
