using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Storage;

namespace PxFunctions.Journeys;

/// <summary>A journey's draft or one of its published versions, as stored.</summary>
public sealed record StoredJourney(string Id, string Name, int? Version, string Document, DateTimeOffset SavedAt);

/// <summary>
/// Journey definitions in Table Storage: partition = journey id, one <c>draft</c> row an admin edits, and one
/// immutable row per published version (<c>v000001</c> ...). A published version is added, never replaced, so
/// instances pinned to it always read what they started with; readers cache versions for ever.
/// </summary>
public sealed class JourneyCatalog(StorageAccount storage, TimeProvider time) : IJourneyVersions
{
    public const string TableName = "Journeys";
    private const string DraftKey = "draft";
    private const string VersionPrefix = "v";

    /// <summary>Table properties hold 32K characters; longer documents are split over numbered properties.</summary>
    private const int ChunkChars = 30_000;

    private const int MaxChunks = 30;

    /// <summary>The longest document accepted (what fits in one entity).</summary>
    public const int MaxDocumentChars = ChunkChars * MaxChunks;

    private readonly ConcurrentDictionary<(string, int), PublishedJourney> _published = new();

    private TableClient Table => storage.Table(TableName);

    private long _generation;

    /// <summary>Bumped by every publish in this process, so readers that cache the published list know to reload.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public static string VersionKey(int version) => VersionPrefix + version.ToString("D6", CultureInfo.InvariantCulture);

    public async Task SaveDraftAsync(JourneyDefinition definition, string document, CancellationToken cancellationToken) =>
        await Table.UpsertEntityAsync(Entity(definition.Id, DraftKey, definition.Name, null, document), TableUpdateMode.Replace, cancellationToken);

    public async Task<StoredJourney?> GetDraftAsync(string id, CancellationToken cancellationToken) =>
        await GetAsync(id, DraftKey, cancellationToken);

    public async Task<StoredJourney?> GetVersionAsync(string id, int version, CancellationToken cancellationToken) =>
        await GetAsync(id, VersionKey(version), cancellationToken);

    /// <summary>Published versions of a journey, oldest first.</summary>
    public async Task<List<StoredJourney>> VersionsAsync(string id, CancellationToken cancellationToken)
    {
        var versions = new List<StoredJourney>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ge {VersionPrefix} and RowKey lt {"w"}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            versions.Add(FromEntity(row));
        }

        return versions;
    }

    /// <summary>Every journey: its draft (if any) and its latest published version.</summary>
    public async Task<List<(string Id, StoredJourney? Draft, StoredJourney? Latest)>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = new List<StoredJourney>();
        await foreach (var row in Table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Name", "Version", "SavedAt"], cancellationToken: cancellationToken))
        {
            rows.Add(new StoredJourney(row.PartitionKey, row.GetString("Name") ?? "", row.GetInt32("Version"), "", row.GetDateTimeOffset("SavedAt") ?? default));
        }

        return rows.GroupBy(r => r.Id)
            .Select(g => (g.Key, g.FirstOrDefault(r => r.Version is null), g.Where(r => r.Version is not null).MaxBy(r => r.Version)))
            .OrderBy(j => j.Key, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Publishes a document as the next version. Publishing what the latest version already holds returns that
    /// version instead of a copy. Two publishers racing get consecutive versions (the add of a taken key fails).
    /// </summary>
    public async Task<(int Version, bool Created)> PublishAsync(JourneyDefinition definition, string document, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var versions = await VersionsAsync(definition.Id, cancellationToken);
            var latest = versions.LastOrDefault();
            if (latest is not null && latest.Document == document)
            {
                return (latest.Version!.Value, false);
            }

            var version = (latest?.Version ?? 0) + 1;
            try
            {
                await Table.AddEntityAsync(Entity(definition.Id, VersionKey(version), definition.Name, version, document), cancellationToken);
                _published[(definition.Id, version)] = new PublishedJourney(definition, document);
                Interlocked.Increment(ref _generation);
                return (version, true);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && attempt < 5)
            {
                // Another publisher took this version number; look again.
            }
        }
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

        var stored = await GetVersionAsync(journeyId, version, cancellationToken);
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

    private async Task<StoredJourney?> GetAsync(string id, string rowKey, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(id, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    private TableEntity Entity(string id, string rowKey, string name, int? version, string document)
    {
        if (document.Length > MaxDocumentChars)
        {
            throw new ArgumentException($"A journey document may be at most {MaxDocumentChars} characters.", nameof(document));
        }

        var entity = new TableEntity(id, rowKey) { ["Name"] = name, ["Version"] = version, ["SavedAt"] = time.GetUtcNow() };
        var chunks = document.Chunk(ChunkChars).Select(c => new string(c)).ToList();
        entity["Chunks"] = chunks.Count;
        for (var i = 0; i < chunks.Count; i++)
        {
            entity["Document" + i.ToString(CultureInfo.InvariantCulture)] = chunks[i];
        }

        return entity;
    }

    private static StoredJourney FromEntity(TableEntity entity)
    {
        var chunks = entity.GetInt32("Chunks") ?? 0;
        var document = string.Concat(Enumerable.Range(0, chunks).Select(i => entity.GetString("Document" + i.ToString(CultureInfo.InvariantCulture))));
        return new StoredJourney(entity.PartitionKey, entity.GetString("Name") ?? "", entity.GetInt32("Version"), document, entity.GetDateTimeOffset("SavedAt") ?? default);
    }
}
