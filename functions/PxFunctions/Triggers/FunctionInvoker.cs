using System.Diagnostics;
using PxFunctions.Configuration;
using PxFunctions.Telemetry;

namespace PxFunctions.Triggers;

/// <summary>What became of one invocation.</summary>
public enum InvocationOutcome
{
    /// <summary>The function succeeded; the message may be deleted.</summary>
    Succeeded,

    /// <summary>The function failed; the message must stay and be retried.</summary>
    Failed,

    /// <summary>The function failed its last allowed attempt; the message is recorded as poison and may be deleted.</summary>
    Poisoned,
}

/// <summary>The result of an invocation, with the lines for the host's log.</summary>
public sealed record InvocationResult(InvocationOutcome Outcome, IReadOnlyList<string> Logs, Exception? Error = null);

/// <summary>
/// Runs queue and timer functions. The custom-handler endpoints (Azure) and the standalone dispatcher both call
/// this, so there is one code path for retries and poisoning whichever host delivers the trigger.
/// </summary>
public sealed class FunctionInvoker(
    IServiceProvider services,
    FunctionCatalog catalog,
    PoisonMessageStore poison,
    PxSettings settings,
    TimeProvider time,
    ILogger<FunctionInvoker> logger)
{
    public async Task<InvocationResult> InvokeQueueAsync(
        string functionName, string message, string? messageId, long dequeueCount, DateTimeOffset? insertedOn, CancellationToken cancellationToken)
    {
        var definition = catalog.Get(functionName);
        if (definition.Trigger is not QueueTrigger trigger)
        {
            throw new ArgumentException($"Function '{functionName}' is not queue-triggered.", nameof(functionName));
        }

        var log = new InvocationLog();
        var invocation = new QueueInvocation(functionName, trigger.Queue, message, messageId, dequeueCount, insertedOn, log);
        using var activity = PxTelemetry.Source.StartActivity($"queue {functionName}", ActivityKind.Consumer);
        activity?.SetTag("messaging.destination.name", trigger.Queue);
        activity?.SetTag("messaging.message.id", messageId);
        try
        {
            var handler = (IQueueFunction)services.GetRequiredService(definition.HandlerType!);
            await handler.RunAsync(invocation, cancellationToken);
            PxTelemetry.Invocations.Add(1, new("function", functionName), new("outcome", "succeeded"));
            return new InvocationResult(InvocationOutcome.Succeeded, log.Lines);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            // A message that does not parse will never parse: poison it at once instead of retrying it.
            if (dequeueCount < settings.MaxDequeueCount && ex is not FormatException)
            {
                logger.LogWarning(ex, "{Function} failed attempt {Attempt} of {Max} for message {MessageId}", functionName, dequeueCount, settings.MaxDequeueCount, messageId);
                log.Add($"Attempt {dequeueCount} failed: {ex.GetType().Name}: {ex.Message}");
                PxTelemetry.Invocations.Add(1, new("function", functionName), new("outcome", "failed"));
                return new InvocationResult(InvocationOutcome.Failed, log.Lines, ex);
            }

            var reason = $"{ex.GetType().FullName}: {ex.Message}";
            await poison.RecordAsync(
                new PoisonMessage(functionName, trigger.Queue, messageId ?? Guid.NewGuid().ToString("n"), message, dequeueCount, reason, time.GetUtcNow()),
                cancellationToken);
            logger.LogError(ex, "{Function} poisoned message {MessageId} after {Attempts} attempts", functionName, messageId, dequeueCount);
            log.Add($"Poisoned after {dequeueCount} attempts: {reason}");
            PxTelemetry.Invocations.Add(1, new("function", functionName), new("outcome", "poisoned"));
            return new InvocationResult(InvocationOutcome.Poisoned, log.Lines, ex);
        }
    }

    public async Task<InvocationResult> InvokeTimerAsync(string functionName, bool isPastDue, DateTimeOffset? scheduledFor, CancellationToken cancellationToken)
    {
        var definition = catalog.Get(functionName);
        if (definition.Trigger is not TimerTrigger)
        {
            throw new ArgumentException($"Function '{functionName}' is not timer-triggered.", nameof(functionName));
        }

        var log = new InvocationLog();
        using var activity = PxTelemetry.Source.StartActivity($"timer {functionName}");
        try
        {
            var handler = (ITimerFunction)services.GetRequiredService(definition.HandlerType!);
            await handler.RunAsync(new TimerInvocation(functionName, isPastDue, scheduledFor, log), cancellationToken);
            PxTelemetry.Invocations.Add(1, new("function", functionName), new("outcome", "succeeded"));
            return new InvocationResult(InvocationOutcome.Succeeded, log.Lines);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A failed occurrence is not retried (as with the Functions host); the next occurrence runs as scheduled.
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            logger.LogError(ex, "Timer {Function} failed", functionName);
            log.Add($"Failed: {ex.GetType().Name}: {ex.Message}");
            PxTelemetry.Invocations.Add(1, new("function", functionName), new("outcome", "failed"));
            return new InvocationResult(InvocationOutcome.Failed, log.Lines, ex);
        }
    }
}
