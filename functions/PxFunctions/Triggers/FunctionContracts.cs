namespace PxFunctions.Triggers;

/// <summary>
/// A queue-triggered function. Delivery is at least once: the same message may arrive again after a crash or
/// time-out, so implementations must be idempotent. Throwing fails the attempt; the message is retried and,
/// after <c>MaxDequeueCount</c> attempts, recorded as poison with the exception as the reason.
/// </summary>
public interface IQueueFunction
{
    Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>A timer-triggered function. A missed or repeated occurrence must be harmless.</summary>
public interface ITimerFunction
{
    Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>One delivery of a queue message, whether from the Functions host or the standalone dispatcher.</summary>
public sealed record QueueInvocation(
    string FunctionName,
    string Queue,
    string Message,
    string? MessageId,
    long DequeueCount,
    DateTimeOffset? InsertedOn,
    InvocationLog Log);

/// <summary>One occurrence of a schedule.</summary>
public sealed record TimerInvocation(string FunctionName, bool IsPastDue, DateTimeOffset? ScheduledFor, InvocationLog Log);

/// <summary>Lines a function wants in the host's invocation log (the custom handler response's <c>Logs</c>).</summary>
public sealed class InvocationLog
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines => _lines;

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
