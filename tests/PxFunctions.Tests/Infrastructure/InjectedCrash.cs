using PxFunctions.Storage;

namespace PxFunctions.Tests.Infrastructure;

/// <summary>A failure the storage client does not retry: it models the worker process dying at that call.</summary>
public sealed class InjectedCrashException(string message) : Exception(message);

/// <summary>Makes the k-th counted storage call crash, before the request is sent or after its response arrived.</summary>
public sealed class CrashInjector
{
    private long _calls;
    private long _crashAt;
    private bool _afterSend;
    private HashSet<long> _more = [];

    public long Calls => Interlocked.Read(ref _calls);

    public bool Fired { get; private set; }

    public void Attach(StorageRequestCounter counter)
    {
        counter.BeforeSend = (_, _) =>
        {
            var call = Interlocked.Increment(ref _calls);
            if (!_afterSend && _more.Contains(call))
            {
                throw new InjectedCrashException($"crash before call {call}");
            }

            if (call == Interlocked.Read(ref _crashAt) && !_afterSend)
            {
                Fired = true;
                throw new InjectedCrashException($"crash before call {call}");
            }
        };
        counter.AfterSend = (_, _) =>
        {
            if (_afterSend && Interlocked.Read(ref _calls) == Interlocked.Read(ref _crashAt) && !Fired)
            {
                Fired = true;
                throw new InjectedCrashException($"crash after call {_crashAt}");
            }
        };
    }

    /// <summary>Crash at each of several calls (before they are sent).</summary>
    public void ArmMany(IEnumerable<long> calls)
    {
        Interlocked.Exchange(ref _calls, 0);
        Fired = false;
        _afterSend = false;
        _more = calls.ToHashSet();
        Interlocked.Exchange(ref _crashAt, 0);
    }

    public void Arm(long crashAt, bool afterSend)
    {
        _more = [];
        Interlocked.Exchange(ref _calls, 0);
        Fired = false;
        _afterSend = afterSend;
        Interlocked.Exchange(ref _crashAt, crashAt);
    }
}
