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

public enum MessageChannel
{
    Sms,
    Email,
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

/// <summary>A message's templates: per channel, per locale (Liquid).</summary>
public sealed record MessageTemplates
{
    public IReadOnlyDictionary<string, string> Sms { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, EmailTemplate> Email { get; init; } = new Dictionary<string, EmailTemplate>();

    /// <summary>Path of the <c>message</c> object in the document, for errors.</summary>
    public required string Path { get; init; }

    public bool Has(MessageChannel channel, string locale) => channel switch
    {
        MessageChannel.Sms => Sms.ContainsKey(locale),
        _ => Email.ContainsKey(locale),
    };
}

/// <param name="Text">Plain-text part; derived from the HTML when absent.</param>
public sealed record EmailTemplate(string Subject, string Html, string? Text);
