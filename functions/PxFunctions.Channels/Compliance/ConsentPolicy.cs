using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Channels.Compliance;

/// <summary>
/// Which consent a message needs on a channel. SMS: marketing needs prior express written consent; service messages
/// (order and usage help) need the number given for the order, or marketing consent; an opt-out stops both.
/// Email: marketing needs consent and no unsubscribe (CAN-SPAM, RFC 8058); service email goes unless the address
/// bounced. Nothing goes to an address that hard-bounced or that a carrier blocks.
/// </summary>
public static class ConsentPolicy
{
    /// <summary>Null when the message may go; otherwise why not, for the message log.</summary>
    public static string? Refusal(ConsentState state, MessageClass messageClass)
    {
        if (state.Suppressed)
        {
            return $"{Name(state)} is suppressed (bounced or blocked)";
        }

        if (state.OptedOut && (state.Channel == ContactChannel.Sms || messageClass == MessageClass.Marketing))
        {
            return $"{Name(state)} opted out";
        }

        return messageClass switch
        {
            MessageClass.Marketing when !state.Marketing => $"{Name(state)} has no marketing consent",
            MessageClass.Service when state.Channel == ContactChannel.Sms && !state.Service && !state.Marketing => "sms has no consent (number not given for an order)",
            _ => null,
        };
    }

    private static string Name(ConsentState state) => state.Channel == ContactChannel.Sms ? "sms" : "email";
}
