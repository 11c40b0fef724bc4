namespace PxFunctions.Configuration;

/// <summary>
/// The standalone host's Durable task hub on the Azure Storage provider. Under the Functions host the same knobs
/// live in host.json's <c>extensions.durableTask</c> section; the defaults here match it (see the README).
/// </summary>
public sealed record DurableSettings
{
    public const string DefaultTaskHub = "PxJourneys";
    /// <summary>Two control queues: two workers share the journeys; all share the activities (measured in the README).</summary>
    public const int DefaultPartitions = 2;

    /// <summary>A send's result comes back to the episode in memory (one history read per step saved; see the README).</summary>
    public const bool DefaultExtendedSessions = true;
    public static readonly TimeSpan DefaultMaxQueuePollingInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultMaximumTimerInterval = TimeSpan.FromDays(3);
    public static readonly TimeSpan DefaultVisibilityTimeout = TimeSpan.FromMinutes(5);

    public string TaskHub { get; init; } = DefaultTaskHub;

    /// <summary>Control queues; instances are spread over them and each is leased by one worker at a time.</summary>
    public int Partitions { get; init; } = DefaultPartitions;

    /// <summary>Longest idle wait between polls of an empty queue: bounds how late an event or timer is noticed.</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = DefaultMaxQueuePollingInterval;

    public bool ExtendedSessions { get; init; } = DefaultExtendedSessions;

    /// <summary>
    /// How long an extended session keeps an idle orchestration in memory: long enough for a send's result to come
    /// back to the same session (the step's second episode then reads no history), short enough that journeys waiting
    /// for days hold no session slot (DTFx gives sessions half the orchestration slots). host.json
    /// <c>extendedSessionIdleTimeoutInSeconds</c> says the same.
    /// </summary>
    public static readonly TimeSpan ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a queue message a worker took stays hidden: after a crash, the work it held waits this long before
    /// another worker (or the restarted one) takes it again. The provider renews it while a worker is busy.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; init; } = DefaultVisibilityTimeout;

    public int ControlQueueBatchSize { get; init; } = 32;

    /// <summary>
    /// This worker's name in the partition leases. Two processes with one name would both take every partition, so
    /// the default is the machine and the process; a worker restarted under the same name takes its leases back at
    /// once instead of waiting for them to expire.
    /// </summary>
    public string WorkerId { get; init; } = DefaultWorkerId();

    public static string DefaultWorkerId() => $"{Environment.MachineName}-{Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>Timers longer than this are chained (the queue's 7-day visibility limit).</summary>
    public TimeSpan MaximumTimerInterval { get; init; } = DefaultMaximumTimerInterval;
}
