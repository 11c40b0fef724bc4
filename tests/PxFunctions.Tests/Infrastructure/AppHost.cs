using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Configuration;
using PxFunctions.Hosting;
using PxFunctions.Storage;

namespace PxFunctions.Tests.Infrastructure;

/// <summary>
/// The real app on a real loopback port (Kestrel, not an in-memory test server), pointed at the test run's
/// storage under a prefix of its own. Settings and extra functions come from the test.
/// </summary>
public sealed class AppHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789";

    private AppHost(WebApplication app, Uri baseAddress, string prefix)
    {
        App = app;
        BaseAddress = baseAddress;
        Prefix = prefix;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public string Prefix { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => App.Services;
    public StorageAccount Storage => Services.GetRequiredService<StorageAccount>();

    public static async Task<AppHost> StartAsync(
        StorageFixture storage,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        string environment = "Production")
    {
        var prefix = StorageFixture.NewPrefix();
        var values = new Dictionary<string, string?>
        {
            [SettingNames.Key(SettingNames.Storage)] = storage.ConnectionString,
            [SettingNames.Key(SettingNames.StoragePrefix)] = prefix,
            [SettingNames.Key(SettingNames.AdminKey)] = AdminKey,
            [SettingNames.Key(SettingNames.DispatcherPollInterval)] = "00:00:00.050",
            [SettingNames.Key(SettingNames.DispatcherMaxPollInterval)] = "00:00:00.200",
            // One control queue per test app: each app has a task hub of its own (named after its prefix).
            [SettingNames.Key(SettingNames.DurablePartitions)] = "1",
            [SettingNames.Key(SettingNames.DurableMaxPollingInterval)] = "00:00:00.500",
            // Expected failures (unreachable storage, poisoned messages) would drown the test output;
            // PX_TEST_LOG_LEVEL=Information brings the app's logs back when a test needs explaining.
            [SettingNames.Key(SettingNames.TelemetryConsoleExporter)] = "false",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("PX_TEST_LOG_LEVEL") ?? "None",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = Environment.GetEnvironmentVariable("PX_TEST_LOG_LEVEL") ?? "None",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[SettingNames.Key(key)] = value;
        }

        var app = await PxApp.BuildAsync(
            ["--environment", environment],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(values);
                builder.WebHost.UseUrls("http://127.0.0.1:0");

                services?.Invoke(builder.Services);
            },
            cancellationToken: TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new AppHost(app, new Uri(address), prefix);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
