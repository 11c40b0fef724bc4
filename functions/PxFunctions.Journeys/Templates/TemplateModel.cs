namespace PxFunctions.Journeys.Templates;

/// <summary>
/// The names a journey's Liquid may use, and what each holds. The storefront intake fills <c>customer</c>,
/// <c>order</c>, <c>product</c>, <c>brand</c> and <c>links</c> in this shape whatever the storefront (Shopify,
/// WooCommerce, the generic webhook), so a template is checked against this list, not against one storefront's payload.
/// </summary>
public static class TemplateModel
{
    private static readonly string[] Address = ["first_name", "last_name", "city", "province", "province_code", "country_code", "zip"];
    private static readonly string[] LineItem = ["id", "product_id", "variant_id", "sku", "title", "variant_title", "vendor", "product_type", "quantity", "price", "tags"];

    /// <summary>Every known field path (<c>[*]</c> marks list items). <c>answers</c> and <c>vars</c> are the journey's own.</summary>
    public static IReadOnlySet<string> Fields { get; } = new HashSet<string>(
        Prefixed("customer", ["id", "first_name", "last_name", "name", "email", "phone", "locale", "time_zone", "country_code", "province_code", "tags"])
            .Concat(Prefixed("order", ["id", "name", "number", "created_at", "processed_at", "fulfilled_at", "delivered_at", "currency", "total_price", "subtotal_price", "tags", "line_items", "shipping_address"]))
            .Concat(Prefixed("order.line_items[*]", LineItem))
            .Concat(Prefixed("order.shipping_address", Address))
            .Concat(Prefixed("product", ["id", "variant_id", "sku", "title", "variant_title", "product_type", "vendor", "tags", "quantity", "price", "url", "image_url"]))
            .Concat(Prefixed("brand", ["name", "store_url", "support_email", "support_phone", "help_text", "postal_address"]))
            .Concat(Prefixed("links", ["reorder", "review", "support", "referral", "chat"]))
            .Concat(Prefixed("journey", ["id", "name", "version", "stage", "step"]))
            .Concat(["customer", "order", "product", "brand", "links", "journey", "answers", "vars"]),
        StringComparer.Ordinal);

    /// <summary>Top-level names a template may use.</summary>
    public static IReadOnlySet<string> Roots { get; } = new HashSet<string>(["customer", "order", "product", "brand", "links", "journey", "answers", "vars"], StringComparer.Ordinal);

    private static IEnumerable<string> Prefixed(string prefix, IEnumerable<string> names) => names.Select(n => prefix + "." + n);
}
