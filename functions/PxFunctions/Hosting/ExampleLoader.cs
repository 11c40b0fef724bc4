using PxFunctions.Journeys.Definitions;
using PxFunctions.Storage;

namespace PxFunctions.Hosting;

/// <summary>What publishing one example document gave: its id and version, or the first thing wrong with it.</summary>
public sealed record ExamplePublished(string? Id, int Version, bool Created, JourneyError? Error);

/// <summary>
/// Publishes documents shipped beside the app (<c>*.yaml</c> in <see cref="Folder"/>) once storage is ready, so a local
/// run has something to start with (example journeys, their knowledge bases). Publishing is idempotent: an unchanged
/// example is not published again; an invalid one is logged and skipped.
/// </summary>
public abstract class ExampleLoader(StorageBootstrap bootstrap, ILogger logger) : BackgroundService
{
    /// <summary>The folder the examples are read from.</summary>
    protected abstract string Folder { get; }

    /// <summary>What the examples are, for the log ("journey", "knowledge base").</summary>
    protected abstract string What { get; }

    /// <summary>Validates one document, keeps it as the draft when there is none, and publishes it.</summary>
    protected abstract Task<ExamplePublished> PublishAsync(string document, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await bootstrap.Ready.WaitAsync(stoppingToken);
            var files = Directory.Exists(Folder) ? Directory.GetFiles(Folder, "*.yaml") : [];
            foreach (var file in files.Order(StringComparer.Ordinal))
            {
                var result = await PublishAsync(await File.ReadAllTextAsync(file, stoppingToken), stoppingToken);
                if (result.Error is { } error)
                {
                    logger.LogError("Example {What} {File} is not valid: {Path} {Message}", What, Path.GetFileName(file), error.Path, error.Message);
                }
                else
                {
                    logger.LogInformation("Example {What} {Id} {Action} as version {Version}", What, result.Id, result.Created ? "published" : "already published", result.Version);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
