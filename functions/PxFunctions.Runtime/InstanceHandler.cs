namespace PxFunctions.Runtime;

/// <summary>
/// The logic of one kind of instance (an ownership journey), as a pure transition
/// <c>(state, event, now) → (new state, effects)</c>.
/// </summary>
/// <remarks>
/// Rules an implementation must keep, because the runtime may call <see cref="Apply"/> more than once for the
/// same event (a conflicting concurrent commit discards the first result) and commits only one result:
/// <list type="bullet">
/// <item>No I/O, no clock, no randomness: everything comes from the arguments (<see cref="InstanceView.Now"/> is the time).</item>
/// <item>State is a string the handler owns (JSON, typically) of at most <see cref="InstanceLimits.MaxStateChars"/> characters.</item>
/// <item>At most <see cref="InstanceLimits.MaxEffectsPerTransition"/> effects; <see cref="CompleteInstance"/> or <see cref="FailInstance"/>, if present, last.</item>
/// <item>Throwing fails the instance (status Failed with the exception as the reason): a deterministic error would only repeat.</item>
/// </list>
/// </remarks>
public interface IInstanceHandler
{
    /// <summary>The name instances of this kind are started with.</summary>
    string Name { get; }

    Transition Apply(InstanceView instance, InstanceEvent instanceEvent);
}

/// <summary>
/// A handler that needs data it cannot carry in its state, such as the published journey definition an instance
/// pinned. <see cref="PrepareAsync"/> runs before every <see cref="IInstanceHandler.Apply"/> and may do I/O, but only
/// to load what is immutable once written (so <c>Apply</c> stays a function of its arguments). An exception here is
/// a transient failure: the message is retried; it does not fail the instance.
/// </summary>
public interface IPreparingInstanceHandler : IInstanceHandler
{
    ValueTask PrepareAsync(InstanceView instance, InstanceEvent instanceEvent, CancellationToken cancellationToken);
}

/// <summary>What a handler sees of its instance.</summary>
public sealed record InstanceView(
    string InstanceId,
    string? State,
    string? Input,
    DateTimeOffset Now,
    IReadOnlyDictionary<string, DateTimeOffset> Timers);

/// <summary>What happened: the start, an external event, or one of the instance's timers firing.</summary>
public sealed record InstanceEvent(InstanceEventKind Kind, string Id, string Name, string? Data, DateTimeOffset At)
{
    public const string StartName = "$start";
}

public enum InstanceEventKind
{
    /// <summary>The first event of every instance; <see cref="InstanceEvent.Data"/> is the input.</summary>
    Start,

    /// <summary>An event raised from outside (a reply, an order update).</summary>
    External,

    /// <summary>A timer the instance started has come due; <see cref="InstanceEvent.Name"/> is the timer's name.</summary>
    Timer,
}

/// <summary>The result of applying one event.</summary>
public sealed record Transition(string? State, IReadOnlyList<InstanceEffect> Effects)
{
    public static Transition Unchanged(InstanceView instance) => new(instance.State, []);
}

/// <summary>Limits the runtime enforces, so an instance's storage stays bounded.</summary>
public static class InstanceLimits
{
    /// <summary>Table properties hold 64 KiB: 32K UTF-16 characters.</summary>
    public const int MaxStateChars = 32_000;

    /// <summary>One entity-group transaction holds 100 operations; leave room for the state and markers.</summary>
    public const int MaxEffectsPerTransition = 50;

    public const int MaxInstanceIdLength = 200;

    public const int MaxTimers = 50;
}
