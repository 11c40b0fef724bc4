using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Configuration;
using PxFunctions.Hosting;
using PxFunctions.Runtime;
using PxFunctions.Storage;

namespace PxFunctions.Benchmarks;

/// <summary>
/// The real app (standalone host: queue dispatcher, timer scheduler with the timer pump, management API) in this
/// process, on the benchmark's Azurite, with the benchmark's handlers and effect sink added.
/// </summary>
internal static class BenchmarkApp
{
    public const string Prefix = "bench";

    public static async Task<WebApplication> StartAsync(string connectionString, RuntimeBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>
        {
            [SettingNames.Key(SettingNames.Storage)] = connectionString,
            [SettingNames.Key(SettingNames.StoragePrefix)] = Prefix,
            [SettingNames.Key(SettingNames.AdminKey)] = "benchmark-" + Guid.NewGuid().ToString("N"),
            [SettingNames.Key(SettingNames.AnswerLinkKey)] = "benchmark-" + Guid.NewGuid().ToString("N"),
            [SettingNames.Key(SettingNames.DispatcherPollInterval)] = TimeSpan.FromMilliseconds(options.PollMs).ToString(),
            [SettingNames.Key(SettingNames.DispatcherMaxPollInterval)] = TimeSpan.FromMilliseconds(options.MaxPollMs).ToString(),
            [SettingNames.Key(SettingNames.DispatcherBatchSize)] = options.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SettingNames.Key(SettingNames.RuntimePartitions)] = options.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Loopback only: no exporter may reach out, whatever a local.settings.json says.
            [SettingNames.Key(SettingNames.TelemetryConsoleExporter)] = "false",
            [SettingNames.Key(SettingNames.ApplicationInsightsConnectionString)] = "",
            [SettingNames.Key(SettingNames.ApplicationInsightsAuthenticationString)] = "",
            ["Logging:LogLevel:Default"] = "Warning",
        };

        var app = await PxApp.BuildAsync(
            ["--environment", "Production"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                builder.Services.AddSingleton<IInstanceHandler>(new StepperHandler());
                builder.Services.AddSingleton<IInstanceHandler>(new WaiterHandler());
                builder.Services.AddSingleton(sp => new StepRecorder(sp.GetRequiredService<EffectLogSink>(), sp.GetRequiredService<TimeProvider>()));
                builder.Services.AddSingleton<IEffectSink>(sp => sp.GetRequiredService<StepRecorder>());
            },
            cancellationToken: cancellationToken);
        await app.StartAsync(cancellationToken);
        await app.Services.GetRequiredService<StorageBootstrap>().Ready.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        return app;
    }
}
