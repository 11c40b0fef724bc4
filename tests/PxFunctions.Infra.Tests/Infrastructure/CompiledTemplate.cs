using System.Text.Json.Nodes;

[assembly: AssemblyFixture(typeof(PxFunctions.Infra.Tests.Infrastructure.CompiledTemplate))]

namespace PxFunctions.Infra.Tests.Infrastructure;

/// <summary>
/// infra/main.bicep built and linted once per test run, offline, with the repo's bicepconfig.json; the compiled
/// ARM template (never written into the repo) is parsed for the checks.
/// </summary>
public sealed class CompiledTemplate : IAsyncLifetime
{
    public const string FunctionAppType = "Microsoft.Web/sites";

    public ProcessResult Build { get; private set; } = null!;
    public ProcessResult Lint { get; private set; } = null!;

    /// <summary>The compiled main template.</summary>
    public JsonObject Template => _template ?? throw new InvalidOperationException(Build.Describe("bicep build of infra/main.bicep"));

    private JsonObject? _template;

    public async ValueTask InitializeAsync()
    {
        Build = await BicepCli.RunAsync(["build", RepoPaths.MainBicep, "--stdout"]);
        Lint = await BicepCli.RunAsync(["lint", RepoPaths.MainBicep]);
        if (Build.ExitCode == 0)
        {
            _template = JsonNode.Parse(Build.StandardOutput)!.AsObject();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Every resource the deployment creates, module templates included; `existing` references are left out.</summary>
    public IEnumerable<JsonObject> Resources() => ResourcesOf(Template);

    public IEnumerable<JsonObject> Resources(string type) =>
        Resources().Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Resource(string type) => Assert.Single(Resources(type));

    /// <summary>The module templates (Microsoft.Resources/deployments) of main, by symbolic name.</summary>
    public JsonObject Module(string symbolicName) =>
        Template["resources"]?[symbolicName]?["properties"]?["template"]?.AsObject()
        ?? throw new InvalidOperationException($"main.bicep has no module '{symbolicName}'.");

    /// <summary>The function app's settings: name to the value as compiled (a literal or an ARM expression).</summary>
    public IReadOnlyDictionary<string, string> AppSettings()
    {
        var settings = Resource(FunctionAppType)["properties"]?["siteConfig"]?["appSettings"]?.AsArray()
            ?? throw new InvalidOperationException("The function app has no siteConfig.appSettings array.");
        return settings.Select(s => s!.AsObject()).ToDictionary(s => (string)s["name"]!, s => (string)s["value"]!, StringComparer.Ordinal);
    }

    private static IEnumerable<JsonObject> ResourcesOf(JsonObject template)
    {
        // Templates with user-defined types compile to languageVersion 2.0, where resources are keyed by symbolic name.
        var resources = template["resources"] switch
        {
            JsonObject bySymbol => bySymbol.Select(p => p.Value),
            JsonArray list => list,
            _ => [],
        };

        foreach (var resource in resources.OfType<JsonObject>())
        {
            if (resource["existing"]?.GetValue<bool>() == true)
            {
                continue;
            }

            yield return resource;
            if ((string?)resource["type"] == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in ResourcesOf(nested))
                {
                    yield return inner;
                }
            }
        }
    }
}
