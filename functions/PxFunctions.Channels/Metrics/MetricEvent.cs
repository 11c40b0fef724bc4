namespace PxFunctions.Channels.Metrics;

/// <summary>
/// Something that happened, counted once: <see cref="Id"/> is the event's own identity (a message's effect id, a
/// provider's event id, an instance id), so a handler that runs twice records the same id and is counted once.
/// <see cref="Counters"/> (column names, <see cref="MetricColumns"/>) are the amounts added to the day's aggregate rows (all journeys, and the journey's).
/// Ids and amounts only: no address, name or text of a customer ever reaches an aggregate.
/// </summary>
public sealed record MetricEvent(string Id, DateTimeOffset At, string? Journey, IReadOnlyDictionary<string, long> Counters)
{
    public static MetricEvent One(string id, DateTimeOffset at, string? journey, string counter) =>
        new(id, at, journey, new Dictionary<string, long> { [MetricColumns.Counter(counter)] = 1 });

    /// <summary>One of a counter kept per channel (<see cref="MetricDefinitions.PerChannel"/>): its total and its part for the channel.</summary>
    public static MetricEvent OnChannel(string id, DateTimeOffset at, string? journey, string counter, string channel) =>
        Of(id, at, journey, (counter, 1), (MetricDefinitions.ForChannel(counter, channel), 1));

    /// <summary>A journey reached a step: the funnel's counter for that version, stage and step.</summary>
    public static MetricEvent Of(string id, DateTimeOffset at, string? journey, params (string Counter, long Amount)[] counters) =>
        new(id, at, journey, counters.ToDictionary(c => MetricColumns.Counter(c.Counter), c => c.Amount));

    public static MetricEvent Reached(string id, DateTimeOffset at, string journey, int version, string? stage, string step) =>
        new(id, at, journey, new Dictionary<string, long> { [MetricColumns.Funnel(version, stage ?? "", step)] = 1 });

    public static MetricEvent Outcome(string id, DateTimeOffset at, string journey, string outcome) =>
        new(id, at, journey, new Dictionary<string, long> { [MetricColumns.Outcome(outcome)] = 1 });
}
