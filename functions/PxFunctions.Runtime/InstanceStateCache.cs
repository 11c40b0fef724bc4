namespace PxFunctions.Runtime;

/// <summary>
/// The state rows this worker committed last, most recently used first, so the next event of a busy instance is
/// applied without reading its row again (one storage transaction less per step).
/// </summary>
/// <remarks>
/// Correctness never rests on the cache: a cached row may be stale (another worker committed since, or the instance
/// was purged). The processor therefore uses a cached row only to <em>apply</em> an event, where the commit's ETag
/// check rejects a stale row (412) and the processor reloads; any other decision (duplicate, stale timer, buffer,
/// late) is taken again on a fresh read. Bounded by entry count, and rows with large state are not kept, so memory
/// stays flat however many instances exist.
/// </remarks>
public sealed class InstanceStateCache(int capacity)
{
    /// <summary>Rows whose handler state is larger than this are not cached (bounded memory per entry).</summary>
    public const int MaxCachedStateChars = 8_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<InstanceRecord>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<InstanceRecord> _order = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public InstanceRecord? TryGet(string instanceId)
    {
        if (capacity == 0)
        {
            return null;
        }

        lock (_gate)
        {
            if (!_entries.TryGetValue(instanceId, out var node))
            {
                return null;
            }

            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value;
        }
    }

    /// <summary>Keeps a row this worker has just committed (with the ETag the commit returned).</summary>
    public void Set(InstanceRecord record)
    {
        if (capacity == 0)
        {
            return;
        }

        if (record.Status.IsTerminal() || record.State is { Length: > MaxCachedStateChars })
        {
            // A finished instance takes no more transitions; a large state would make the cache's memory unbounded.
            Remove(record.InstanceId);
            return;
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(record.InstanceId, out var node))
            {
                _order.Remove(node);
            }
            else if (_entries.Count >= capacity)
            {
                var oldest = _order.Last!;
                _order.RemoveLast();
                _entries.Remove(oldest.Value.InstanceId);
            }

            _entries[record.InstanceId] = _order.AddFirst(record);
        }
    }

    public void Remove(string instanceId)
    {
        lock (_gate)
        {
            if (_entries.Remove(instanceId, out var node))
            {
                _order.Remove(node);
            }
        }
    }
}
