using System.Text.Json.Nodes;

namespace PxFunctions.Journeys.Definitions;

/// <summary>
/// An ownership journey as a brand authors it (JSON or YAML; <c>journey.schema.json</c> is its published schema):
/// which purchases start it, its stages, and the steps the interpreter walks. Read by <see cref="JourneyReader"/>,
/// checked by <see cref="JourneyValidator"/>; immutable once published.
/// </summary>
public sealed record JourneyDefinition
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required JourneyTrigger Trigger { get; init; }

    /// <summary>Locales every message must have a template for; the first is the fallback.</summary>
    public required IReadOnlyList<string> Locales { get; init; }

    /// <summary>Default channel preference of send and ask steps (first that the customer can receive wins).</summary>
    public required IReadOnlyList<MessageChannel> Channels { get; init; }

    /// <summary>IANA time zone for customers whose own zone is unknown (local-time waits).</summary>
    public required string TimeZone { get; init; }

    public required IReadOnlyList<string> Stages { get; init; }

    /// <summary>Constants the templates read as <c>vars.*</c> (care tips, review link, supply days).</summary>
    public required JsonObject Vars { get; init; }

    /// <summary>Goals and exits that apply at any step (a reorder, a refund).</summary>
    public required IReadOnlyList<JourneyExit> Exits { get; init; }

    public required ReplyRules Replies { get; init; }

    /// <summary>The steps; the first is where a journey starts.</summary>
    public required IReadOnlyList<JourneyStep> Steps { get; init; }

    public static readonly IReadOnlyList<string> DefaultStages = ["Unboxing", "Usage", "Care & Maintenance", "Upsell/Renewal"];

    public JourneyStep? Step(string id) => Steps.FirstOrDefault(s => s.Id == id);
}

/// <summary>The order event that starts a journey for a purchased product.</summary>
public enum TriggerEvent
{
    Paid,
    Fulfilled,

    /// <summary>Delivered, or fulfilled + <see cref="JourneyTrigger.DeliveryFallbackDays"/> when no delivery is ever reported.</summary>
    Delivered,
}

/// <summary>Which purchases start the journey: any line item matching one of the lists.</summary>
public sealed record JourneyTrigger
{
    public required TriggerEvent Event { get; init; }
    public IReadOnlyList<string> Skus { get; init; } = [];
    public IReadOnlyList<string> ProductIds { get; init; } = [];
    public IReadOnlyList<string> ProductTypes { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> Vendors { get; init; } = [];

    /// <summary>Days after fulfilment at which delivery is assumed when the storefront never reports it.</summary>
    public int DeliveryFallbackDays { get; init; } = 7;

    /// <summary>Whether a customer may have two active journeys for the same product (e.g. one per order).</summary>
    public bool AllowConcurrent { get; init; }

    /// <summary>True when a purchased line item should get this journey.</summary>
    public bool Matches(string? sku, string? productId, string? productType, IEnumerable<string> tags, string? vendor)
    {
        static bool In(IReadOnlyList<string> list, string? value) =>
            value is not null && list.Any(v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase));

        return In(Skus, sku) || In(ProductIds, productId) || In(ProductTypes, productType) || In(Vendors, vendor)
            || tags.Any(t => In(Tags, t));
    }
}

/// <summary>The channels a journey can talk on, in the names journeys, APIs and metrics use (<see cref="ChannelNames"/>).</summary>
public enum MessageChannel
{
    Sms,
    Email,

    /// <summary>WhatsApp through ACS Advanced Messaging: free text within 24 hours of the customer's last message, an approved template otherwise.</summary>
    WhatsApp,

    /// <summary>The chat widget on the brand's site or order page (the app's own transcript).</summary>
    WebChat,
}

/// <summary>The written names of <see cref="MessageChannel"/>: <c>sms</c>, <c>email</c>, <c>whatsapp</c>, <c>webchat</c>.</summary>
public static class ChannelNames
{
    public const string Sms = "sms";
    public const string Email = "email";
    public const string WhatsApp = "whatsapp";
    public const string WebChat = "webchat";

    /// <summary>Every channel, in the default order of preference.</summary>
    public static readonly IReadOnlyList<string> All = [Sms, WhatsApp, Email, WebChat];

