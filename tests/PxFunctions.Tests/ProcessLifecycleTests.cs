using System.Diagnostics;
using System.Globalization;
using System.Net;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests;

/// <summary>The app as a newcomer runs it: its own process, no storage configured, Azurite started and stopped with it.</summary>
public sealed class ProcessLifecycleTests
{
    private static readonly string RepoRoot = PxFunctions.Storage.EmbeddedAzurite.FindPackageRoot()!;

    [Fact]
    public async Task NoStorageConfigured_StartsEmbeddedAzurite_AndKillingTheAppLeavesNoAzurite()
    {
        var (app, azurite) = await StartWithEmbeddedAzuriteAsync();
        using var _ = app;

        // Development exports OpenTelemetry traces to the console.
        await Eventually.TrueAsync(() => app.Output.Contains("Activity.TraceId", StringComparison.Ordinal), "a trace on the console");

        // SIGKILL: no shutdown code runs in the app; the guard must still end Azurite.
        app.Process.Kill();
        await app.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

        await Eventually.TrueAsync(() => !IsAlive(azurite.Pid), $"Azurite {azurite.Pid} to exit after its app was killed", 15_000);
    }

    [Fact]
    public async Task GracefulStop_StopsEmbeddedAzurite()
    {
        var (app, azurite) = await StartWithEmbeddedAzuriteAsync();
        using var _ = app;

        using (var term = Process.Start("kill", ["-TERM", app.Process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        await app.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, app.Process.ExitCode);
        Assert.False(IsAlive(azurite.Pid), "Azurite outlived a graceful stop");
    }

    [Fact]
    public async Task InvalidSetting_StopsStartupWithOneMessageNamingIt()
    {
        var (exitCode, output) = await AppProcess.RunToEndAsync(
            [],
            new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true", ["Px__Storage__Prefix"] = "Not-Valid" },
            TimeSpan.FromMinutes(1));

        Assert.Equal(2, exitCode);
        Assert.Contains("PX Functions cannot start: Setting 'Px__Storage__Prefix' must be", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CustomHandlerWithoutStorage_RefusesToStartNamingAzureWebJobsStorage()
    {
        var (exitCode, output) = await AppProcess.RunToEndAsync(
            [],
            new Dictionary<string, string?> { ["FUNCTIONS_CUSTOMHANDLER_PORT"] = AppHost.FreePort().ToString(CultureInfo.InvariantCulture) },
            TimeSpan.FromMinutes(1));

        Assert.Equal(2, exitCode);
        Assert.Contains("Setting 'AzureWebJobsStorage' is required under the Functions host", output, StringComparison.Ordinal);
    }

    /// <summary>The app as `dotnet run` starts it with no storage configured, healthy, and the Azurite it started.</summary>
    private static async Task<(AppProcess App, (int Pid, string CommandLine) Azurite)> StartWithEmbeddedAzuriteAsync()
    {
        var port = AppHost.FreePort();
        var app = AppProcess.Start(
            ["--urls", $"http://127.0.0.1:{port}"],
            new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Development", ["Px__EmbeddedStorage__InMemory"] = "true" },
            RepoRoot);
        await WaitForHealthyAsync(app, port);
        return (app, Assert.Single(ChildProcesses(app.Process.Id), c => c.CommandLine.Contains("azurite", StringComparison.Ordinal)));
    }

    private static async Task WaitForHealthyAsync(AppProcess app, int port)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            Assert.False(app.Process.HasExited, "The app exited: " + app.Output);
            try
            {
                using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/api/health"), TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, "The app did not become healthy: " + app.Output);
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static List<(int Pid, string CommandLine)> ChildProcesses(int parent)
    {
        var children = new List<(int, string)>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                {
                    children.Add((pid, File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ')));
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return children;
    }
}
