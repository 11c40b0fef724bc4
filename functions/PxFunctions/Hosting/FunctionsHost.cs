using Microsoft.Azure.Functions.Worker.Builder;
using PxFunctions.Configuration;
using PxFunctions.Functions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Telemetry;

namespace PxFunctions.Hosting;

/// <summary>The app as an Azure Functions isolated worker: the [Function]s over the services both hosts share.</summary>
public static class FunctionsHost
{
    /// <summary>
    /// Whether the Functions host started this process: it passes <c>--functions-uri</c> (the worker reads it as
    /// <c>Functions:Worker:HostEndpoint</c>). <c>FUNCTIONS_WORKER_RUNTIME</c> is no sign: it is also an app setting a
    /// developer's local.settings.json carries.
    /// </summary>
    public static bool IsLaunchedByHost(string[] args) =>
        args.Any(a => a.Equals("--functions-uri", StringComparison.OrdinalIgnoreCase) || a.StartsWith("--functions-uri=", StringComparison.OrdinalIgnoreCase))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("Functions__Worker__HostEndpoint"));

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        var isDevelopment = builder.Environment.IsDevelopment();
        PxSettings settings;
        try
        {
            settings = Read(builder.Configuration, isDevelopment);
        }
        catch (InvalidSettingException ex)
        {
            await Console.Error.WriteLineAsync($"PX Functions cannot start: {ex.Message}");
            return 2;
        }

        PxApp.AddPxServices(builder.Services, settings);
        builder.Services.AddPxTelemetry(settings);
        builder.Services.AddSingleton<IJourneyInstances>(sp => new Metrics.OutcomeCountingInstances(
            ActivatorUtilities.CreateInstance<FunctionsJourneyInstances>(sp), sp.GetRequiredService<Channels.Metrics.MetricsStore>(), sp.GetRequiredService<TimeProvider>()));
        await builder.Build().RunAsync();
        return 0;
    }

    private static PxSettings Read(IConfiguration configuration, bool isDevelopment)
    {
        if (PxSettings.NeedsEmbeddedStorage(configuration))
        {
            // There is no embedded Azurite under the host: the task hub and every trigger need the real account.
            throw new InvalidSettingException(SettingNames.Storage, "is required under the Functions host (a connection string, or the identity-based __accountName / service URI settings).");
        }

        var settings = PxSettings.Read(configuration, isDevelopment, underFunctionsHost: true);
        if (settings.StoragePrefix != "px")
        {
            // Queue trigger names are compile-time constants (px-intake).
            throw new InvalidSettingException(SettingNames.StoragePrefix, "must be 'px' under the Functions host (its queue triggers listen on px-intake).");
        }

        return settings;
    }
}
