using System.Text.Json.Nodes;

namespace PxFunctions.Intake.Storefronts;

/// <summary>
/// Shopify Admin webhooks (JSON, API 2025-01 and later) into store events. Field names are Shopify's own (see the
/// webhook payload reference). Since 2025-01 the customer inside an order carries no marketing consent; consent comes
/// from the <c>customers_marketing_consent/update</c> (SMS) and <c>customers_email_marketing_consent/update</c> topics,
/// and the older in-order fields are still read when a shop on an older API version sends them.
/// </summary>
public static class ShopifyPayloads
{
    /// <summary>Topics the intake acts on (the issue's names and the wire names of the consent topics both map here).</summary>
    public static readonly IReadOnlySet<string> Topics = new HashSet<string>(StringComparer.Ordinal)
    {
        "orders/create", "orders/paid", "orders/fulfilled", "orders/cancelled", "fulfillments/create", "fulfillments/update",
        "refunds/create", "customers_marketing_consent/update", "customers/marketing_consent_update",
        "customers_email_marketing_consent/update", "customers/email_marketing_consent_update", "customers/redact", "customers/data_request",
    };

    public static StoreEvent Parse(string topic, string shop, JsonNode body, DateTimeOffset triggeredAt)
    {
        if (body is not JsonObject root)
        {
            throw new IntakeValidationException("$", "must be a JSON object.");
        }

        switch (topic)
        {
            case "orders/create":
                return new OrderEvent(OrderEventKind.Created, Order(shop, root), triggeredAt);
            case "orders/paid":
                return new OrderEvent(OrderEventKind.Paid, Order(shop, root), triggeredAt);
            case "orders/fulfilled":
                var fulfilled = Order(shop, root);
                return new OrderEvent(OrderEventKind.Fulfilled, fulfilled with { FulfilledAt = Json.Date(root, "updated_at") ?? triggeredAt }, triggeredAt);
            case "orders/cancelled":
                return new OrderEvent(OrderEventKind.Cancelled, Order(shop, root), Json.Date(root, "cancelled_at") ?? triggeredAt);
            case "fulfillments/create" or "fulfillments/update":
                return new FulfillmentEvent(
                    StoreSources.Shopify,
                    shop,
                    Json.Required(root, "order_id", "$"),
                    Json.Array(root, "line_items").Select(l => Json.Str(l, "id")).OfType<string>().ToList(),
                    Json.Str(root, "shipment_status"),
                    Json.Str(root, "status") ?? "",
                    Json.Date(root, "updated_at") ?? triggeredAt);
            case "refunds/create":
                return new RefundEvent(
                    StoreSources.Shopify,
                    shop,
                    Json.Required(root, "order_id", "$"),
                    Json.Array(root, "refund_line_items").Select(l => Json.Str(l, "line_item_id")).OfType<string>().ToList(),
                    Full: false,
                    Json.Date(root, "created_at") ?? triggeredAt);
            case "customers_marketing_consent/update" or "customers/marketing_consent_update":
                var sms = root["sms_marketing_consent"] ?? throw new IntakeValidationException("$.sms_marketing_consent", "is required.");
                return new ConsentEvent(StoreSources.Shopify, shop, Json.Str(root, "id"), PxFunctions.Channels.Compliance.ContactChannel.Sms, Json.Str(root, "phone"), Json.Str(sms, "state"), Json.Str(sms, "opt_in_level"), Json.Date(sms, "consent_updated_at") ?? triggeredAt);
            case "customers_email_marketing_consent/update" or "customers/email_marketing_consent_update":
                var email = root["email_marketing_consent"] ?? throw new IntakeValidationException("$.email_marketing_consent", "is required.");
                return new ConsentEvent(StoreSources.Shopify, shop, Json.Str(root, "customer_id"), PxFunctions.Channels.Compliance.ContactChannel.Email, Json.Str(root, "email_address"), Json.Str(email, "state"), Json.Str(email, "opt_in_level"), Json.Date(email, "consent_updated_at") ?? triggeredAt);
            case "customers/redact" or "customers/data_request":
                var customer = root["customer"] as JsonObject ?? throw new IntakeValidationException("$.customer", "is required.");
                var erase = topic == "customers/redact";
                return new PrivacyEvent(
                    StoreSources.Shopify,
                    shop,
                    erase,
                    Json.Str(customer, "id"),
                    Json.Str(customer, "email"),
                    Json.Str(customer, "phone"),
                    Json.Array(root, erase ? "orders_to_redact" : "orders_requested").Select(Json.Text).OfType<string>().ToList(),
                    Json.Str(root["data_request"], "id"),
                    triggeredAt);
            default:
                throw new ArgumentException($"'{topic}' is not a topic the intake reads.", nameof(topic));
        }
    }

