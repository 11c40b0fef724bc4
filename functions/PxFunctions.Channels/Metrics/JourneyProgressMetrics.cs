using PxFunctions.Journeys.Durable;

namespace PxFunctions.Channels.Metrics;

/// <summary>
/// A journey's progress as PX metrics: each step reached is a funnel count under
/// <c>reached:{instance}:{version}:{step}</c> on the day it was reached, the outcome one count under
/// <c>outcome:{instance}</c> on the day the journey ended. The orchestrator hands each step on once per instance;
/// the ids make a repeated activity (or a progress handed on twice) count once. All of one call go in as few
/// transactions as their days allow (usually one: two reads and one write).
/// </summary>
public sealed class JourneyProgressMetrics(MetricsStore metrics) : IJourneyProgress
{
    public static string OutcomeId(string instanceId) => "outcome:" + instanceId;

    public async Task RecordAsync(string instanceId, JourneyProgress progress, CancellationToken cancellationToken)
    {
        var events = progress.Reached
            .Select(r => MetricEvent.Reached($"reached:{instanceId}:{r.Version}:{r.Step}", r.At, progress.JourneyId, r.Version, r.Stage, r.Step))
            .ToList();
        if (progress is { Outcome: { } outcome, EndedAt: { } endedAt })
        {
            events.Add(MetricEvent.Outcome(OutcomeId(instanceId), endedAt, progress.JourneyId, outcome));
        }

        if (events.Count > 0)
        {
            await metrics.RecordAsync(events, cancellationToken);
        }
    }
}
