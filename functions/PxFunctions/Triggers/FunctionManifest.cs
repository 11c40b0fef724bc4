using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing.Patterns;
using PxFunctions.Http;
using PxFunctions.Storage;

namespace PxFunctions.Triggers;

/// <summary>
/// Everything the app serves as Azure Functions, derived from what is registered in code: queue and timer
/// functions from <see cref="FunctionCatalog"/>, HTTP functions from the named endpoints under <c>/api</c>. The deploy package's <c>function.json</c> files are written from this, so they cannot drift.
/// </summary>
public sealed class FunctionManifest(FunctionCatalog catalog, IEnumerable<EndpointDataSource> endpoints, StorageNames names)
{
    /// <summary>The manifest of a built app (it need not be started).</summary>
    public static FunctionManifest For(IEndpointRouteBuilder app) =>
        new(app.ServiceProvider.GetRequiredService<FunctionCatalog>(), app.DataSources, app.ServiceProvider.GetRequiredService<StorageNames>());

    public IReadOnlyList<FunctionDefinition> Functions()
    {
        var http = endpoints.SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<InvocationEndpointMetadata>() is null && IsFunctionRoute(e.RoutePattern))
            .Select(ToHttpFunction);
        var all = catalog.All.Concat(http).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var duplicate = all.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? all : throw new InvalidOperationException($"Two functions are named '{duplicate.Key}'.");
    }

    /// <summary>The function.json of one function, as the Functions host reads it.</summary>
    public JsonObject FunctionJson(FunctionDefinition function) => function.Trigger switch
    {
        QueueTrigger q => Bindings(new JsonObject
        {
            ["type"] = "queueTrigger",
            ["name"] = q.BindingName,
            ["direction"] = "in",
            ["queueName"] = names.Queue(q.Queue),
            ["connection"] = "AzureWebJobsStorage",
        }),
        TimerTrigger t => Bindings(new JsonObject
        {
            ["type"] = "timerTrigger",
            ["name"] = t.BindingName,
            ["direction"] = "in",
            ["schedule"] = t.Schedule,
        }),
        HttpTrigger h => Bindings(
            new JsonObject
            {
                ["type"] = "httpTrigger",
                ["name"] = h.BindingName,
                ["direction"] = "in",
                ["authLevel"] = h.AuthLevel == FunctionAuthLevel.Anonymous ? "anonymous" : "function",
                ["methods"] = new JsonArray(h.Methods.Select(m => (JsonNode)JsonValue.Create(m.ToLowerInvariant())!).ToArray()),
                ["route"] = h.Route,
            },
            new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" }),
        _ => throw new InvalidOperationException($"Unknown trigger {function.Trigger.GetType().Name}."),
    };

    /// <summary>Writes <c>host.json</c> and one <c>{Function}/function.json</c> per function into <paramref name="directory"/>.</summary>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await using (var hostJson = HostJson.Open())
        await using (var target = File.Create(Path.Combine(directory, "host.json")))
        {
            await hostJson.CopyToAsync(target, cancellationToken);
        }

        var options = new JsonSerializerOptions { WriteIndented = true };
        foreach (var function in Functions())
        {
            var folder = Directory.CreateDirectory(Path.Combine(directory, function.Name));
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "function.json"), FunctionJson(function).ToJsonString(options) + "\n", cancellationToken);
        }
    }

    private static JsonObject Bindings(params JsonObject[] bindings) =>
        new() { ["bindings"] = new JsonArray(bindings.Cast<JsonNode>().ToArray()) };

    // The host reserves routes starting with "runtime" and "admin"; deployed HTTP functions live under "api/".
    private static bool IsFunctionRoute(RoutePattern pattern) =>
        (pattern.RawText?.TrimStart('/') ?? "").StartsWith("api/", StringComparison.OrdinalIgnoreCase);

    private static FunctionDefinition ToHttpFunction(RouteEndpoint endpoint)
    {
        var route = endpoint.RoutePattern.RawText!.TrimStart('/');
        var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName
            ?? throw new InvalidOperationException($"The endpoint '{route}' has no name; give it one with WithName(...) so it can be deployed as a function.");
        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST", "PUT", "PATCH", "DELETE"];
        var level = endpoint.Metadata.GetMetadata<FunctionAuthMetadata>()?.Level ?? FunctionAuthLevel.Function;
        return new FunctionDefinition(name, new HttpTrigger(route, methods.ToList(), level));
    }
}

/// <summary>The repo's host.json, embedded in the app at build time.</summary>
public static class HostJson
{
    public static Stream Open() =>
        typeof(HostJson).Assembly.GetManifestResourceStream("host.json")
        ?? throw new InvalidOperationException("host.json is not embedded in the app.");
}
