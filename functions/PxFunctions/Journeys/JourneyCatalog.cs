using System.Collections.Concurrent;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Storage;

namespace PxFunctions.Journeys;

/// <summary>
/// Journey definitions in Table Storage (<see cref="VersionedDocuments"/>): a <c>draft</c> row an admin edits and one
/// immutable row per published version, so instances pinned to a version always read what they started with;
/// readers cache versions for ever.
/// </summary>
public sealed class JourneyCatalog(StorageAccount storage, TimeProvider time) : IJourneyVersions
{
    public const string TableName = "Journeys";

    /// <summary>The longest document accepted (what fits in one entity).</summary>
    public const int MaxDocumentChars = VersionedDocuments.MaxDocumentChars;

    private readonly ConcurrentDictionary<(string, int), PublishedJourney> _published = new();
    private readonly VersionedDocuments _documents = new(() => storage.Table(TableName), time);

    private long _generation;

    /// <summary>Bumped by every publish in this process, so readers that cache the published list know to reload.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public static string VersionKey(int version) => VersionedDocuments.VersionKey(version);

    public Task SaveDraftAsync(JourneyDefinition definition, string document, CancellationToken cancellationToken) =>
        _documents.SaveDraftAsync(definition.Id, definition.Name, document, cancellationToken);

    public Task<StoredDocument?> GetDraftAsync(string id, CancellationToken cancellationToken) => _documents.GetDraftAsync(id, cancellationToken);

    public Task<StoredDocument?> GetVersionAsync(string id, int version, CancellationToken cancellationToken) => _documents.GetVersionAsync(id, version, cancellationToken);

    /// <summary>Published versions of a journey, oldest first.</summary>
    public Task<List<StoredDocument>> VersionsAsync(string id, CancellationToken cancellationToken) => _documents.VersionsAsync(id, cancellationToken);

    /// <summary>Every journey: its draft (if any) and its latest published version.</summary>
    public Task<List<(string Id, StoredDocument? Draft, StoredDocument? Latest)>> ListAsync(CancellationToken cancellationToken) => _documents.ListAsync(cancellationToken);

    /// <summary>
    /// Publishes a document as the next version. Publishing what the latest version already holds returns that
    /// version instead of a copy. Two publishers racing get consecutive versions.
    /// </summary>
    public async Task<(int Version, bool Created)> PublishAsync(JourneyDefinition definition, string document, CancellationToken cancellationToken)
    {
        var (version, created) = await _documents.PublishAsync(definition.Id, definition.Name, document, cancellationToken);
        if (created)
        {
            _published[(definition.Id, version)] = new PublishedJourney(definition, document);
            Interlocked.Increment(ref _generation);
        }

        return (version, created);
    }

    public async ValueTask<JourneyDefinition?> GetPublishedAsync(string journeyId, int version, CancellationToken cancellationToken) =>
        (await GetPublishedJourneyAsync(journeyId, version, cancellationToken))?.Definition;

    ValueTask<PublishedJourney?> IJourneyVersions.GetPublishedAsync(string journeyId, int version, CancellationToken cancellationToken) =>
        GetPublishedJourneyAsync(journeyId, version, cancellationToken);

    /// <summary>A published version with its document (kept for ever once read: published versions never change).</summary>
    public async ValueTask<PublishedJourney?> GetPublishedJourneyAsync(string journeyId, int version, CancellationToken cancellationToken)
    {
        if (_published.TryGetValue((journeyId, version), out var cached))
        {
            return cached;
        }

        var stored = await _documents.GetVersionAsync(journeyId, version, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        var (definition, errors) = JourneyValidator.Validate(stored.Document);
        if (definition is null)
        {
            throw new InvalidOperationException($"Published journey {journeyId} v{version} no longer validates: {errors[0].Path} {errors[0].Message}");
        }

        var published = new PublishedJourney(definition, stored.Document);
        _published[(journeyId, version)] = published;
        return published;
    }
}
