using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;

namespace PxFunctions.Journeys.Definitions;

/// <summary>One thing wrong with a journey document: where (a JSON path such as <c>$.steps[2].message.sms.fr</c>) and why.</summary>
public sealed record JourneyError(string Path, string Message);

/// <summary>
/// Typed reads from a JSON tree that record every problem with its path instead of stopping at the first, so an
/// author sees all mistakes at once. Every object read names its allowed fields; anything else is an error.
/// </summary>
internal sealed partial class DocumentReader
{
    public List<JourneyError> Errors { get; } = [];

    public void Error(string path, string message) => Errors.Add(new JourneyError(path, message));

    public static string Child(string path, string key) =>
        IdentifierPattern().IsMatch(key) ? $"{path}.{key}" : $"{path}['{key.Replace("'", "\\'", StringComparison.Ordinal)}']";

    public static string Item(string path, int index) => $"{path}[{index}]";

    /// <summary>Reads an object and reports fields it does not allow.</summary>
    public JsonObject? Object(JsonNode? node, string path, IReadOnlyCollection<string> allowed)
    {
        if (node is not JsonObject obj)
        {
            Error(path, node is null ? "is required (an object)." : $"must be an object, not {Describe(node)}.");
            return null;
        }

        foreach (var (key, _) in obj)
        {
            if (!allowed.Contains(key))
            {
                Error(Child(path, key), $"is not a known field here (expected {string.Join(", ", allowed)}).");
            }
        }

        return obj;
    }

    public string? String(JsonObject obj, string key, string path, bool required = false, Regex? pattern = null, string? patternHint = null)
    {
        var at = Child(path, key);
        if (!obj.TryGetPropertyValue(key, out var node) || node is null)
        {
            if (required)
            {
                Error(at, "is required.");
            }

            return null;
        }

        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            Error(at, $"must be a string, not {Describe(node)}.");
            return null;
        }

        var text = value.GetValue<string>();
        if (required && string.IsNullOrWhiteSpace(text))
        {
            Error(at, "must not be empty.");
            return null;
        }

        if (pattern is not null && !pattern.IsMatch(text))
        {
            Error(at, $"'{text}' {patternHint ?? "is not valid"}.");
            return null;
        }

        return text;
    }

    public double? Number(JsonObject obj, string key, string path, double min, double max)
    {
        var at = Child(path, key);
        if (!obj.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
        {
            Error(at, $"must be a number, not {Describe(node)}.");
            return null;
        }

        // YAML numbers arrive as longs, JSON ones as elements: read the number's text, whatever holds it.
        var number = double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
        if (number < min || number > max)
        {
            Error(at, $"must be from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (got {number.ToString(CultureInfo.InvariantCulture)}).");
            return null;
        }

        return number;
    }

    public int? Int(JsonObject obj, string key, string path, int min, int max)
    {
        var number = Number(obj, key, path, min, max);
        if (number is { } n && n != Math.Floor(n))
        {
            Error(Child(path, key), "must be a whole number.");
            return null;
        }

        return (int?)number;
    }

    public bool? Bool(JsonObject obj, string key, string path)
    {
        if (!obj.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetValue<bool>();
        }

        Error(Child(path, key), $"must be true or false, not {Describe(node)}.");
        return null;
    }

    public List<string> Strings(JsonObject obj, string key, string path, Regex? pattern = null, string? patternHint = null)
    {
        var at = Child(path, key);
        var list = new List<string>();
        if (!obj.TryGetPropertyValue(key, out var node) || node is null)
        {
            return list;
        }

        if (node is not JsonArray array)
        {
            Error(at, $"must be a list of strings, not {Describe(node)}.");
            return list;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } s)
            {
                if (pattern is not null && !pattern.IsMatch(s))
                {
                    Error(Item(at, i), $"'{s}' {patternHint ?? "is not valid"}.");
                    continue;
                }

                list.Add(s);
            }
            else
            {
                Error(Item(at, i), "must be a non-empty string.");
            }
        }

        return list;
    }

    public JsonArray? Array(JsonObject obj, string key, string path, bool required)
    {
        if (!obj.TryGetPropertyValue(key, out var node) || node is null)
        {
            if (required)
            {
                Error(Child(path, key), "is required (a list).");
            }

            return null;
        }

        if (node is JsonArray array)
        {
            return array;
        }

        Error(Child(path, key), $"must be a list, not {Describe(node)}.");
        return null;
    }

    /// <summary>An ISO 8601 duration (<c>P3D</c>, <c>PT12H</c>) or a short one (<c>3d</c>, <c>12h</c>, <c>30m</c>, <c>2w</c>).</summary>
    public TimeSpan? Duration(JsonObject obj, string key, string path, bool allowNegative = false, TimeSpan? max = null)
    {
        var text = String(obj, key, path);
        if (text is null)
        {
            return null;
        }

        if (!TryParseDuration(text, out var duration) || (duration < TimeSpan.Zero && !allowNegative))
        {
            Error(Child(path, key), $"'{text}' is not a {(allowNegative ? "" : "positive ")}duration (ISO 8601 such as P3D or PT12H, or 3d, 12h, 30m, 2w).");
            return null;
        }

        if (max is { } limit && duration.Duration() > limit)
        {
            Error(Child(path, key), $"'{text}' is longer than {limit.TotalDays:0} days.");
            return null;
        }

        return duration;
    }

    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var negative = text.StartsWith('-');
        var body = negative ? text[1..] : text;
        var shortForm = ShortDurationPattern().Match(body);
        if (shortForm.Success)
        {
            var n = double.Parse(shortForm.Groups[1].Value, CultureInfo.InvariantCulture);
            duration = shortForm.Groups[2].Value switch
            {
                "w" => TimeSpan.FromDays(7 * n),
                "d" => TimeSpan.FromDays(n),
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromSeconds(n),
            };
        }
        else
        {
            try
            {
                duration = XmlConvert.ToTimeSpan(body);
            }
            catch (FormatException)
            {
                return false;
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        duration = negative ? -duration : duration;
        return duration != TimeSpan.Zero || body.TrimStart('P', 'T').StartsWith('0');
    }

    /// <summary>A string that names one of an enum's values (case-insensitive, as written in documents).</summary>
    public T? Enum<T>(JsonObject obj, string key, string path, bool required, IReadOnlyDictionary<string, T> names)
        where T : struct
    {
        var text = String(obj, key, path, required);
        if (text is null)
        {
            return null;
        }

        if (names.TryGetValue(text.ToLowerInvariant(), out var value))
        {
            return value;
        }

        Error(Child(path, key), $"'{text}' is not one of {string.Join(", ", names.Keys)}.");
        return null;
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "a list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "true/false",
            _ => "a value",
        },
        _ => "a value",
    };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)([wdhms])$")]
    private static partial Regex ShortDurationPattern();
}
