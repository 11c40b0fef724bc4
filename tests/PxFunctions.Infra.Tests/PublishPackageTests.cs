using System.Text.Json.Nodes;
using PxFunctions.Hosting;
using PxFunctions.Infra.Tests.Infrastructure;
using PxFunctions.Triggers;

namespace PxFunctions.Infra.Tests;

/// <summary>
/// The custom-handler package `dotnet publish` makes: the repo's host.json pointing at the shipped self-contained
/// handler, and exactly one function.json folder per function the app registers, matching its registration.
/// </summary>
public sealed class PublishPackageTests(PublishedPackage package, ITestOutputHelper output) : IClassFixture<PublishedPackage>
{
    [Fact]
    public void Publish_Command_Succeeds()
    {
        output.WriteLine($"dotnet publish took {package.Publish.Elapsed.TotalSeconds:F1} s.");
        Assert.Equal(0, package.Publish.ExitCode);
    }

    [Fact]
    public void HostJson_IsTheRepoHostJson_PointingAtTheShippedHandler()
    {
        var shipped = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Folder, "host.json")))!;
        var repo = JsonNode.Parse(File.ReadAllText(RepoPaths.HostJson))!;
        Assert.True(JsonNode.DeepEquals(repo, shipped), "The package's host.json differs from the repo's.");

        var executable = (string?)shipped["customHandler"]?["description"]?["defaultExecutablePath"];
        Assert.NotNull(executable);
        Assert.Equal("PxFunctions", executable);
        Assert.True((bool?)shipped["customHandler"]?["enableForwardingHttpRequest"]);
        Assert.True(File.Exists(Path.Combine(package.Folder, executable)), $"{executable} is not in the package.");
    }

    [Fact]
    public void Handler_IsASelfContainedLinuxExecutable()
    {
        var handler = Path.Combine(package.Folder, "PxFunctions");
        if (!OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(handler).HasFlag(UnixFileMode.UserExecute), "The handler is not executable.");
        }

        // An ELF binary (Flex Consumption runs Linux), shipped with its own runtime (no .NET on the worker).
        var header = new byte[4];
        using (var stream = File.OpenRead(handler))
        {
            stream.ReadExactly(header);
        }

        Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], header);
        Assert.True(File.Exists(Path.Combine(package.Folder, "libcoreclr.so")), "The .NET runtime is not in the package.");
        Assert.Contains("\"includedFrameworks\"", File.ReadAllText(Path.Combine(package.Folder, "PxFunctions.runtimeconfig.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionFolders_AreExactlyTheAppsFunctions_WithTheFunctionJsonOfTheirRegistration()
    {
        var registered = await RegisteredFunctionsAsync();
        Assert.NotEmpty(registered);

        // Every function.json sits in a folder named after its function, directly under the package root.
        var shippedFolders = Directory.GetFiles(package.Folder, "function.json", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(package.Folder, Path.GetDirectoryName(path)!))
            .ToList();
        Assert.All(shippedFolders, folder => Assert.DoesNotContain(Path.DirectorySeparatorChar, folder));
        Assert.Equal(registered.Keys.Order(StringComparer.Ordinal), shippedFolders.Order(StringComparer.Ordinal));

        foreach (var (name, (function, functionJson)) in registered)
        {
            var shipped = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(package.Folder, name, "function.json"), TestContext.Current.CancellationToken))!;
            var trigger = shipped["bindings"]![0]!;
            Assert.Equal(TriggerType(function.Trigger), (string?)trigger["type"]);
            Assert.Equal(function.Trigger.BindingName, (string?)trigger["name"]);
            Assert.Equal("in", (string?)trigger["direction"]);
            Assert.True(JsonNode.DeepEquals(functionJson, shipped), $"{name}/function.json does not match the app's registration.");
        }
    }

    [Fact]
    public void Package_HoldsNoLocalSettings()
    {
        Assert.False(File.Exists(Path.Combine(package.Folder, "local.settings.json")));
        Assert.Empty(Directory.GetDirectories(package.Folder, ".px"));
    }

    private static string TriggerType(FunctionTrigger trigger) => trigger switch
    {
        QueueTrigger => "queueTrigger",
        TimerTrigger => "timerTrigger",
        HttpTrigger => "httpTrigger",
        _ => throw new InvalidOperationException($"Unknown trigger {trigger.GetType().Name}."),
    };

    // The app's own view of its functions, built the way `manifest` builds it, with the prefix the package is pinned to.
    private static async Task<Dictionary<string, (FunctionDefinition Function, JsonObject Json)>> RegisteredFunctionsAsync()
    {
        await using var app = await PxApp.BuildAsync(
            ["--environment", "Production"],
            builder => builder.Configuration["Px:Storage:Prefix"] = "px",
            forManifest: true,
            TestContext.Current.CancellationToken);
        var manifest = FunctionManifest.For(app);
        return manifest.Functions().ToDictionary(f => f.Name, f => (f, manifest.FunctionJson(f)), StringComparer.Ordinal);
    }
}