    /// <summary>For messages: "sms, whatsapp, email, webchat".</summary>
    public static string List => string.Join(", ", All);

    public static string Of(MessageChannel channel) => channel switch
    {
        MessageChannel.Sms => Sms,
        MessageChannel.Email => Email,
        MessageChannel.WhatsApp => WhatsApp,
        _ => WebChat,
    };

    public static MessageChannel? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        Sms => MessageChannel.Sms,
        Email => MessageChannel.Email,
        WhatsApp => MessageChannel.WhatsApp,
        WebChat => MessageChannel.WebChat,
        _ => null,
    };
}

/// <summary>Whether a message serves the purchase (order, usage help) or sells; marketing needs marketing consent.</summary>
public enum MessageClass
{
    Service,
    Marketing,
}

/// <summary>A business event that ends the journey or moves it, wherever it is (e.g. <c>refunded</c>, <c>reorder</c>).</summary>
public sealed record JourneyExit(string On, string? Goto, string? Outcome, string Path);

/// <summary>How replies nobody asked for are answered: FAQ answers, and the words that ask for a person.</summary>
public sealed record ReplyRules
{
    public IReadOnlyList<FaqEntry> Faq { get; init; } = [];
    public IReadOnlyList<string> HandoffKeywords { get; init; } = DefaultHandoffKeywords;

    /// <summary>Sent to confirm that the customer wants a person before a ticket is opened.</summary>
    public MessageTemplates? HandoffConfirm { get; init; }

    public static readonly IReadOnlyList<string> DefaultHandoffKeywords = ["agent", "human", "person", "representative", "talk to someone"];
}

public sealed record FaqEntry(IReadOnlyList<string> Match, MessageTemplates Reply, string Path);

/// <summary>
/// A message's templates: per channel, per locale (Liquid). WhatsApp and WebChat fall back to the SMS text when they
/// have none of their own, so every message a journey can text it can also write on WhatsApp (inside the 24-hour
/// window) and in the chat.
/// </summary>
public sealed record MessageTemplates
{
    public IReadOnlyDictionary<string, string> Sms { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, EmailTemplate> Email { get; init; } = new Dictionary<string, EmailTemplate>();
    public IReadOnlyDictionary<string, WhatsAppTemplate> WhatsApp { get; init; } = new Dictionary<string, WhatsAppTemplate>();
    public IReadOnlyDictionary<string, string> WebChat { get; init; } = new Dictionary<string, string>();

    /// <summary>Path of the <c>message</c> object in the document, for errors.</summary>
    public required string Path { get; init; }

    public bool Has(MessageChannel channel, string locale) => channel switch
    {
        MessageChannel.Sms => Sms.ContainsKey(locale),
        MessageChannel.Email => Email.ContainsKey(locale),
        MessageChannel.WhatsApp => WhatsApp.ContainsKey(locale) || Sms.ContainsKey(locale),
        _ => WebChat.ContainsKey(locale) || Sms.ContainsKey(locale),
    };

    /// <summary>The free text for WhatsApp in a locale: its own, else the SMS text.</summary>
    public string? WhatsAppText(string locale) =>
        WhatsApp.TryGetValue(locale, out var w) && w.Text is { } text ? text : Sms.GetValueOrDefault(locale);

    /// <summary>The chat text in a locale: its own, else the SMS text.</summary>
    public string? WebChatText(string locale) => WebChat.TryGetValue(locale, out var text) ? text : Sms.GetValueOrDefault(locale);
}

/// <summary>
/// A message on WhatsApp in one locale: free text (used inside the 24-hour window; the SMS text when absent) and the
/// approved template a business may send at any time.
/// </summary>
public sealed record WhatsAppTemplate(string? Text, ApprovedTemplate? Template);

/// <summary>
/// A template approved for the brand's WhatsApp Business account: its name and language as registered, and one Liquid
/// expression per body parameter (<c>{{1}}</c>, <c>{{2}}</c>...), in order.
/// </summary>
public sealed record ApprovedTemplate(string Name, string Language, IReadOnlyList<string> Parameters);

/// <param name="Text">Plain-text part; derived from the HTML when absent.</param>
public sealed record EmailTemplate(string Subject, string Html, string? Text);
