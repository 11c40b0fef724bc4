using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Storage;

/// <summary>A document's draft or one of its published versions, as stored.</summary>
public sealed record StoredDocument(string Id, string Name, int? Version, string Document, DateTimeOffset SavedAt);

/// <summary>
/// Documents that are drafted and published in versions (journeys, knowledge bases), in one table: partition = the
/// document's id, one <c>draft</c> row an admin edits, and one immutable row per published version
/// (<c>v000001</c> ...). A version is added, never replaced, so what was published stays as it was; a document
/// longer than a table property is split over numbered properties.
/// </summary>
public sealed class VersionedDocuments(Func<TableClient> table, TimeProvider time)
{
    private const string DraftKey = "draft";
    private const string VersionPrefix = "v";

    /// <summary>Table properties hold 32K characters; longer documents are split over numbered properties.</summary>
    private const int ChunkChars = 30_000;

    private const int MaxChunks = 30;

    /// <summary>The longest document accepted (what fits in one entity).</summary>
    public const int MaxDocumentChars = ChunkChars * MaxChunks;

    public static string VersionKey(int version) => VersionPrefix + version.ToString("D6", CultureInfo.InvariantCulture);

    public async Task SaveDraftAsync(string id, string name, string document, CancellationToken cancellationToken) =>
        await table().UpsertEntityAsync(Entity(id, DraftKey, name, null, document), TableUpdateMode.Replace, cancellationToken);

    public Task<StoredDocument?> GetDraftAsync(string id, CancellationToken cancellationToken) => GetAsync(id, DraftKey, cancellationToken);

    public Task<StoredDocument?> GetVersionAsync(string id, int version, CancellationToken cancellationToken) => GetAsync(id, VersionKey(version), cancellationToken);

    /// <summary>Published versions of a document, oldest first.</summary>
    public async Task<List<StoredDocument>> VersionsAsync(string id, CancellationToken cancellationToken)
    {
        var versions = new List<StoredDocument>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ge {VersionPrefix} and RowKey lt {"w"}");
        await foreach (var row in table().QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            versions.Add(FromEntity(row));
        }

        return versions;
    }

    /// <summary>Every document: its draft (if any) and its latest published version (documents not read).</summary>
    public async Task<List<(string Id, StoredDocument? Draft, StoredDocument? Latest)>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = new List<StoredDocument>();
        await foreach (var row in table().QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "Name", "Version", "SavedAt"], cancellationToken: cancellationToken))
        {
            rows.Add(new StoredDocument(row.PartitionKey, row.GetString("Name") ?? "", row.GetInt32("Version"), "", row.GetDateTimeOffset("SavedAt") ?? default));
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
    public async Task<(int Version, bool Created)> PublishAsync(string id, string name, string document, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var versions = await VersionsAsync(id, cancellationToken);
            var latest = versions.LastOrDefault();
            if (latest is not null && latest.Document == document)
            {
                return (latest.Version!.Value, false);
            }

            var version = (latest?.Version ?? 0) + 1;
            try
            {
                await table().AddEntityAsync(Entity(id, VersionKey(version), name, version, document), cancellationToken);
                return (version, true);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && attempt < 5)
            {
                // Another publisher took this version number; look again.
            }
        }
    }

    private async Task<StoredDocument?> GetAsync(string id, string rowKey, CancellationToken cancellationToken)
    {
        var response = await table().GetEntityIfExistsAsync<TableEntity>(id, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    private TableEntity Entity(string id, string rowKey, string name, int? version, string document)
    {
        if (document.Length > MaxDocumentChars)
        {
            throw new ArgumentException($"A document may be at most {MaxDocumentChars} characters.", nameof(document));
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

    private static StoredDocument FromEntity(TableEntity entity)
    {
        var chunks = entity.GetInt32("Chunks") ?? 0;
        var document = string.Concat(Enumerable.Range(0, chunks).Select(i => entity.GetString("Document" + i.ToString(CultureInfo.InvariantCulture))));
        return new StoredDocument(entity.PartitionKey, entity.GetString("Name") ?? "", entity.GetInt32("Version"), document, entity.GetDateTimeOffset("SavedAt") ?? default);
    }
}
