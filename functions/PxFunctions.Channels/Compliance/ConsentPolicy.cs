using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Channels.Compliance;

/// <summary>
/// Which consent a message needs on a channel. SMS: marketing needs prior express written consent; service messages
/// (order and usage help) need the number given for the order, or marketing consent; an opt-out stops both.
/// Email: marketing needs consent and no unsubscribe (CAN-SPAM, RFC 8058); service email goes unless the address
/// bounced. WhatsApp: nothing goes without the customer's opt-in to WhatsApp (Meta's policy; a number given for an
/// order is not one), marketing needs marketing consent, an opt-out stops both. WebChat: the customer opened the chat
/// (that records the opt-in); STOP in the chat stops it. Nothing goes to an address that hard-bounced or that a carrier
/// blocks.
/// </summary>
public static class ConsentPolicy
{
    /// <summary>Null when the message may go; otherwise why not, for the message log.</summary>
    public static string? Refusal(ConsentState state, MessageClass messageClass)
    {
        var name = state.Channel.Name();
        if (state.Suppressed)
        {
            return $"{name} is suppressed (bounced or blocked)";
        }

        if (state.OptedOut && (state.Channel != ContactChannel.Email || messageClass == MessageClass.Marketing))
        {
            return $"{name} opted out";
        }

        return (messageClass, state.Channel) switch
        {
            (MessageClass.Marketing, _) when !state.Marketing => $"{name} has no marketing consent",
            (MessageClass.Service, ContactChannel.Sms) when !state.Service && !state.Marketing => "sms has no consent (number not given for an order)",
            (MessageClass.Service, ContactChannel.WhatsApp) when !state.Service && !state.Marketing => "whatsapp has no opt-in",
            (MessageClass.Service, ContactChannel.WebChat) when !state.Service && !state.Marketing => "webchat was never opened",
            _ => null,
        };
    }
}
