using System.Text.Json;
using PxFunctions.Runtime;

namespace PxFunctions.Benchmarks;

/// <summary>What a waiting instance is started with.</summary>
internal sealed record WaiterInput(double WaitDays)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    public static WaiterInput Parse(string? json) =>
        JsonSerializer.Deserialize<WaiterInput>(json ?? "") ?? throw new FormatException("A waiter needs an input.");
}

/// <summary>
/// An instance that starts one long timer and waits (a renewal reminder a month out): the load every live journey
/// puts on the worker between its steps, which must be storage, not memory.
/// </summary>
internal sealed class WaiterHandler : IInstanceHandler
{
    public const string HandlerName = "bench-waiter";
    public const string Wake = "wake";

    public string Name => HandlerName;

    public Transition Apply(InstanceView instance, InstanceEvent instanceEvent) => instanceEvent.Kind switch
    {
        InstanceEventKind.Start => new Transition(
            """{"waiting":true}""",
            [new StartTimer(Wake, instance.Now + TimeSpan.FromDays(WaiterInput.Parse(instance.Input).WaitDays))]),
        InstanceEventKind.Timer when instanceEvent.Name == Wake => new Transition(instance.State, [new CompleteInstance(null)]),
        _ => Transition.Unchanged(instance),
    };
}
