using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using PxFunctions.Storage;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests;

/// <summary>The app as a newcomer runs it: its own process, no storage configured, Azurite started and stopped with it.</summary>
public sealed partial class ProcessLifecycleTests
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
    public async Task KillingTheApp_AzuriteSavesEveryAcknowledgedWriteBeforeItExits()
    {
        // Azurite keeps its data in LokiJS and saves it only every 5 s, or when it is stopped gracefully.
        var data = Directory.CreateTempSubdirectory("px-azurite-kill-");
        var keys = Enumerable.Range(0, 20).Select(i => i.ToString("D2", CultureInfo.InvariantCulture)).ToList();
        try
        {
            var (app, azurite) = await StartWithEmbeddedAzuriteAsync(data.FullName);
            using (app)
            {
                var storage = EmbeddedStorageOf(app);
                var table = new TableClient(storage, "pxkilled");
                await table.CreateIfNotExistsAsync(TestContext.Current.CancellationToken);
                foreach (var key in keys)
                {
                    await table.AddEntityAsync(new TableEntity("acknowledged", key), TestContext.Current.CancellationToken);
                }

                var container = new BlobContainerClient(storage, "pxkilled");
                await container.CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
                await container.UploadBlobAsync("acknowledged.txt", BinaryData.FromString("saved"), TestContext.Current.CancellationToken);
                var queue = new QueueClient(storage, "pxkilled");
                await queue.CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
                await queue.SendMessageAsync("acknowledged", TestContext.Current.CancellationToken);

                // SIGKILL the app alone, at once: nothing in it runs, and its Azurite must still save before it goes.
                app.Process.Kill();
                await app.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
                await Eventually.TrueAsync(() => !IsAlive(azurite.Pid), $"Azurite {azurite.Pid} to exit after its app was killed", 30_000);
            }

            var (again, _) = await StartWithEmbeddedAzuriteAsync(data.FullName);
            using (again)
            {
                var storage = EmbeddedStorageOf(again);
                Assert.Equal(keys, await RowKeysAsync(new TableClient(storage, "pxkilled")));
                Assert.True(
                    await new BlobContainerClient(storage, "pxkilled").GetBlobClient("acknowledged.txt").ExistsAsync(TestContext.Current.CancellationToken),
                    "the acknowledged blob was lost");
                var queue = new QueueClient(storage, "pxkilled");
                Assert.True(await queue.ExistsAsync(TestContext.Current.CancellationToken), "the acknowledged queue was lost");
                var peeked = await queue.PeekMessagesAsync(10, TestContext.Current.CancellationToken);
                Assert.Equal(["acknowledged"], peeked.Value.Select(m => m.Body.ToString()));
            }
        }
        finally
        {
            data.Delete(recursive: true);
        }
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
    public async Task UnderTheFunctionsHostWithoutStorage_RefusesToStartNamingAzureWebJobsStorage()
    {
        // The host starts the isolated worker with --functions-uri; there is no embedded Azurite under it.
        var (exitCode, output) = await AppProcess.RunToEndAsync(
            ["--functions-uri", $"http://127.0.0.1:{AppHost.FreePort().ToString(CultureInfo.InvariantCulture)}/"],
            new Dictionary<string, string?>(),
            TimeSpan.FromMinutes(1));

        Assert.Equal(2, exitCode);
        Assert.Contains("Setting 'AzureWebJobsStorage' is required under the Functions host", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The app as `dotnet run` starts it with no storage configured, healthy, and the Azurite it started: in memory,
    /// or saving to <paramref name="dataPath"/>.
    /// </summary>
    private static async Task<(AppProcess App, (int Pid, string CommandLine) Azurite)> StartWithEmbeddedAzuriteAsync(string? dataPath = null)
    {
        var port = AppHost.FreePort();
        var app = AppProcess.Start(
            ["--urls", $"http://127.0.0.1:{port}"],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                [dataPath is null ? "Px__EmbeddedStorage__InMemory" : "Px__EmbeddedStorage__DataPath"] = dataPath ?? "true",
                // The test's own account, so it can reach the app's Azurite directly (the app makes a random key otherwise).
                [EmbeddedAzurite.AccountsVariable] = $"{Account}:{AccountKey}",
            },
            RepoRoot);
        await WaitForHealthyAsync(app, port);
        return (app, Assert.Single(ChildProcesses(app.Process.Id), c => c.CommandLine.Contains("azurite", StringComparison.Ordinal)));
    }

    private const string Account = "pxlifecycle";

    /// <summary>A key made for this test run: no emulator key is written in the repo.</summary>
    private static readonly string AccountKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));

    /// <summary>A connection string for the embedded Azurite, from the ports the app printed when it started it.</summary>
    private static string EmbeddedStorageOf(AppProcess app)
    {
        var ports = AzuriteListening().Match(app.Output);
        Assert.True(ports.Success, "The app did not print its Azurite's ports: " + app.Output);
        return $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{ports.Groups["blob"].Value}/{Account};" +
            $"QueueEndpoint=http://127.0.0.1:{ports.Groups["queue"].Value}/{Account};" +
            $"TableEndpoint=http://127.0.0.1:{ports.Groups["table"].Value}/{Account};";
    }

    [GeneratedRegex(@"Azurite \d+ listening on 127\.0\.0\.1: blob (?<blob>\d+), queue (?<queue>\d+), table (?<table>\d+)\.")]
    private static partial Regex AzuriteListening();

    /// <summary>The table's row keys in order; none when the table itself was lost.</summary>
    private static async Task<List<string>> RowKeysAsync(TableClient table)
    {
        var keys = new List<string>();
        try
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: TestContext.Current.CancellationToken))
            {
                keys.Add(entity.RowKey);
            }
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            // The table's creation was lost too.
        }

        return keys;
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
