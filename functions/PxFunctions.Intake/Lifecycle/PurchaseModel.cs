using System.Text.Json.Nodes;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Intake.Storefronts;

namespace PxFunctions.Intake.Lifecycle;

/// <summary>
/// The parts of a journey's purchase model the app adds to what the storefront reports: <c>brand</c> (from the
/// brand settings and the shop) and <c>links</c> (reorder, support). Live intake builds them for every journey it
/// starts; a simulation fills from them whatever its sample does not give, so a preview renders as a real message.
/// </summary>
public static class PurchaseModel
{
    /// <summary>Where a sample names no shop and no store URL, nor do the settings: a reserved name, plainly not a real store.</summary>
    public const string PlaceholderShop = "shop.example";

    public static JsonObject Brand(BrandSettings brand, string shop) => new()
    {
        ["name"] = brand.Name,
        ["store_url"] = $"https://{shop}",
        ["support_email"] = brand.SupportEmail,
        ["help_text"] = brand.HelpText,
        ["postal_address"] = brand.PostalAddress,
    };

    /// <summary>Reorder: Shopify's cart permalink for the variant (<c>/cart/{variant}:{quantity}</c>), else the store.</summary>
    public static JsonObject Links(string source, string shop, string? variantId, int quantity) => new()
    {
        ["reorder"] = source == StoreSources.Shopify && variantId is not null
            ? $"https://{shop}/cart/{variantId}:{quantity}"
            : $"https://{shop}",
        ["support"] = $"https://{shop}/account",
    };

    /// <summary>
    /// A simulation's sample with <c>brand</c> and <c>links</c> completed field by field: what the sample gives stays,
    /// the rest is what live intake would build. The shop is the sample's <c>shop</c>, else the host of its
    /// <c>brand.store_url</c>, else of the brand's store URL setting, else <see cref="PlaceholderShop"/>; the
    /// source is the sample's <c>source</c>, else Shopify; the line is the sample's <c>product</c>.
    /// </summary>
    public static JsonObject Complete(JsonObject sample, BrandSettings brand)
    {
        var copy = (JsonObject)sample.DeepClone();
        var given = copy["brand"] as JsonObject;
        var shop = (string?)copy["shop"]
            ?? Host((string?)given?["store_url"])
            ?? brand.StoreUrl?.Authority
            ?? PlaceholderShop;
        var source = (string?)copy["source"] ?? StoreSources.Shopify;
        var product = copy["product"] as JsonObject;
        var quantity = product?["quantity"] is JsonValue q && q.TryGetValue<int>(out var n) ? n : 1;
        copy["brand"] = Merge(given, Brand(brand, shop));
        copy["links"] = Merge(copy["links"] as JsonObject, Links(source, shop, product?["variant_id"]?.ToString(), quantity));
        return copy;
    }

    private static string? Host(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : null;

    private static JsonObject Merge(JsonObject? given, JsonObject defaults)
    {
        var merged = given is null ? [] : (JsonObject)given.DeepClone();
        foreach (var (key, value) in defaults)
        {
            if (merged[key] is null)
            {
                merged[key] = value?.DeepClone();
            }
        }

        return merged;
    }
}
