using PxFunctions.Hosting;
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

/// <summary>The example journeys shipped beside the app (<c>Examples/*.yaml</c>), published at start-up.</summary>
public sealed class ExampleJourneyLoader(JourneyCatalog catalog, StorageBootstrap bootstrap, ILogger<ExampleJourneyLoader> logger) : ExampleLoader(bootstrap, logger)
{
    public static string ExamplesFolder => Path.Combine(AppContext.BaseDirectory, "Examples");

    protected override string Folder => ExamplesFolder;

    protected override string What => "journey";

    protected override async Task<ExamplePublished> PublishAsync(string document, CancellationToken cancellationToken)
    {
        var (definition, errors) = JourneyValidator.Validate(document);
        if (definition is null)
        {
            return new ExamplePublished(null, 0, false, errors[0]);
        }

        if (await catalog.GetDraftAsync(definition.Id, cancellationToken) is null)
        {
            await catalog.SaveDraftAsync(definition, document, cancellationToken);
        }

        var (version, created) = await catalog.PublishAsync(definition, document, cancellationToken);
        return new ExamplePublished(definition.Id, version, created, null);
    }
}
