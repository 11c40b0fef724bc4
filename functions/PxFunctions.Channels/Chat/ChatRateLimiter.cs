using System.Collections.Concurrent;

namespace PxFunctions.Channels.Chat;

/// <summary>
/// Per-session limits of the chat API in fixed one-minute windows: messages sent and polls. In memory per process:
/// with several instances a session may get up to the limit on each, which still bounds a runaway widget or a
/// script; a shared limit would cost a storage write per call. Windows of sessions idle for a minute are dropped.
/// </summary>
public sealed class ChatRateLimiter(TimeProvider time)
{
    public const int MessagesPerMinute = 20;
    public const int PollsPerMinute = 120;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private long _calls;

    /// <summary>Null when the call may go; otherwise how long until the session's window opens again.</summary>
    public TimeSpan? TryAcquire(string sessionId, string kind, int limit)
    {
        var now = time.GetUtcNow();
        if (Interlocked.Increment(ref _calls) % 1024 == 0)
        {
            foreach (var (key, counter) in _counters)
            {
                if (now - counter.Start >= Window)
                {
                    _counters.TryRemove(key, out _);
                }
            }
        }

        var entry = _counters.GetOrAdd(kind + ":" + sessionId, _ => new Counter(now));
        lock (entry)
        {
            if (now - entry.Start >= Window)
            {
                entry.Start = now;
                entry.Count = 0;
            }

            if (entry.Count >= limit)
            {
                return entry.Start + Window - now;
            }

            entry.Count++;
            return null;
        }
    }

    private sealed class Counter(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; set; } = start;
        public int Count { get; set; }
    }
}
