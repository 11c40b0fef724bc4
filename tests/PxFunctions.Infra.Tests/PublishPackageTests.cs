using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Hosting;
using PxFunctions.Configuration;
using PxFunctions.Http;
using PxFunctions.Infra.Tests.Infrastructure;
using PxFunctions.Journeys.Durable;
using PxFunctions.Standalone;
using PxFunctions.Triggers;

namespace PxFunctions.Infra.Tests;

/// <summary>
/// The isolated-worker package `dotnet publish` makes: the repo's host.json, the worker's configuration, the
/// extensions the host loads, and a functions.metadata that lists exactly what the standalone host serves and runs:
/// every HTTP route and method, the queue and timer functions, the orchestrator and its activities.
/// </summary>
public sealed class PublishPackageTests(PublishedPackage package, ITestOutputHelper output) : IClassFixture<PublishedPackage>
{
    private JsonArray Metadata => JsonNode.Parse(File.ReadAllText(Path.Combine(package.Folder, "functions.metadata")))!.AsArray();

    private IEnumerable<(string Name, JsonObject Trigger)> Functions =>
        Metadata.Select(f => ((string)f!["name"]!, f["bindings"]!.AsArray().Select(b => b!.AsObject()).Single(b => (string?)b["direction"] == "In" && ((string)b["type"]!).EndsWith("Trigger", StringComparison.Ordinal))));

    [Fact]
    public void Publish_Command_Succeeds()
    {
        output.WriteLine($"dotnet publish took {package.Publish.Elapsed.TotalSeconds:F1} s.");
        Assert.Equal(0, package.Publish.ExitCode);
    }

    [Fact]
    public void Package_IsAnIsolatedWorker_WithTheRepoHostJsonAndTheDurableExtension()
    {
        var shipped = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Folder, "host.json")))!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(RepoPaths.HostJson)), shipped), "The package's host.json differs from the repo's.");
        Assert.Null(shipped["customHandler"]);
        Assert.Equal("PxJourneys", (string?)shipped["extensions"]?["durableTask"]?["hubName"]);

        var worker = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Folder, "worker.config.json")))!["description"]!;
        Assert.Equal(("dotnet-isolated", "PxFunctions.dll"), ((string?)worker["language"], (string?)worker["defaultWorkerPath"]));
        Assert.True(File.Exists(Path.Combine(package.Folder, "PxFunctions.dll")));

        var extensions = File.ReadAllText(Path.Combine(package.Folder, "extensions.json"));
        Assert.Contains("DurableTask", extensions, StringComparison.Ordinal);
        Assert.Contains("AzureStorageQueues", extensions, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(package.Folder, ".azurefunctions")), "The host-side extension folder is missing.");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(package.Folder, ".azurefunctions"), "Microsoft.Azure.WebJobs.Extensions.DurableTask.dll", SearchOption.AllDirectories));
    }

    [Fact]
    public void HttpFunctions_AreExactlyTheStandaloneRouteTable()
    {
        var shipped = Functions.Where(f => (string?)f.Trigger["type"] == "httpTrigger")
            .Select(f => new HttpFunctionRoute(
                f.Name,
                f.Trigger["methods"]!.AsArray().Select(m => ((string)m!).ToLowerInvariant()).Order(StringComparer.Ordinal).ToList(),
                (string)f.Trigger["route"]!,
                Enum.Parse<FunctionAuthLevel>((string)f.Trigger["authLevel"]!)))
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        var served = StandaloneRoutes();

        Assert.NotEmpty(served);
        Assert.Equal(Describe(served), Describe(shipped));
    }

    [Fact]
    public void DurableFunctions_AreTheOrchestratorAndEveryActivityTheStandaloneHostRegisters()
    {
        var orchestrators = Functions.Where(f => (string?)f.Trigger["type"] == "orchestrationTrigger").Select(f => f.Name).ToList();
        var activities = Functions.Where(f => (string?)f.Trigger["type"] == "activityTrigger").Select(f => f.Name).Order(StringComparer.Ordinal).ToList();

        Assert.Equal([JourneyFunctionNames.Orchestrator], orchestrators);
        Assert.Equal(DurableTaskHost.Activities.Select(a => a.Name).Order(StringComparer.Ordinal), activities);
        Assert.Equal(JourneyFunctionNames.Activities.Order(StringComparer.Ordinal), activities);
    }

    [Fact]
    public void QueueAndTimerFunctions_AreTheOnesTheStandaloneDispatcherRuns()
    {
        using var services = StandaloneServices(out _);
        var registered = services.GetServices<FunctionDefinition>().ToList();
        var queues = Functions.Where(f => (string?)f.Trigger["type"] == "queueTrigger").Select(f => $"{f.Name} px-{(string)f.Trigger["queueName"]!}".Replace("px-px-", "px-", StringComparison.Ordinal));
        var timers = Functions.Where(f => (string?)f.Trigger["type"] == "timerTrigger").Select(f => $"{f.Name} {(string)f.Trigger["schedule"]!}");

        Assert.Equal(
            registered.Select(d => d.Trigger switch { QueueTrigger q => $"{d.Name} px-{q.Queue}", TimerTrigger t => $"{d.Name} {t.Schedule}", _ => d.Name }).Order(StringComparer.Ordinal),
            queues.Concat(timers).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Package_HoldsNoLocalSettings()
    {
        Assert.False(File.Exists(Path.Combine(package.Folder, "local.settings.json")));
        Assert.Empty(Directory.GetDirectories(package.Folder, ".px"));
    }

    private static List<string> Describe(IEnumerable<HttpFunctionRoute> routes) =>
        routes.Select(r => $"{r.Name} {string.Join(",", r.Methods)} {r.Route} {r.AuthLevel}").ToList();

    /// <summary>The standalone host's route table, with the deployed settings (no ACS: the dev outbox routes too).</summary>
    private static List<HttpFunctionRoute> StandaloneRoutes()
    {
        using var services = StandaloneServices(out var settings);
        return new HttpFunctionRoutes(services, settings).Routes.ToList();
    }

    private static ServiceProvider StandaloneServices(out PxSettings settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }).Build();
        settings = PxSettings.Read(configuration, isDevelopment: false);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddRouting();
        services.AddSingleton<IConfiguration>(configuration);
        PxApp.AddPxServices(services, settings);
        services.AddSingleton<IJourneyInstances, PxFunctions.Functions.FunctionsJourneyInstances>();
        return services.BuildServiceProvider();
    }
}