    private static StoreOrder Order(string shop, JsonObject root)
    {
        var id = Json.Required(root, "id", "$");
        if (root["line_items"] is not JsonArray lines)
        {
            throw new IntakeValidationException("$.line_items", "is required (a list).");
        }

        var customer = root["customer"] as JsonObject;
        var shipping = root["shipping_address"] as JsonObject;
        var billing = root["billing_address"] as JsonObject;
        return new StoreOrder
        {
            Source = StoreSources.Shopify,
            Shop = shop,
            OrderId = id,
            Name = Json.Str(root, "name"),
            Number = Json.Str(root, "order_number") ?? Json.Str(root, "number"),
            CreatedAt = Json.Date(root, "created_at"),
            ProcessedAt = Json.Date(root, "processed_at"),
            CancelledAt = Json.Date(root, "cancelled_at"),
            Currency = Json.Str(root, "currency"),
            TotalPrice = Json.Str(root, "total_price"),
            FinancialStatus = Json.Str(root, "financial_status"),
            Tags = Json.Tags(root, "tags"),
            // landing_site: the path and query the buyer entered the shop on (Shopify's order resource).
            ReferralCode = PxFunctions.Channels.Links.ReferralLinks.CodeIn(Json.Str(root, "landing_site")),
            Customer = new StoreCustomer(
                Json.Str(customer, "id"),
                Json.Str(customer, "first_name") ?? Json.Str(shipping, "first_name") ?? Json.Str(billing, "first_name"),
                Json.Str(customer, "last_name") ?? Json.Str(shipping, "last_name") ?? Json.Str(billing, "last_name"),
                Json.Str(customer, "email") ?? Json.Str(root, "email") ?? Json.Str(root, "contact_email"),
                Json.Str(customer, "phone") ?? Json.Str(root, "phone") ?? Json.Str(shipping, "phone") ?? Json.Str(billing, "phone"),
                Json.Str(root, "customer_locale")),
            Shipping = Address(shipping ?? billing),
            LineItems = lines.Select((l, i) => new StoreLineItem(
                Json.Required(l, "id", $"$.line_items[{i}]"),
                Json.Str(l, "product_id"),
                Json.Str(l, "variant_id"),
                Json.Str(l, "sku"),
                Json.Str(l, "title") ?? Json.Str(l, "name") ?? throw new IntakeValidationException($"$.line_items[{i}].title", "is required."),
                Json.Str(l, "variant_title"),
                Json.Str(l, "vendor"),
                Json.Str(l, "product_type"),
                Json.Int(l, "quantity", 1),
                Json.Str(l, "price"),
                [])).ToList(),
            // Before 2025-01 the order's customer carried consent; read it when a shop still sends it.
            SmsMarketing = Hint(customer?["sms_marketing_consent"], "order (sms_marketing_consent)"),
            EmailMarketing = Hint(customer?["email_marketing_consent"], "order (email_marketing_consent)")
                ?? (Json.Bool(root, "buyer_accepts_marketing") is { } accepts ? new ConsentHint(accepts, Json.Date(root, "created_at"), "order (buyer_accepts_marketing)") : null),
        };
    }

    private static ConsentHint? Hint(JsonNode? consent, string source) => Json.Str(consent, "state") switch
    {
        "subscribed" => new ConsentHint(true, Json.Date(consent, "consent_updated_at"), source),
        "unsubscribed" or "not_subscribed" => new ConsentHint(false, Json.Date(consent, "consent_updated_at"), source),
        _ => null,
    };

    internal static StoreAddress? Address(JsonObject? a) => a is null
        ? null
        : new StoreAddress(Json.Str(a, "first_name"), Json.Str(a, "last_name"), Json.Str(a, "city"), Json.Str(a, "province"), Json.Str(a, "province_code"), Json.Str(a, "country_code"), Json.Str(a, "zip"), Json.Str(a, "phone"));
}

/// <summary>
/// WooCommerce webhooks (<c>order.created</c>, <c>order.updated</c>, <c>order.deleted</c>, <c>order.restored</c>;
/// REST v3 order payloads). WooCommerce says "updated" for everything, so the order's status tells what happened:
/// processing = paid, completed = fulfilled, cancelled, refunded.
/// </summary>
public static class WooCommercePayloads
{
    public static readonly IReadOnlySet<string> Topics = new HashSet<string>(StringComparer.Ordinal) { "order.created", "order.updated", "order.deleted", "order.restored" };

