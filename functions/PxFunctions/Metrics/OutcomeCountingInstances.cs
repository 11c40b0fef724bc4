using System.Text.Json.Nodes;
using PxFunctions.Channels.Metrics;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Metrics;

/// <summary>
/// The engine's instances, with a terminated journey's outcome counted: a journey stopped from outside (order
/// cancelled or refunded, erasure, the admin API) runs no more code of its own, so the termination is where its
/// end is seen. Counted once the engine accepted the termination, under the id a journey's own end uses
/// (<see cref="JourneyProgressMetrics.OutcomeId"/>), so an instance's outcome counts once whichever comes first.
/// </summary>
public sealed class OutcomeCountingInstances(IJourneyInstances inner, MetricsStore metrics, TimeProvider time) : IJourneyInstances
{
    public async Task<InstanceOperation> TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken)
    {
        var state = await inner.GetAsync(instanceId, cancellationToken);
        var result = await inner.TerminateAsync(instanceId, reason, cancellationToken);
        if (result == InstanceOperation.Accepted && InstanceJourney.Of(state) is { } journey)
        {
            // The intake's reasons name the outcome (refunded, cancelled: its own count of the end then finds this one).
            await metrics.RecordAsync(OrderAttribution.Ended(instanceId, journey, OrderAttribution.OutcomeOfTermination(reason), time.GetUtcNow()), cancellationToken);
        }

        return result;
    }

    public Task<bool> StartAsync(string orchestrator, string instanceId, object? input, CancellationToken cancellationToken) =>
        inner.StartAsync(orchestrator, instanceId, input, cancellationToken);

    public Task<InstanceState?> GetAsync(string instanceId, CancellationToken cancellationToken) => inner.GetAsync(instanceId, cancellationToken);

    public Task<IReadOnlyList<JsonObject>> HistoryAsync(string instanceId, CancellationToken cancellationToken) => inner.HistoryAsync(instanceId, cancellationToken);

    public Task<InstanceOperation> RaiseEventAsync(string instanceId, string eventName, JsonObject? data, string? eventId, CancellationToken cancellationToken) =>
        inner.RaiseEventAsync(instanceId, eventName, data, eventId, cancellationToken);

    public Task<InstanceOperation> SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken) => inner.SuspendAsync(instanceId, reason, cancellationToken);

    public Task<InstanceOperation> ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken) => inner.ResumeAsync(instanceId, reason, cancellationToken);

    public Task<InstanceOperation> PurgeAsync(string instanceId, CancellationToken cancellationToken) => inner.PurgeAsync(instanceId, cancellationToken);

    public Task<InstancePage> QueryAsync(InstanceQuery query, CancellationToken cancellationToken) => inner.QueryAsync(query, cancellationToken);
}
