using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PxFunctions.Journeys.Definitions;

/// <summary>Turns the text of a journey document (JSON, or YAML) into a JSON tree, with the line of any syntax error.</summary>
public static class JourneyDocument
{
    private static readonly JsonDocumentOptions JsonOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Parses JSON when the text starts with <c>{</c>, YAML otherwise.</summary>
    public static (JsonNode? Node, JourneyError? Error) Parse(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.Length == 0)
        {
            return (null, new JourneyError("$", "The document is empty."));
        }

        return trimmed[0] is '{' or '[' ? ParseJson(text) : ParseYaml(text);
    }

    private static (JsonNode?, JourneyError?) ParseJson(string text)
    {
        try
        {
            return (JsonNode.Parse(text, documentOptions: JsonOptions), null);
        }
        catch (JsonException ex)
        {
            return (null, new JourneyError("$", $"Not valid JSON (line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}): {FirstSentence(ex.Message)}"));
        }
    }

    private static (JsonNode?, JourneyError?) ParseYaml(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count == 0
                ? (null, new JourneyError("$", "The document is empty."))
                : (ToJson(stream.Documents[0].RootNode), null);
        }
        catch (YamlException ex)
        {
            return (null, new JourneyError("$", $"Not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}): {FirstSentence(ex.InnerException?.Message ?? ex.Message)}"));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (not a YamlException) on some unterminated flow collections.
            return (null, new JourneyError("$", "Not valid YAML: a bracket or brace is not closed."));
        }
    }

    /// <summary>YAML to JSON: plain scalars that read as numbers, booleans or null become those; quoted ones stay strings.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar => Plain(scalar.Value),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => null,
    };

    private static JsonValue? Plain(string? value) => value switch
    {
        null or "" or "~" or "null" => null,
        "true" or "True" => JsonValue.Create(true),
        "false" or "False" => JsonValue.Create(false),
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && value.Any(char.IsDigit) => JsonValue.Create(d),
        _ => JsonValue.Create(value),
    };

    private static string FirstSentence(string message) => message.Split('\n')[0].Trim();
}
