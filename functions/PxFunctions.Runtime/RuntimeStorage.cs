using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace PxFunctions.Runtime;

/// <summary>The table and queues the runtime owns.</summary>
/// <param name="Instances">One partition per instance: state row, event markers, outbox, buffered and late events.</param>
/// <param name="Events">
/// Everything that changes an instance (starts, events, timers, control operations), spread over partition queues
/// by a hash of the instance id. One Azure queue takes about 2,000 messages/s; partitions multiply that (and keep
/// each queue short, which the emulator needs). Routing is only for load: any worker may apply any message.
/// </param>
/// <param name="Outbox">Sends handed on by committed transitions, for the effect dispatcher.</param>
/// <param name="Effects">The default effect sink's log of dispatched sends (one row per effect id).</param>
/// <param name="TimerIndex">Timers due later than the horizon, partitioned by due minute, until the pump queues them.</param>
public sealed record RuntimeStorage(TableClient Instances, IReadOnlyList<QueueClient> Events, QueueClient Outbox, TableClient Effects, TableClient TimerIndex)
{
    /// <summary>The partition queue of an instance (FNV-1a of its id, stable across processes and versions).</summary>
    public QueueClient EventsFor(string instanceId)
    {
        var hash = 2166136261u;
        foreach (var c in instanceId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return Events[(int)(hash % (uint)Events.Count)];
    }

    /// <summary>The logical name of partition queue <paramref name="index"/>.</summary>
    public static string EventsQueueName(int index) => $"{EventsQueue}-{index}";

    /// <summary>Logical names (the app adds its storage prefix).</summary>
    public const string InstancesTable = "Instances";
    public const string EffectsTable = "Effects";
    public const string TimerIndexTable = "TimerIndex";
    public const string EventsQueue = "events";
    public const string OutboxQueue = "outbox";
}

/// <summary>Tuning of the runtime; the defaults suit Azure Storage.</summary>
public sealed record RuntimeOptions
{
    /// <summary>A queue message stays hidden at most 7 days; longer timers are re-queued ("hop") within this.</summary>
    public TimeSpan MaxTimerHop { get; init; } = TimeSpan.FromDays(7) - TimeSpan.FromHours(1);

    /// <summary>
    /// Maps a delay on the runtime's clock to a queue visibility timeout. The queue counts whole seconds: rounding to
    /// the nearest one makes a timer surface within half a second of its due time, and one that surfaces early is
    /// held in the worker until due (<see cref="MaxEarlyWait"/>), so timers are neither early nor half a second
    /// late on average. Tests that compress time replace this.
    /// </summary>
    public Func<TimeSpan, TimeSpan> TimerVisibility { get; init; } = delay => TimeSpan.FromSeconds(Math.Round(Math.Max(0, delay.TotalSeconds), MidpointRounding.AwayFromZero));

    /// <summary>A timer message that arrives at most this early is held in the worker until due instead of re-queued.</summary>
    public TimeSpan MaxEarlyWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Timers due within this go straight onto the instance queue, hidden until due; later ones wait in the timer
    /// index until the pump moves them. Keep it well above the pump's interval.
    /// </summary>
    public TimeSpan TimerHorizon { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Default number of partition queues for instance messages (Durable Functions also defaults to 4).</summary>
    public const int DefaultPartitions = 4;

    /// <summary>How often a commit that lost an optimistic-concurrency race is retried before the message is retried.</summary>
    public int MaxCommitAttempts { get; init; } = 25;

    /// <summary>
    /// State rows a worker keeps after committing them, so a busy instance's next event needs no read
    /// (<see cref="InstanceStateCache"/>); 0 turns the cache off. The ETag check keeps a stale entry harmless.
    /// </summary>
    public int StateCacheSize { get; init; } = 4_096;

    /// <summary>Buffered events re-queued per start or resume; more are re-queued by the next message.</summary>
    public int MaxDrainPerMessage { get; init; } = 200;
}
