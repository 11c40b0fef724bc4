using System.Text.Json;

namespace PxFunctions.Configuration;

/// <summary>
/// Reads the <c>Values</c> of a Functions-style <c>local.settings.json</c> (never committed) so the standalone
/// host takes the same file Azure Functions developers already keep. Environment variables still win.
/// </summary>
public static class LocalSettingsConfiguration
{
    public static void AddLocalSettingsFile(this ConfigurationManager configuration, string directory)
    {
        var path = Path.Combine(directory, "local.settings.json");
        if (!File.Exists(path))
        {
            return;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidSettingException("local.settings.json", "needs a \"Values\" object of setting names and values.");
        }

        var settings = values.EnumerateObject()
            .Where(p => p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            .Select(p => new KeyValuePair<string, string?>(SettingNames.Key(p.Name), p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText()));

        // Insert ahead of the environment variables so those override the file, as in the Functions host.
        var envIndex = configuration.Sources.ToList().FindLastIndex(s =>
            s is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = settings };
        if (envIndex < 0)
        {
            configuration.Sources.Add(source);
        }
        else
        {
            configuration.Sources.Insert(envIndex, source);
        }
    }
}