    public static StoreEvent Parse(string topic, string shop, JsonNode body, DateTimeOffset receivedAt)
    {
        if (body is not JsonObject root)
        {
            throw new IntakeValidationException("$", "must be a JSON object.");
        }

        var id = Json.Required(root, "id", "$");
        if (topic == "order.deleted")
        {
            // A trashed order arrives as {"id": n} only.
            return new OrderEvent(OrderEventKind.Cancelled, new StoreOrder { Source = StoreSources.WooCommerce, Shop = shop, OrderId = id, Customer = new StoreCustomer(null, null, null, null, null, null) }, receivedAt);
        }

        if (root["line_items"] is not JsonArray lines)
        {
            throw new IntakeValidationException("$.line_items", "is required (a list).");
        }

        var billing = root["billing"] as JsonObject;
        var shipping = root["shipping"] as JsonObject;
        var status = Json.Str(root, "status") ?? "pending";
        var customerId = Json.Str(root, "customer_id") is { } c && c != "0" ? c : null;
        var order = new StoreOrder
        {
            Source = StoreSources.WooCommerce,
            Shop = shop,
            OrderId = id,
            Name = "#" + (Json.Str(root, "number") ?? id),
            Number = Json.Str(root, "number"),
            CreatedAt = Json.Date(root, "date_created_gmt"),
            ProcessedAt = Json.Date(root, "date_paid_gmt") ?? Json.Date(root, "date_created_gmt"),
            FulfilledAt = Json.Date(root, "date_completed_gmt"),
            Currency = Json.Str(root, "currency"),
            TotalPrice = Json.Str(root, "total"),
            FinancialStatus = status,
            // WooCommerce's order attribution (8.5+) keeps the page the session entered the store on as order meta.
            ReferralCode = PxFunctions.Channels.Links.ReferralLinks.CodeIn(Json.Array(root, "meta_data")
                .Where(m => Json.Str(m, "key") == "_wc_order_attribution_session_entry").Select(m => Json.Str(m, "value")).FirstOrDefault()),
            Customer = new StoreCustomer(customerId, Json.Str(billing, "first_name"), Json.Str(billing, "last_name"), Json.Str(billing, "email"), Json.Str(billing, "phone"), null),
            Shipping = shipping is null ? null : new StoreAddress(Json.Str(shipping, "first_name"), Json.Str(shipping, "last_name"), Json.Str(shipping, "city"), Json.Str(shipping, "state"), Json.Str(shipping, "state"), Json.Str(shipping, "country"), Json.Str(shipping, "postcode"), Json.Str(shipping, "phone")),
            LineItems = lines.Select((l, i) => new StoreLineItem(
                Json.Required(l, "id", $"$.line_items[{i}]"),
                Json.Str(l, "product_id"),
                Json.Str(l, "variation_id") is { } v && v != "0" ? v : null,
                Json.Str(l, "sku"),
                System.Net.WebUtility.HtmlDecode(Json.Str(l, "name") ?? throw new IntakeValidationException($"$.line_items[{i}].name", "is required.")),
                null,
                null,
                null,
                Json.Int(l, "quantity", 1),
                Json.Str(l, "price"),
                [])).ToList(),
        };
        var at = Json.Date(root, "date_modified_gmt") ?? receivedAt;
        return status switch
        {
            "processing" => new OrderEvent(OrderEventKind.Paid, order, at),
            "completed" => new OrderEvent(OrderEventKind.Fulfilled, order with { FulfilledAt = order.FulfilledAt ?? at }, at),
            "cancelled" or "failed" => new OrderEvent(OrderEventKind.Cancelled, order, at),
            "refunded" => new RefundEvent(StoreSources.WooCommerce, shop, id, [], Full: true, at),
            _ => new OrderEvent(topic == "order.created" ? OrderEventKind.Created : OrderEventKind.Updated, order, at),
        };
    }
}

/// <summary>
/// The generic signed JSON webhook for any other storefront (<c>orders-webhook.schema.json</c>): an <c>event</c>
/// (<c>order.paid</c>, <c>order.fulfilled</c>, <c>order.delivered</c>, <c>order.cancelled</c>, <c>order.refunded</c>,
/// <c>consent.updated</c>), an <c>id</c> for deduplication, and the order in the journeys' own shape.
/// </summary>
public static class GenericPayloads
{
    public static readonly IReadOnlySet<string> Events = new HashSet<string>(StringComparer.Ordinal)
    {
        "order.created", "order.paid", "order.fulfilled", "order.delivered", "order.cancelled", "order.refunded", "consent.updated",
    };

