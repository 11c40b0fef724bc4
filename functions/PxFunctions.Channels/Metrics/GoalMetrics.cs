using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Channels.Metrics;

/// <summary>
/// Goal records a journey keeps (<see cref="JourneyChannels.Goal"/>) as metrics: a goal step reached counts
/// <c>goals_reached</c>, and <c>reorders_reached</c> or <c>reviews_reached</c> for those events; a goal step whose
/// time passed counts <c>goals_missed</c>; an exit taken on a reorder or a review counts that event's metric only.
/// One event per instance and goal step (or exit): <c>goal:{instance}:{step}</c>, <c>goal:{instance}:exit:{event}</c>,
/// so the record activity run again, or a journey passing the same goal step twice, counts once.
/// </summary>
public static class GoalMetrics
{
    public const string Reorder = "reorder";
    public const string Review = "review";

    public static Task RecordAsync(MetricsStore metrics, string instanceId, TeamRecord record, CancellationToken cancellationToken) =>
        Of(instanceId, record) is { } metric ? metrics.RecordAsync(metric, cancellationToken) : Task.CompletedTask;

    public static MetricEvent? Of(string instanceId, TeamRecord record)
    {
        var byEvent = record.Reason switch
        {
            Reorder => "reorders_reached",
            Review => "reviews_reached",
            _ => null,
        };
        var counters = new List<(string, long)>();
        switch (record.Action)
        {
            case GoalAction.Reached:
                counters.Add(("goals_reached", 1));
                if (byEvent is not null)
                {
                    counters.Add((byEvent, 1));
                }

                break;
            case GoalAction.Missed:
                counters.Add(("goals_missed", 1));
                break;
            case GoalAction.Exit when byEvent is not null:
                counters.Add((byEvent, 1));
                break;
        }

        if (counters.Count == 0)
        {
            return null;
        }

        var id = record.Action == GoalAction.Exit ? $"goal:{instanceId}:exit:{record.Reason}" : $"goal:{instanceId}:{record.Step}";
        return MetricEvent.Of(id, record.At, record.JourneyId, [.. counters]);
    }
}
