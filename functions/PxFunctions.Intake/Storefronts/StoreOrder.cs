using System.Text.Json.Nodes;

namespace PxFunctions.Intake.Storefronts;

/// <summary>Which storefront a webhook came from.</summary>
public static class StoreSources
{
    public const string Shopify = "shopify";
    public const string WooCommerce = "woocommerce";
    public const string Orders = "orders";
}

/// <summary>A customer as every storefront's payload is reduced to (the journeys' <c>customer</c> model).</summary>
public sealed record StoreCustomer(string? Id, string? FirstName, string? LastName, string? Email, string? Phone, string? Locale);

public sealed record StoreAddress(string? FirstName, string? LastName, string? City, string? Province, string? ProvinceCode, string? CountryCode, string? Zip, string? Phone);

/// <summary>One purchased line: the journeys' <c>product</c>.</summary>
public sealed record StoreLineItem(
    string Id,
    string? ProductId,
    string? VariantId,
    string? Sku,
    string Title,
    string? VariantTitle,
    string? Vendor,
    string? ProductType,
    int Quantity,
    string? Price,
    IReadOnlyList<string> Tags);

/// <summary>Marketing consent a storefront states inside an order (the fields Shopify removed in 2025-01, and others).</summary>
public sealed record ConsentHint(bool Granted, DateTimeOffset? At, string Source);

/// <summary>An order in one shape whatever the storefront: what journeys, consent and the lifecycle need.</summary>
public sealed record StoreOrder
{
    public required string Source { get; init; }

    /// <summary>The shop (a myshopify.com domain, a WooCommerce site host, or the generic source's shop id).</summary>
    public required string Shop { get; init; }

    public required string OrderId { get; init; }
    public string? Name { get; init; }
    public string? Number { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? ProcessedAt { get; init; }
    public DateTimeOffset? FulfilledAt { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public DateTimeOffset? CancelledAt { get; init; }
    public string? Currency { get; init; }
    public string? TotalPrice { get; init; }
    public string? FinancialStatus { get; init; }
    public required StoreCustomer Customer { get; init; }
    public StoreAddress? Shipping { get; init; }
    public IReadOnlyList<StoreLineItem> LineItems { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>
    /// The referral code (<c>px_ref</c>) of the page the buyer entered the store on: Shopify's <c>landing_site</c>,
    /// WooCommerce's order attribution entry page (meta <c>_wc_order_attribution_session_entry</c>), the generic
    /// webhook's <c>order.landing_site</c>. Only the code is kept, never the whole address.
    /// </summary>
    public string? ReferralCode { get; init; }

    public ConsentHint? SmsMarketing { get; init; }
    public ConsentHint? EmailMarketing { get; init; }

    /// <summary>The order as templates read it (<c>order.*</c>, see the journeys' template model).</summary>
    public JsonObject ToModel() => new()
    {
        ["id"] = OrderId,
        ["name"] = Name,
        ["number"] = Number,
        ["created_at"] = CreatedAt?.ToString("O"),
        ["processed_at"] = (ProcessedAt ?? CreatedAt)?.ToString("O"),
        ["fulfilled_at"] = FulfilledAt?.ToString("O"),
        ["delivered_at"] = DeliveredAt?.ToString("O"),
        ["currency"] = Currency,
        ["total_price"] = TotalPrice,
        ["tags"] = new JsonArray(Tags.Select(t => (JsonNode?)t).ToArray()),
        ["line_items"] = new JsonArray(LineItems.Select(l => (JsonNode?)LineModel(l)).ToArray()),
        ["shipping_address"] = Shipping is null ? null : new JsonObject
        {
            ["first_name"] = Shipping.FirstName,
            ["last_name"] = Shipping.LastName,
            ["city"] = Shipping.City,
            ["province"] = Shipping.Province,
            ["province_code"] = Shipping.ProvinceCode,
            ["country_code"] = Shipping.CountryCode,
            ["zip"] = Shipping.Zip,
        },
    };

    public static JsonObject LineModel(StoreLineItem l) => new()
    {
        ["id"] = l.Id,
        ["product_id"] = l.ProductId,
        ["variant_id"] = l.VariantId,
        ["sku"] = l.Sku,
        ["title"] = l.Title,
        ["variant_title"] = l.VariantTitle,
        ["vendor"] = l.Vendor,
        ["product_type"] = l.ProductType,
        ["quantity"] = l.Quantity,
        ["price"] = l.Price,
        ["tags"] = new JsonArray(l.Tags.Select(t => (JsonNode?)t).ToArray()),
    };
}

/// <summary>Something a storefront told us, after parsing: what the intake acts on.</summary>
public abstract record StoreEvent(string Source, string Shop, DateTimeOffset At);

public enum OrderEventKind
{
    Created,
    Paid,
    Fulfilled,
    Cancelled,
    Updated,
}

/// <summary>An order was created, paid, fulfilled, cancelled (or changed, from a source that only says "updated").</summary>
public sealed record OrderEvent(OrderEventKind Kind, StoreOrder Order, DateTimeOffset At) : StoreEvent(Order.Source, Order.Shop, At);

/// <summary>A fulfilment's shipment moved: <c>delivered</c> is what journeys wait for.</summary>
public sealed record FulfillmentEvent(string Source, string Shop, string OrderId, IReadOnlyList<string> LineItemIds, string? ShipmentStatus, string Status, DateTimeOffset At)
    : StoreEvent(Source, Shop, At);

/// <summary>Lines refunded (all of them when <see cref="LineItemIds"/> is empty and <see cref="Full"/>).</summary>
public sealed record RefundEvent(string Source, string Shop, string OrderId, IReadOnlyList<string> LineItemIds, bool Full, DateTimeOffset At)
    : StoreEvent(Source, Shop, At);

/// <summary>A customer's consent changed on one channel (marketing on SMS and email; opt-in on WhatsApp), as the storefront reports it.</summary>
public sealed record ConsentEvent(string Source, string Shop, string? CustomerId, PxFunctions.Channels.Compliance.ContactChannel Channel, string? Address, string? State, string? OptInLevel, DateTimeOffset At)
    : StoreEvent(Source, Shop, At)
{
    /// <summary>The address is a phone number (SMS, WhatsApp).</summary>
    public bool Sms => PxFunctions.Channels.Compliance.ContactChannels.IsPhone(Channel);
}

/// <summary>GDPR: erase a customer (<c>customers/redact</c>) or export their data (<c>customers/data_request</c>).</summary>
public sealed record PrivacyEvent(string Source, string Shop, bool Erase, string? CustomerId, string? Email, string? Phone, IReadOnlyList<string> OrderIds, string? RequestId, DateTimeOffset At)
    : StoreEvent(Source, Shop, At);
