using System.Text.Json;
using System.Text.Json.Nodes;

namespace PxFunctions.Runtime;

/// <summary>
/// A tiny handler that exercises every effect, for tests, benchmarks and as an example of the contract.
/// Input: <c>{"intervalSeconds": 86400, "repeat": 3, "channel": "sms"}</c>. Each "tick" timer sends a message and
/// starts the next tick until <c>repeat</c> sends were made, then completes. External events: <c>send</c> (data =
/// text), <c>cancel</c> (cancels the tick), <c>restart</c> (data = seconds until the next tick), <c>finish</c>,
/// <c>fail</c> (throws, to show a failing handler); any other name is only recorded in the state's
/// <c>applied</c> list, in the order applied.
/// </summary>
public sealed class SampleHandler : IInstanceHandler
{
    public const string HandlerName = "sample";
    private const string Tick = "tick";

    public string Name => HandlerName;

    public Transition Apply(InstanceView instance, InstanceEvent instanceEvent)
    {
        var state = instance.State is null ? new JsonObject() : JsonNode.Parse(instance.State)!.AsObject();
        var input = JsonNode.Parse(instance.Input ?? "{}")!.AsObject();
        var interval = TimeSpan.FromSeconds((double?)input["intervalSeconds"] ?? 60);
        var repeat = (int?)input["repeat"] ?? 1;
        var channel = (string?)input["channel"] ?? "sms";
        var applied = state["applied"] as JsonArray ?? [];
        state["applied"] = applied;
        applied.Add(instanceEvent.Kind == InstanceEventKind.External ? instanceEvent.Name + ":" + instanceEvent.Id : instanceEvent.Name);
        var effects = new List<InstanceEffect>();

        switch (instanceEvent.Kind, instanceEvent.Name)
        {
            case (InstanceEventKind.Start, _):
                effects.Add(new SetCustomStatus("""{"stage":"waiting"}"""));
                if (repeat > 0)
                {
                    effects.Add(new StartTimer(Tick, instance.Now + interval));
                }

                break;
            case (InstanceEventKind.Timer, Tick):
                var sent = ((int?)state["sent"] ?? 0) + 1;
                state["sent"] = sent;
                effects.Add(new SendMessage(channel, $"tick {sent} of {repeat}"));
                effects.Add(sent < repeat ? new StartTimer(Tick, instance.Now + interval) : new CompleteInstance($$"""{"sent":{{sent}}}"""));
                break;
            case (InstanceEventKind.External, "send"):
                effects.Add(new SendMessage(channel, instanceEvent.Data ?? ""));
                break;
            case (InstanceEventKind.External, "cancel"):
                effects.Add(new CancelTimer(Tick));
                break;
            case (InstanceEventKind.External, "restart"):
                effects.Add(new StartTimer(Tick, instance.Now + TimeSpan.FromSeconds(double.Parse(instanceEvent.Data ?? "60", System.Globalization.CultureInfo.InvariantCulture))));
                break;
            case (InstanceEventKind.External, "finish"):
                effects.Add(new CompleteInstance("""{"finished":true}"""));
                break;
            case (InstanceEventKind.External, "fail"):
                throw new InvalidOperationException("asked to fail");
        }

        return new Transition(state.ToJsonString(), effects);
    }

    /// <summary>The <c>applied</c> list of a sample instance's state.</summary>
    public static IReadOnlyList<string> Applied(string? state) =>
        state is null ? [] : JsonSerializer.Deserialize<JsonObject>(state)?["applied"]?.AsArray().Select(n => (string)n!).ToList() ?? [];
}
