using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>
/// What a journey instance is started with: which journey version it runs, and the purchase it is about in the
/// template model's shape (<c>customer</c>, <c>order</c>, <c>product</c>, <c>brand</c>, <c>links</c>; see
/// <see cref="Templates.TemplateModel"/>). The storefront intake builds it; simulations take it from the caller.
/// </summary>
public sealed record JourneyInput(string JourneyId, int Version, JsonObject Customer, JsonObject Order, JsonObject Product, JsonObject Brand, JsonObject Links)
{
    public static JourneyInput Parse(string? json)
    {
        var root = (json is null ? null : JsonNode.Parse(json) as JsonObject) ?? throw new FormatException("A journey instance needs an input object.");
        var journey = root["journey"] as JsonObject ?? throw new FormatException("The input has no 'journey' ({id, version}).");
        return new JourneyInput(
            (string?)journey["id"] ?? throw new FormatException("The input's journey has no id."),
            (int?)journey["version"] ?? throw new FormatException("The input's journey has no version."),
            Object(root, "customer"),
            Object(root, "order"),
            Object(root, "product"),
            Object(root, "brand"),
            Object(root, "links"));
    }

    public string ToJson() => new JsonObject
    {
        ["journey"] = new JsonObject { ["id"] = JourneyId, ["version"] = Version },
        ["customer"] = Customer.DeepClone(),
        ["order"] = Order.DeepClone(),
        ["product"] = Product.DeepClone(),
        ["brand"] = Brand.DeepClone(),
        ["links"] = Links.DeepClone(),
    }.ToJsonString();

    /// <summary>The value at a dotted path of the model (<c>order.delivered_at</c>), or null.</summary>
    public static JsonNode? At(JsonObject model, string path)
    {
        JsonNode? node = model;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node;
    }

    public static DateTimeOffset? Date(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && DateTimeOffset.TryParse(v.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : null;

    public static double? Number(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
            JsonValueKind.String when double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        }
        : null;

    private static JsonObject Object(JsonObject root, string name) => root[name] as JsonObject is { } o ? (JsonObject)o.DeepClone() : [];
}
