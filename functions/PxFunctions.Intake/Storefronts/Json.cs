using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PxFunctions.Intake.Storefronts;

/// <summary>A webhook whose body lacks or mangles a field the intake needs: answered 400, naming the field.</summary>
public sealed class IntakeValidationException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;
    public string Reason { get; } = reason;
}

/// <summary>Lenient reads of storefront JSON: ids arrive as numbers or strings, money as strings or numbers, dates with or without offsets.</summary>
internal static class Json
{
    public static string? Str(JsonNode? node, string key) => Text(node is JsonObject o ? o[key] : null);

    public static string? Text(JsonNode? value) => value is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>() is { Length: > 0 } s ? s : null,
            JsonValueKind.Number => v.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        }
        : null;

    public static string Required(JsonNode? node, string key, string path) =>
        Str(node, key) ?? throw new IntakeValidationException($"{path}.{key}", "is required.");

    public static int Int(JsonNode? node, string key, int fallback) =>
        int.TryParse(Str(node, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : fallback;

    public static bool? Bool(JsonNode? node, string key) => Str(node, key) switch { "true" => true, "false" => false, _ => null };

    /// <summary>A date; values without an offset are UTC (WooCommerce's <c>*_gmt</c> fields).</summary>
    public static DateTimeOffset? Date(JsonNode? node, string key) =>
        Str(node, key) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date.ToUniversalTime()
            : null;

    public static JsonArray Array(JsonNode? node, string key) => (node is JsonObject o ? o[key] : null) as JsonArray ?? [];

    public static IReadOnlyList<string> Tags(JsonNode? node, string key) => (node is JsonObject o ? o[key] : null) switch
    {
        JsonArray a => a.Select(Text).OfType<string>().ToList(),
        JsonValue v when Text(v) is { } s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        _ => [],
    };
}
