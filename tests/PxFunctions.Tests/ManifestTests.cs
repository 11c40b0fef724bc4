using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Configuration;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Triggers;

namespace PxFunctions.Tests;

/// <summary>The function.json files of the deploy package are generated from the registrations and match what the app serves.</summary>
public sealed partial class ManifestTests(StorageFixture storage)
{
    [System.Text.RegularExpressions.GeneratedRegex(@"\{[^}]+\}")]
    private static partial System.Text.RegularExpressions.Regex RouteParameter();

    private static string RepoRoot => PxFunctions.Storage.EmbeddedAzurite.FindPackageRoot() ?? throw new InvalidOperationException("repo root not found");

    private static Task<AppHost> StartAsync(StorageFixture storage) =>
        AppHost.StartAsync(
            storage,
            new Dictionary<string, string?> { [SettingNames.DispatcherEnabled] = "false" },
            s => s.AddQueueFunction<RecordingQueueFunction>(RecordingQueueFunction.Name, RecordingQueueFunction.Queue)
                  .AddTimerFunction<RecordingTimerFunction>(RecordingTimerFunction.Name, "0 0 * * * *"));

    [Fact]
    public async Task Manifest_EveryFunction_IsServedByTheApp()
    {
        await using var host = await StartAsync(storage);
        var manifest = FunctionManifest.For(host.App);
        var functions = manifest.Functions();

        Assert.Contains(functions, f => f.Name == "Health" && f.Trigger is HttpTrigger);
        Assert.Contains(functions, f => f.Name == "Heartbeat" && f.Trigger is TimerTrigger);
        Assert.Contains(functions, f => f.Name == RecordingQueueFunction.Name && f.Trigger is QueueTrigger);
        Assert.Contains(functions, f => f.Name == "GetInstanceStatus" && f.Trigger is HttpTrigger { Route: "api/runtime/webhooks/durabletask/instances/{instanceId}" });

        // The host refuses functions whose routes start with its reserved "runtime" or "admin" segments.
        Assert.All(functions.Select(f => f.Trigger).OfType<HttpTrigger>(), h => Assert.StartsWith("api/", h.Route, StringComparison.Ordinal));
        foreach (var function in functions)
        {
            using var request = function.Trigger switch
            {
                HttpTrigger http => new HttpRequestMessage(new HttpMethod(http.Methods[0]), "/" + RouteParameter().Replace(http.Route, "probe")),
                _ => new HttpRequestMessage(HttpMethod.Post, "/" + function.Name)
                {
                    Content = new StringContent($$$"""{"Data":{"{{{function.Trigger.BindingName}}}":"probe"},"Metadata":{"DequeueCount":1}}""", Encoding.UTF8, "application/json"),
                },
            };
            request.Headers.Add("x-functions-key", AppHost.AdminKey);
            using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            // Reached its handler: a success, or the handler's own answer about the probe values (a problem that names
            // a field, or a page for people such as "this link does not work"), never the router's 404/405.
            var reached = (int)response.StatusCode < 400 || body.Contains("\"field\"", StringComparison.Ordinal)
                || response.Content.Headers.ContentType?.MediaType == "text/html";
            Assert.True(reached, $"{function.Name} answered {(int)response.StatusCode}: {body}");
        }
    }

    [Fact]
    public async Task FunctionJson_PerTrigger_HasTheHostsBindingShape()
    {
        await using var host = await StartAsync(storage);
        var manifest = FunctionManifest.For(host.App);
        var byName = manifest.Functions().ToDictionary(f => f.Name);

        var queue = manifest.FunctionJson(byName[RecordingQueueFunction.Name])["bindings"]!.AsArray().Single()!;
        Assert.Equal("queueTrigger", (string?)queue["type"]);
        Assert.Equal("msg", (string?)queue["name"]);
        Assert.Equal("in", (string?)queue["direction"]);
        Assert.Equal($"{host.Prefix}-echo", (string?)queue["queueName"]);
        Assert.Equal("AzureWebJobsStorage", (string?)queue["connection"]);

        var timer = manifest.FunctionJson(byName["Heartbeat"])["bindings"]!.AsArray().Single()!;
        Assert.Equal("timerTrigger", (string?)timer["type"]);
        Assert.Equal("0 */5 * * * *", (string?)timer["schedule"]);

        var http = manifest.FunctionJson(byName["Health"])["bindings"]!.AsArray();
        Assert.Equal("httpTrigger", (string?)http[0]!["type"]);
        Assert.Equal("anonymous", (string?)http[0]!["authLevel"]);
        Assert.Equal("api/health", (string?)http[0]!["route"]);
        Assert.Equal(["get"], http[0]!["methods"]!.AsArray().Select(m => (string?)m));
        Assert.Equal("http", (string?)http[1]!["type"]);
        Assert.Equal("out", (string?)http[1]!["direction"]);
    }

    [Fact]
    public async Task ManifestCommand_WritesHostJsonAndAFolderPerFunction()
    {
        var output = Directory.CreateTempSubdirectory("px-manifest-").FullName;
        try
        {
            var result = await AppProcess.RunToEndAsync(["manifest", output], new Dictionary<string, string?>(), TimeSpan.FromMinutes(1));

            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(RepoRoot, "host.json"), TestContext.Current.CancellationToken),
                await File.ReadAllTextAsync(Path.Combine(output, "host.json"), TestContext.Current.CancellationToken));
            var folders = Directory.GetDirectories(output).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            await using (var app = await PxFunctions.Hosting.PxApp.BuildAsync([], forManifest: true, cancellationToken: TestContext.Current.CancellationToken))
            {
                Assert.Equal(FunctionManifest.For(app).Functions().Select(f => f.Name).Order(StringComparer.Ordinal), folders);
            }

            Assert.Contains("Health", folders);
            Assert.Contains("ProcessInstanceMessage0", folders);
            foreach (var folder in folders)
            {
                var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, folder!, "function.json"), TestContext.Current.CancellationToken))!;
                Assert.NotEmpty(json["bindings"]!.AsArray());
            }

            var timer = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, "Heartbeat", "function.json"), TestContext.Current.CancellationToken))!;
            Assert.Equal("timerTrigger", (string?)timer["bindings"]![0]!["type"]);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void HostJson_AgreesWithTheApp()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "host.json")));
        var root = document.RootElement;

        Assert.Equal("2.0", root.GetProperty("version").GetString());
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", root.GetProperty("extensionBundle").GetProperty("id").GetString());
        var handler = root.GetProperty("customHandler");
        Assert.Equal(typeof(PxFunctions.Hosting.PxApp).Assembly.GetName().Name, handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
        // Routes are registered with their full path (api/...), so the host must add no prefix of its own.
        Assert.Equal("", root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        var queues = root.GetProperty("extensions").GetProperty("queues");
        Assert.Equal(PxSettings.DefaultMaxDequeueCount, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal(PxSettings.DefaultMaxPollInterval, TimeSpan.Parse(queues.GetProperty("maxPollingInterval").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        // The app writes queue messages as plain text (QueueMessageEncoding.None); the host must read them so.
        Assert.Equal("none", queues.GetProperty("messageEncoding").GetString());
    }
}
