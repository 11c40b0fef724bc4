namespace PxFunctions.Runtime;

/// <summary>
/// Serialises work on one instance inside this process. Correctness never depends on it (the ETag check does
/// that across processes); it only stops a batch of messages for one instance from racing itself into
/// optimistic-concurrency retries, which cost two storage calls each.
/// </summary>
public sealed class InstanceLocks
{
    private readonly Dictionary<string, (SemaphoreSlim Gate, int Users)> _locks = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(string instanceId, CancellationToken cancellationToken)
    {
        SemaphoreSlim gate;
        lock (_locks)
        {
            var entry = _locks.TryGetValue(instanceId, out var existing) ? existing : (new SemaphoreSlim(1, 1), 0);
            _locks[instanceId] = (entry.Item1, entry.Item2 + 1);
            gate = entry.Item1;
        }

        try
        {
            await gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(instanceId, gate, entered: false);
            throw;
        }

        return new Releaser(this, instanceId, gate);
    }

    private void Release(string instanceId, SemaphoreSlim gate, bool entered)
    {
        if (entered)
        {
            gate.Release();
        }

        lock (_locks)
        {
            var entry = _locks[instanceId];
            if (entry.Users == 1)
            {
                _locks.Remove(instanceId);
                gate.Dispose();
            }
            else
            {
                _locks[instanceId] = (entry.Gate, entry.Users - 1);
            }
        }
    }

    private sealed class Releaser(InstanceLocks owner, string instanceId, SemaphoreSlim gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(instanceId, gate, entered: true);
            }
        }
    }
}
