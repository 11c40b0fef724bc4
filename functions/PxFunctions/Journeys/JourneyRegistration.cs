using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Storage;

namespace PxFunctions.Journeys;

/// <summary>Wires journeys into the app: the catalog (the activities read published versions from it), the simulation, the example loader.</summary>
public static class JourneyRegistration
{
    public static IServiceCollection AddPxJourneys(this IServiceCollection services, bool loadExamples)
    {
        services.AddSingleton<JourneyCatalog>();
        services.AddSingleton<JourneySimulation>();
        services.AddSingleton<IJourneyVersions>(sp => sp.GetRequiredService<JourneyCatalog>());
        services.AddStorageResource(StorageResource.Table(JourneyCatalog.TableName));
        if (loadExamples)
        {
            services.AddHostedService<ExampleJourneyLoader>();
        }

        return services;
    }
}

/// <summary>
/// Publishes the example journeys shipped beside the app (<c>Examples/*.yaml</c>) once storage is ready, so a local
/// run has journeys to start. Publishing is idempotent: an unchanged example is not published again.
/// </summary>
public sealed class ExampleJourneyLoader(JourneyCatalog catalog, StorageBootstrap bootstrap, ILogger<ExampleJourneyLoader> logger) : BackgroundService
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Examples");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await bootstrap.Ready.WaitAsync(stoppingToken);
            var files = Directory.Exists(Folder) ? Directory.GetFiles(Folder, "*.yaml") : [];
            foreach (var file in files.Order(StringComparer.Ordinal))
            {
                var document = await File.ReadAllTextAsync(file, stoppingToken);
                var (definition, errors) = JourneyValidator.Validate(document);
                if (definition is null)
                {
                    logger.LogError("Example journey {File} is not valid: {Path} {Message}", Path.GetFileName(file), errors[0].Path, errors[0].Message);
                    continue;
                }

                if (await catalog.GetDraftAsync(definition.Id, stoppingToken) is null)
                {
                    await catalog.SaveDraftAsync(definition, document, stoppingToken);
                }

                var (version, created) = await catalog.PublishAsync(definition, document, stoppingToken);
                logger.LogInformation("Example journey {Id} {Action} as version {Version}", definition.Id, created ? "published" : "already published", version);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
