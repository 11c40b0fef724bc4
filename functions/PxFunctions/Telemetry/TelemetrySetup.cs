using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PxFunctions.Configuration;

namespace PxFunctions.Telemetry;

/// <summary>
/// OpenTelemetry for traces, metrics and logs: the Azure Monitor exporter when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (with Entra ID auth when
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> names a managed identity), the console exporter when
/// <c>Px__Telemetry__ConsoleExporter</c> is true (local runs).
/// </summary>
public static class TelemetrySetup
{
    public static void AddPxTelemetry(this WebApplicationBuilder builder, PxSettings settings) =>
        builder.Services.AddPxTelemetry(settings);

    public static void AddPxTelemetry(this IServiceCollection services, PxSettings settings)
    {
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("px-functions", serviceVersion: typeof(TelemetrySetup).Assembly.GetName().Version?.ToString()))
            .WithTracing(t => t
                .AddSource(PxTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .WithMetrics(m => m
                .AddMeter(PxTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation())
            .WithLogging();

        if (settings.ApplicationInsightsConnectionString is { } connectionString)
        {
            var credential = ManagedIdentityFrom(settings.ApplicationInsightsAuthenticationString);
            otel.UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = connectionString;
                if (credential is not null)
                {
                    o.Credential = credential;
                }
            });
        }

        if (settings.ConsoleTelemetry)
        {
            services.ConfigureOpenTelemetryTracerProvider(t => t.AddConsoleExporter());
            services.ConfigureOpenTelemetryMeterProvider(m => m.AddConsoleExporter((_, reader) =>
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000));
        }
    }

    /// <summary>
    /// Reads the documented <c>Authorization=AAD;ClientId=...</c> form; Application Insights with local auth
    /// disabled accepts only Entra ID tokens.
    /// </summary>
    private static ManagedIdentityCredential? ManagedIdentityFrom(string? authenticationString)
    {
        if (authenticationString is null)
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !string.Equals(kind, "AAD", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidSettingException(SettingNames.ApplicationInsightsAuthenticationString, "must be 'Authorization=AAD' with an optional ';ClientId=<guid>'.");
        }

        return parts.TryGetValue("ClientId", out var clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
