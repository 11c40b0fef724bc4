using System.Globalization;
using System.Text.Json;
using PxFunctions.Runtime;

namespace PxFunctions.Benchmarks;

/// <summary>What a stepper is started with: its timer period and the first due time (staggered across steppers).</summary>
internal sealed record StepperInput(int IntervalMs, DateTimeOffset FirstDue)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    public static StepperInput Parse(string? json) =>
        JsonSerializer.Deserialize<StepperInput>(json ?? "") ?? throw new FormatException("A stepper needs an input.");
}

/// <summary>
/// The benchmark's unit of work, one "step": the <c>tick</c> timer fires, the transition sends one message and
/// starts the next tick. Ticks stay on a fixed grid (<c>FirstDue + k × interval</c>) so a late tick does not delay
/// the next; a tick so late that its successor's slot has passed skips to the next free slot, as a schedule
/// trigger would, so lateness shows up as lateness rather than as an ever-growing backlog.
/// </summary>
/// <remarks>
/// The send's payload carries the tick's due time and the time the transition was applied
/// (<see cref="InstanceView.Now"/>), so the sink can measure lateness without any clock in the handler.
/// </remarks>
internal sealed class StepperHandler : IInstanceHandler
{
    public const string HandlerName = "bench-stepper";
    public const string Channel = "bench";
    private const string Tick = "tick";

    public string Name => HandlerName;

    public Transition Apply(InstanceView instance, InstanceEvent instanceEvent)
    {
        var input = StepperInput.Parse(instance.Input);
        var interval = TimeSpan.FromMilliseconds(input.IntervalMs);
        switch (instanceEvent.Kind)
        {
            case InstanceEventKind.Start:
                return new Transition("0", [new StartTimer(Tick, NextOnGrid(input.FirstDue, interval, instance.Now))]);
            case InstanceEventKind.Timer when instanceEvent.Name == Tick:
                var ticks = long.Parse(instance.State ?? "0", CultureInfo.InvariantCulture) + 1;
                return new Transition(
                    ticks.ToString(CultureInfo.InvariantCulture),
                    [
                        new SendMessage(Channel, Payload(instanceEvent.At, instance.Now)),
                        new StartTimer(Tick, NextOnGrid(instanceEvent.At + interval, interval, instance.Now)),
                    ]);
            default:
                return Transition.Unchanged(instance);
        }
    }

    /// <summary><paramref name="slot"/> if it is still ahead of <paramref name="now"/>, else the first later slot of the grid.</summary>
    public static DateTimeOffset NextOnGrid(DateTimeOffset slot, TimeSpan interval, DateTimeOffset now)
    {
        if (slot > now)
        {
            return slot;
        }

        var missed = (now - slot).Ticks / interval.Ticks + 1;
        return slot + TimeSpan.FromTicks(missed * interval.Ticks);
    }

    public static string Payload(DateTimeOffset due, DateTimeOffset applied) =>
        string.Create(CultureInfo.InvariantCulture, $"{due.UtcTicks} {applied.UtcTicks}");

    public static (DateTimeOffset Due, DateTimeOffset Applied) ParsePayload(string payload)
    {
        var parts = payload.Split(' ');
        return (
            new DateTimeOffset(long.Parse(parts[0], CultureInfo.InvariantCulture), TimeSpan.Zero),
            new DateTimeOffset(long.Parse(parts[1], CultureInfo.InvariantCulture), TimeSpan.Zero));
    }
}
