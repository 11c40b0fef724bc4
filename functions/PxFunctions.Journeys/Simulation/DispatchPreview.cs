using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Journeys.Simulation;

/// <summary>Consent on one of the simulated customer's channels.</summary>
/// <param name="Service">Service messages (order and usage help) may go: for SMS, the number was given for the order.</param>
/// <param name="Marketing">Prior express (written) consent to marketing.</param>
/// <param name="OptedOut">The customer opted out (STOP, an unsubscribe link).</param>
public sealed record ChannelConsent(bool Service, bool Marketing, bool OptedOut);

/// <summary>
/// The simulated customer's consent (the sample's <c>consent</c>). By default, as live intake records it for an
/// order: the number given for the order allows service texts, email may carry service messages, and neither
/// allows marketing until the customer consents.
/// </summary>
public sealed record SimulatedConsent(ChannelConsent Sms, ChannelConsent Email)
{
    /// <summary>WhatsApp: none until the customer opts in (an order's number is not an opt-in).</summary>
    public ChannelConsent WhatsApp { get; init; } = DefaultWhatsApp;

    /// <summary>The web chat: none until the customer opens it.</summary>
    public ChannelConsent WebChat { get; init; } = DefaultWebChat;

    public static ChannelConsent DefaultSms { get; } = new(Service: true, Marketing: false, OptedOut: false);
    public static ChannelConsent DefaultEmail { get; } = new(Service: true, Marketing: false, OptedOut: false);
    public static ChannelConsent DefaultWhatsApp { get; } = new(Service: false, Marketing: false, OptedOut: false);
    public static ChannelConsent DefaultWebChat { get; } = new(Service: false, Marketing: false, OptedOut: false);
    public static SimulatedConsent Default { get; } = new(DefaultSms, DefaultEmail);

    /// <summary>The consent on a channel by its name (<c>sms</c>, <c>whatsapp</c>, <c>email</c>, <c>webchat</c>).</summary>
    public ChannelConsent For(string channel) => channel switch
    {
        Definitions.ChannelNames.Sms => Sms,
        Definitions.ChannelNames.WhatsApp => WhatsApp,
        Definitions.ChannelNames.WebChat => WebChat,
        _ => Email,
    };
}

/// <summary>A message the simulated customer got, for the caps of later ones.</summary>
public sealed record SimulatedDelivery(OutboundKind Kind, string Class, string Channel, DateTimeOffset SentAt);

/// <summary>The facts of one simulated send: the message, when the journey first asked for it, the clock, consent, earlier sends.</summary>
public sealed record PreviewedSend(OutboundMessage Message, DateTimeOffset RequestedAt, DateTimeOffset Now, SimulatedConsent Consent, IReadOnlyList<SimulatedDelivery> Sent)
{
    /// <summary>When the simulated customer last wrote on each channel (WhatsApp's 24-hour window).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> LastReplies { get; init; } = new Dictionary<string, DateTimeOffset>();
}

/// <summary>
/// What the simulator asks of every message: when and how would it really go? The answer is the live sender's
/// (<c>SendRules</c> in the Channels library): sent now on a channel (<see cref="SendResult.Reason"/> says why
/// channels before it were passed over, if any), held until a time and why (the journey waits and asks again, as
/// live), or suppressed and why. Implementations must be pure functions of the facts given.
/// </summary>
public interface IDispatchPreview
{
    ValueTask<SendResult> DecideAsync(PreviewedSend send, CancellationToken cancellationToken);
}

/// <summary>The rules a simulation applies to its messages, and the simulated customer's consent.</summary>
public sealed record SimulationRules(IDispatchPreview Dispatch, SimulatedConsent Consent);
