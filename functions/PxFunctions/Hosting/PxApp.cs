using Microsoft.Extensions.DependencyInjection.Extensions;
using PxFunctions.Configuration;
using PxFunctions.Channels;
using PxFunctions.Http;
using PxFunctions.Intake;
using PxFunctions.Journeys;
using PxFunctions.Storage;
using PxFunctions.Telemetry;
using PxFunctions.Triggers;

namespace PxFunctions.Hosting;

/// <summary>Builds the app: settings, storage (or an embedded Azurite), triggers, HTTP pipeline and routes.</summary>
public static class PxApp
{
    /// <summary>
    /// Builds the app without starting it. <paramref name="configure"/> lets tests add settings and functions.
    /// With <paramref name="forManifest"/> no storage is contacted or started: only what is registered matters.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(
        string[] args, Action<WebApplicationBuilder>? configure = null, bool forManifest = false, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        // local.settings.json may sit beside the project (Functions tooling) or at the repo root.
        builder.Configuration.AddLocalSettingsFile(EmbeddedAzurite.FindPackageRoot() ?? builder.Environment.ContentRootPath);
        builder.Configuration.AddLocalSettingsFile(builder.Environment.ContentRootPath);
        configure?.Invoke(builder);

        EmbeddedAzurite? azurite = null;
        try
        {
            if (PxSettings.NeedsEmbeddedStorage(builder.Configuration))
            {
                if (forManifest)
                {
                    builder.Configuration[SettingNames.Key(SettingNames.Storage)] = "UseDevelopmentStorage=true";
                }
                else if (builder.Configuration[SettingNames.Key(SettingNames.CustomHandlerPort)] is not null)
                {
                    throw new InvalidSettingException(SettingNames.Storage, "is required under the Functions host (a connection string, or the identity-based __accountName / service URI settings).");
                }
                else
                {
                    azurite = await StartEmbeddedStorageAsync(builder.Configuration, cancellationToken);
                    builder.Configuration[SettingNames.Key(SettingNames.Storage)] = azurite.ConnectionString;
                }
            }

            var settings = PxSettings.Read(builder.Configuration, builder.Environment.IsDevelopment());
            if (azurite is not null)
            {
                settings = settings with { Storage = settings.Storage with { IsEmbedded = true } };
            }

            Configure(builder, settings);
            var app = builder.Build();
            if (azurite is not null)
            {
                // Stopped with the host; the guard script covers a host that is killed instead.
                app.Lifetime.ApplicationStopped.Register(() => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult());
            }

            UsePipeline(app, settings);
            return app;
        }
        catch
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }

            throw;
        }
    }

    private static void Configure(WebApplicationBuilder builder, PxSettings settings)
    {
        if (settings.CustomHandlerPort is { } port)
        {
            // The host chooses the port and forwards to it; nothing else may be served.
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }

        builder.Logging.ClearProviders();
        if (builder.Environment.IsDevelopment())
        {
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        }
        else
        {
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        }

        builder.AddPxTelemetry(settings);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new StorageRequestCounter());
        services.AddSingleton(sp => new StorageAccount(settings.Storage, settings.StoragePrefix, sp.GetRequiredService<StorageRequestCounter>()));
        services.AddSingleton(sp => sp.GetRequiredService<StorageAccount>().Names);
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
        });

        // Triggers: registered once here; the dispatcher, invocation endpoints and manifest all read these.
        services.AddSingleton<FunctionCatalog>();
        services.AddSingleton<FunctionInvoker>();
        services.AddSingleton<PoisonMessageStore>();
        services.AddStorageResource(StorageResource.Table(PoisonMessageStore.TableName));
        services.AddStorageResource(StorageResource.Table(TimerScheduler.TableName));
        services.AddStorageResource(StorageResource.Table(HeartbeatTimer.TableName));
        services.AddTimerFunction<HeartbeatTimer>(HeartbeatTimer.FunctionName, HeartbeatTimer.Schedule);
        services.AddPxChannels(settings.Channels);
        services.AddPxRuntime(settings.RuntimePartitions);
        services.AddPxJourneys(settings.LoadExampleJourneys);
        services.AddPxIntake(settings);

        services.AddSingleton<StorageBootstrap>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageBootstrap>());
        if (settings.DispatcherEnabled)
        {
            services.AddHostedService<QueueDispatcher>();
            services.AddHostedService<TimerScheduler>();
        }
    }

    private static void UsePipeline(WebApplication app, PxSettings settings)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseMiddleware<FunctionKeyMiddleware>();

        app.MapHealthApi();
        app.MapDurableManagementApi();
        app.MapJourneysApi();
        app.MapAcsEventsApi();
        app.MapCustomerLinksApi();
        app.MapMessagingApi(settings.Channels);
        app.MapStorefrontWebhooksApi();
        app.MapCustomHandlerApi();

        var startup = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PxFunctions");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            startup.LogInformation(
                "PX Functions started as {Mode}; storage {Storage}; dispatcher {Dispatcher}",
                settings.IsCustomHandler ? "custom handler" : "standalone host",
                settings.Storage.IsEmbedded ? "embedded Azurite" : settings.Storage.IsIdentityBased ? "identity-based" : "connection string",
                settings.DispatcherEnabled ? "on" : "off");
            if (settings.AllowAnonymousAdmin)
            {
                startup.LogWarning("{Setting} is not set: admin routes are open because this is Development", SettingNames.AdminKey);
            }
            else if (settings.AdminKey is null && !settings.IsCustomHandler)
            {
                startup.LogWarning("{Setting} is not set: every admin route will answer 401", SettingNames.AdminKey);
            }

            startup.LogInformation("Messages go {Channel}", settings.Channels.UsesAcs ? "through Azure Communication Services" : "to the dev outbox (ACS is not configured): GET /api/dev/outbox");
            if (settings.Channels.LinkKeyIsEphemeral)
            {
                startup.LogWarning("{Setting} is not set: email answer and unsubscribe links stop working when this process restarts", SettingNames.AnswerLinkKey);
            }
        });
    }

    private static async Task<EmbeddedAzurite> StartEmbeddedStorageAsync(ConfigurationManager configuration, CancellationToken cancellationToken)
    {
        var inMemory = bool.TryParse(configuration[SettingNames.Key(SettingNames.EmbeddedStorageInMemory)], out var m) && m;
        var dataPath = configuration[SettingNames.Key(SettingNames.EmbeddedStorageDataPath)];
        if (!inMemory && string.IsNullOrWhiteSpace(dataPath))
        {
            dataPath = Path.Combine(EmbeddedAzurite.FindPackageRoot() ?? Directory.GetCurrentDirectory(), ".px", "azurite");
        }

        Console.WriteLine($"px: no {SettingNames.Storage} configured; starting the embedded Azurite ({(inMemory ? "in memory" : dataPath)}).");
        return await EmbeddedAzurite.StartAsync(inMemory ? null : dataPath, line => Console.WriteLine("px: " + line), cancellationToken);
    }
}
