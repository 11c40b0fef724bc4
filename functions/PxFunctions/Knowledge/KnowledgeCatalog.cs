using System.Collections.Concurrent;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Knowledge;
using PxFunctions.Journeys.Understanding;
using PxFunctions.Storage;

namespace PxFunctions.Knowledge;

/// <summary>
/// Knowledge bases in Table Storage (<see cref="VersionedDocuments"/>, table <c>Knowledge</c>): drafts and immutable
/// published versions. Replies are read against the latest published versions that serve their journey; that list is
/// re-read at most every <see cref="ListFor"/> (at once after a publish in this process), and each journey's index is
/// built once per set of versions.
/// </summary>
public sealed class KnowledgeCatalog(StorageAccount storage, TimeProvider time) : IKnowledgeBases
{
    public const string TableName = "Knowledge";

    /// <summary>How long another process's publish may take to reach this one's replies.</summary>
    public static readonly TimeSpan ListFor = TimeSpan.FromSeconds(30);

    private readonly VersionedDocuments _documents = new(() => storage.Table(TableName), time);
    private readonly ConcurrentDictionary<(string, int), PublishedKnowledge> _published = new();
    private readonly ConcurrentDictionary<string, KnowledgeIndex> _indexes = new(StringComparer.Ordinal);
    private (DateTimeOffset At, IReadOnlyList<PublishedKnowledge> Latest)? _latest;

    public VersionedDocuments Documents => _documents;

    public async Task<(int Version, bool Created)> PublishAsync(KnowledgeBase knowledge, string document, CancellationToken cancellationToken)
    {
        var (version, created) = await _documents.PublishAsync(knowledge.Id, knowledge.Name, document, cancellationToken);
        _published[(knowledge.Id, version)] = new PublishedKnowledge(knowledge, version, document);
        if (created)
        {
            _latest = null;
        }

        return (version, created);
    }

    public async ValueTask<PublishedKnowledge?> GetPublishedAsync(string baseId, int version, CancellationToken cancellationToken)
    {
        if (_published.TryGetValue((baseId, version), out var cached))
        {
            return cached;
        }

        var stored = await _documents.GetVersionAsync(baseId, version, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        var (knowledge, errors) = KnowledgeReader.Read(stored.Document);
        if (knowledge is null)
        {
            throw new InvalidOperationException($"Published knowledge base {baseId} v{version} no longer reads: {errors[0].Path} {errors[0].Message}");
        }

        return _published.GetOrAdd((baseId, version), new PublishedKnowledge(knowledge, version, stored.Document));
    }

    /// <summary>The latest published version of every base.</summary>
    public async Task<IReadOnlyList<PublishedKnowledge>> LatestAsync(CancellationToken cancellationToken)
    {
        if (_latest is { } listed && time.GetUtcNow() - listed.At < ListFor)
        {
            return listed.Latest;
        }

        // Two readers at once may both list; they find the same versions.
        var latest = new List<PublishedKnowledge>();
        foreach (var (id, _, version) in await _documents.ListAsync(cancellationToken))
        {
            if (version?.Version is { } v && await GetPublishedAsync(id, v, cancellationToken) is { } published)
            {
                latest.Add(published);
            }
        }

        _latest = (time.GetUtcNow(), latest);
        return latest;
    }

    public async ValueTask<KnowledgeIndex> IndexForAsync(string journeyId, CancellationToken cancellationToken)
    {
        var serving = (await LatestAsync(cancellationToken)).Where(k => k.Base.Serves(journeyId)).OrderBy(k => k.Base.Id, StringComparer.Ordinal).ToList();
        var key = journeyId + "|" + string.Join(',', serving.Select(k => $"{k.Base.Id}@{k.Version}"));
        return _indexes.GetOrAdd(key, _ => new KnowledgeIndex(serving));
    }
}