    public static (string EventId, StoreEvent Event) Parse(JsonNode body)
    {
        if (body is not JsonObject root)
        {
            throw new IntakeValidationException("$", "must be a JSON object.");
        }

        var kind = Json.Required(root, "event", "$");
        if (!Events.Contains(kind))
        {
            throw new IntakeValidationException("$.event", $"'{kind}' is not one of {string.Join(", ", Events)}.");
        }

        var id = Json.Required(root, "id", "$");
        var shop = Json.Required(root, "shop", "$");
        var at = Json.Date(root, "occurred_at") ?? throw new IntakeValidationException("$.occurred_at", "is required (ISO 8601 with an offset).");
        if (kind == "consent.updated")
        {
            var consent = root["consent"] as JsonObject ?? throw new IntakeValidationException("$.consent", "is required.");
            var channel = Json.Required(consent, "channel", "$.consent");
            if (channel is not ("sms" or "email" or "whatsapp"))
            {
                throw new IntakeValidationException("$.consent.channel", "must be sms, email or whatsapp.");
            }

            var contact = PxFunctions.Channels.Compliance.ContactChannels.Parse(channel)!.Value;
            return (id, new ConsentEvent(StoreSources.Orders, shop, Json.Str(consent, "customer_id"), contact, Json.Required(consent, "address", "$.consent"), Json.Required(consent, "state", "$.consent"), Json.Str(consent, "opt_in_level"), Json.Date(consent, "at") ?? at));
        }

        var orderNode = root["order"] as JsonObject ?? throw new IntakeValidationException("$.order", "is required.");
        var orderId = Json.Required(orderNode, "id", "$.order");
        var selected = Json.Array(root, "line_item_ids").Select(Json.Text).OfType<string>().ToList();
        switch (kind)
        {
            case "order.refunded":
                return (id, new RefundEvent(StoreSources.Orders, shop, orderId, selected, Full: selected.Count == 0, at));
            case "order.delivered":
                return (id, new FulfillmentEvent(StoreSources.Orders, shop, orderId, selected, "delivered", "success", at));
        }

        if (orderNode["line_items"] is not JsonArray lines || lines.Count == 0)
        {
            throw new IntakeValidationException("$.order.line_items", "is required (at least one line).");
        }

        var customer = orderNode["customer"] as JsonObject ?? throw new IntakeValidationException("$.order.customer", "is required.");
        var order = new StoreOrder
        {
            Source = StoreSources.Orders,
            Shop = shop,
            OrderId = orderId,
            Name = Json.Str(orderNode, "name"),
            Number = Json.Str(orderNode, "number"),
            CreatedAt = Json.Date(orderNode, "created_at"),
            ProcessedAt = Json.Date(orderNode, "processed_at"),
            FulfilledAt = kind == "order.fulfilled" ? Json.Date(orderNode, "fulfilled_at") ?? at : null,
            Currency = Json.Str(orderNode, "currency"),
            TotalPrice = Json.Str(orderNode, "total_price"),
            FinancialStatus = kind == "order.paid" ? "paid" : Json.Str(orderNode, "financial_status"),
            Tags = Json.Tags(orderNode, "tags"),
            ReferralCode = PxFunctions.Channels.Links.ReferralLinks.CodeIn(Json.Str(orderNode, "landing_site")),
            Customer = new StoreCustomer(Json.Str(customer, "id"), Json.Str(customer, "first_name"), Json.Str(customer, "last_name"), Json.Str(customer, "email"), Json.Str(customer, "phone"), Json.Str(customer, "locale")),
            Shipping = ShopifyPayloads.Address(orderNode["shipping_address"] as JsonObject),
            LineItems = lines.Select((l, i) => new StoreLineItem(
                Json.Required(l, "id", $"$.order.line_items[{i}]"),
                Json.Str(l, "product_id"),
                Json.Str(l, "variant_id"),
                Json.Str(l, "sku"),
                Json.Required(l, "title", $"$.order.line_items[{i}]"),
                Json.Str(l, "variant_title"),
                Json.Str(l, "vendor"),
                Json.Str(l, "product_type"),
                Json.Int(l, "quantity", 1),
                Json.Str(l, "price"),
                Json.Tags(l, "tags"))).ToList(),
            SmsMarketing = Json.Bool(customer, "accepts_sms_marketing") is { } sms ? new ConsentHint(sms, at, "order (accepts_sms_marketing)") : null,
            EmailMarketing = Json.Bool(customer, "accepts_email_marketing") is { } email ? new ConsentHint(email, at, "order (accepts_email_marketing)") : null,
        };
        return (id, new OrderEvent(
            kind switch { "order.paid" => OrderEventKind.Paid, "order.fulfilled" => OrderEventKind.Fulfilled, "order.cancelled" => OrderEventKind.Cancelled, _ => OrderEventKind.Created },
            order,
            at));
    }
}
