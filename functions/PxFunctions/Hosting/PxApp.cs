using Microsoft.Extensions.DependencyInjection.Extensions;
using PxFunctions.Configuration;
using PxFunctions.Dashboard;
using PxFunctions.Channels;
using PxFunctions.Http;
using PxFunctions.Intake;
using PxFunctions.Journeys;
using PxFunctions.Knowledge;
using PxFunctions.Metrics;
using PxFunctions.Storage;
using PxFunctions.Telemetry;
using PxFunctions.Standalone;
using PxFunctions.Triggers;

namespace PxFunctions.Hosting;

/// <summary>Builds the app: settings, storage (or an embedded Azurite), triggers, HTTP pipeline and routes.</summary>
public static class PxApp
{
    /// <summary>
    /// Builds the standalone app without starting it: one process with the HTTP functions, the queue and timer
    /// functions (polled in process) and the Durable engine on DTFx. <paramref name="configure"/> lets tests add
    /// settings and functions.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        AddLocalSettings(builder);
        configure?.Invoke(builder);

        EmbeddedAzurite? azurite = null;
        try
        {
            if (PxSettings.NeedsEmbeddedStorage(builder.Configuration))
            {
                azurite = await StartEmbeddedStorageAsync(builder.Configuration, cancellationToken);
                builder.Configuration[SettingNames.Key(SettingNames.Storage)] = azurite.ConnectionString;
            }

            var settings = PxSettings.Read(builder.Configuration, builder.Environment.IsDevelopment());
            if (azurite is not null)
            {
                settings = settings with { Storage = settings.Storage with { IsEmbedded = true } };
            }

            ConfigureLogging(builder.Logging, builder.Environment.IsDevelopment());
            builder.AddPxTelemetry(settings);
            AddPxServices(builder.Services, settings);
            builder.Services.AddStandaloneDurableTask(settings.Durable);
            if (settings.DispatcherEnabled)
            {
                builder.Services.AddHostedService<QueueDispatcher>();
                builder.Services.AddHostedService<TimerScheduler>();
            }

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

    /// <summary>The app's configuration without the app (appsettings, environment, local.settings.json): the <c>simulate</c> command's.</summary>
    public static IConfiguration ReadConfiguration()
    {
        var builder = WebApplication.CreateBuilder();
        AddLocalSettings(builder);
        return builder.Configuration;
    }

    /// <summary>local.settings.json may sit beside the project (Functions tooling) or at the repo root.</summary>
    private static void AddLocalSettings(WebApplicationBuilder builder)
    {
        builder.Configuration.AddLocalSettingsFile(EmbeddedAzurite.FindPackageRoot() ?? builder.Environment.ContentRootPath);
        builder.Configuration.AddLocalSettingsFile(builder.Environment.ContentRootPath);
    }

    internal static void ConfigureLogging(ILoggingBuilder logging, bool isDevelopment)
    {
        logging.ClearProviders();
        if (isDevelopment)
        {
            logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        }
        else
        {
            logging.AddJsonConsole(o => o.IncludeScopes = true);
        }
    }

    /// <summary>Everything both hosts share: settings, storage, channels, journeys, intake, queue and timer functions.</summary>
    public static void AddPxServices(IServiceCollection services, PxSettings settings)
    {
        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new StorageRequestCounter());
        services.AddSingleton(sp => new StorageAccount(settings.Storage, settings.StoragePrefix, sp.GetRequiredService<StorageRequestCounter>()));
        services.AddSingleton(sp => sp.GetRequiredService<StorageAccount>().Names);
        services.AddProblemDetails();
        services.AddSingleton(sp => new HttpFunctionRoutes(sp, settings));
        services.AddSingleton<DashboardGateway>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
        });

        // Queue and timer functions: registered once here; the standalone dispatcher and the [Function]s both run them.
        services.AddSingleton<FunctionCatalog>();
        services.AddSingleton<FunctionInvoker>();
        services.AddSingleton<PoisonMessageStore>();
        services.AddStorageResource(StorageResource.Table(PoisonMessageStore.TableName));
        services.AddStorageResource(StorageResource.Table(TimerScheduler.TableName));
        services.AddStorageResource(StorageResource.Table(HeartbeatTimer.TableName));
        services.AddTimerFunction<HeartbeatTimer>(HeartbeatTimer.FunctionName, HeartbeatTimer.Schedule);
        services.AddPxChannels(settings.Channels);
        services.AddPxJourneys(settings.LoadExampleJourneys);
        services.AddPxKnowledge(settings);
        services.AddPxIntake(settings);
        services.AddPxPrivacy();
        services.AddPxDesk(settings);
        services.AddSingleton<DashboardSession>();

        services.AddSingleton<StorageBootstrap>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageBootstrap>());
    }

    /// <summary>
    /// The HTTP functions: one route table for both hosts. Standalone maps it on Kestrel; the Functions app's
    /// <c>[Function]</c>s run the same endpoints by name (a test checks that the two lists are the same).
    /// </summary>
    public static IEndpointRouteBuilder MapPxFunctions(this IEndpointRouteBuilder endpoints, PxSettings settings)
    {
        endpoints.MapHealthApi();
        endpoints.MapOperationsApi();
        endpoints.MapJourneysApi();
        endpoints.MapKnowledgeApi();
        endpoints.MapHandoffApi();
        endpoints.MapHandoffDeskApi();
        endpoints.MapAcsEventsApi();
        endpoints.MapCustomerLinksApi();
        endpoints.MapChatApi();
        endpoints.MapReferralLinksApi();
        endpoints.MapMessagingApi(settings.Channels);
        endpoints.MapStorefrontWebhooksApi();
        endpoints.MapOrdersApi();
        endpoints.MapCustomersApi();
        endpoints.MapCustomerTimelineApi();
        endpoints.MapJourneyMapApi();
        endpoints.MapRunningJourneysApi();
        endpoints.MapDashboardApi();
        endpoints.MapMetricsApi();
        endpoints.MapOpenApiDocument();
        return endpoints;
    }

    private static void UsePipeline(WebApplication app, PxSettings settings)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseMiddleware<FunctionKeyMiddleware>();

        app.MapPxFunctions(settings);
        // Under the Functions host the Durable extension serves this API itself.
        app.MapDurableManagementApi();

        var startup = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PxFunctions");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            startup.LogInformation(
                "PX Functions started standalone; storage {Storage}; task hub {TaskHub}; dispatcher {Dispatcher}",
                settings.Storage.IsEmbedded ? "embedded Azurite" : settings.Storage.IsIdentityBased ? "identity-based" : "connection string",
                settings.Durable.TaskHub,
                settings.DispatcherEnabled ? "on" : "off");
            if (settings.AllowAnonymousAdmin)
            {
                startup.LogWarning("{Setting} is not set: admin routes are open because this is Development", SettingNames.AdminKey);
            }
            else if (settings.AdminKey is null)
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
