using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using PxFunctions.Triggers;

namespace PxFunctions.Tests.Infrastructure;

/// <summary>A queue function that records what it receives and fails while <see cref="FailUntilAttempt"/> says so.</summary>
public sealed class RecordingQueueFunction : IQueueFunction
{
    public const string Name = "Echo";
    public const string Queue = "echo";

    public ConcurrentQueue<QueueInvocation> Received { get; } = new();

    /// <summary>Attempts with a dequeue count below this throw; messages containing "always-fail" always throw.</summary>
    public long FailUntilAttempt { get; set; }

    public Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        Received.Enqueue(invocation);
        if (invocation.Message.Contains("always-fail", StringComparison.Ordinal) || invocation.DequeueCount < FailUntilAttempt)
        {
            throw new InvalidOperationException($"refusing '{invocation.Message}' on attempt {invocation.DequeueCount}");
        }

        invocation.Log.Add($"echo {invocation.Message}");
        return Task.CompletedTask;
    }
}

/// <summary>A timer function that records its occurrences.</summary>
public sealed class RecordingTimerFunction : ITimerFunction
{
    public const string Name = "Tick";

    public ConcurrentQueue<TimerInvocation> Received { get; } = new();

    public Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        Received.Enqueue(invocation);
        invocation.Log.Add("tick");
        return Task.CompletedTask;
    }
}

public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the limit.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for: {what}");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls an asynchronous condition (every 100 ms) until it holds; fails with <paramref name="what"/> after the limit.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for: {what}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}

/// <summary>Starts a journey the way the intake does: the purchase into the context store, ids into the orchestration.</summary>
public static class Journeys
{
    public static async Task StartAsync(IServiceProvider services, string instanceId, PxFunctions.Journeys.Interpreter.JourneyInput input)
    {
        await services.GetRequiredService<PxFunctions.Journeys.Durable.IJourneyContexts>().SaveAsync(instanceId, input, CancellationToken.None);
        await services.GetRequiredService<PxFunctions.Journeys.Durable.IJourneyInstances>().StartAsync(
            PxFunctions.Journeys.Durable.JourneyFunctionNames.Orchestrator,
            instanceId,
            new PxFunctions.Journeys.Durable.JourneyRun { JourneyId = input.JourneyId, Version = input.Version },
            CancellationToken.None);
    }

    public static Task<PxFunctions.Journeys.Durable.InstanceState?> GetAsync(IServiceProvider services, string instanceId) =>
        services.GetRequiredService<PxFunctions.Journeys.Durable.IJourneyInstances>().GetAsync(instanceId, CancellationToken.None);
}
