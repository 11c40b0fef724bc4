namespace PxFunctions.Channels.Dispatch;

/// <summary>An SMS ready to go. <see cref="IdempotencyKey"/> is stable for the message across retries and restarts.</summary>
public sealed record OutgoingSms(string To, string Text, Guid IdempotencyKey, DateTimeOffset FirstAttempt, string Tag, bool IsRetry);

/// <summary>An email ready to go, with its unsubscribe headers.</summary>
public sealed record OutgoingEmail(
    string To,
    string Subject,
    string Text,
    string? Html,
    IReadOnlyDictionary<string, string> Headers,
    Guid IdempotencyKey,
    bool IsRetry);

/// <summary>
/// A WhatsApp message ready to go: exactly one of <see cref="Text"/> (free text, inside the 24-hour window) and
/// <see cref="Template"/> (an approved template with its parameters). The idempotency key is stable across retries.
/// </summary>
public sealed record OutgoingWhatsApp(string To, string? Text, Journeys.Interpreter.WhatsAppTemplateContent? Template, Guid IdempotencyKey, DateTimeOffset FirstAttempt, bool IsRetry);

/// <summary>What the channel did: accepted (with the provider's message id), or failed and whether to try again.</summary>
public sealed record ChannelResult(bool Accepted, string? ProviderMessageId, bool Transient, string? Error)
{
    public static ChannelResult Sent(string providerMessageId) => new(true, providerMessageId, false, null);

    public static ChannelResult Failed(string error, bool transient) => new(false, null, transient, error);
}

/// <summary>
/// The port every send goes through: ACS in production, the dev outbox when ACS is not configured. An adapter must
/// not deliver twice for one <see cref="OutgoingSms.IdempotencyKey"/> (ACS repeatability, an email operation id).
/// </summary>
public interface IMessageChannel
{
    string Name { get; }

    /// <summary>Whether WhatsApp can be sent here (ACS: a channel registration is configured).</summary>
    bool SendsWhatsApp { get; }

    Task<ChannelResult> SendSmsAsync(OutgoingSms sms, CancellationToken cancellationToken);

    Task<ChannelResult> SendEmailAsync(OutgoingEmail email, CancellationToken cancellationToken);

    Task<ChannelResult> SendWhatsAppAsync(OutgoingWhatsApp message, CancellationToken cancellationToken);
}
