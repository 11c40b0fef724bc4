using System.Text.Json.Nodes;
using System.Xml;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Runtime;

namespace PxFunctions.Journeys.Simulation;

/// <summary>
/// A reply the simulated customer sends: to an ask step, some time after it was asked (<see cref="Step"/> +
/// <see cref="After"/>), or at a time from the start (<see cref="At"/>).
/// </summary>
public sealed record ScriptedReply(string Text, string? Step, TimeSpan After, TimeSpan? At, string Channel = "sms");

/// <summary>A business or order event at a time from the start (<c>delivered</c>, <c>reorder</c>, <c>refunded</c>).</summary>
public sealed record ScriptedEvent(string Name, TimeSpan At, JsonObject? Data);

/// <summary>One line of the timeline: what the customer would get or do, when, in which stage.</summary>
public sealed record TimelineEntry
{
    public required DateTimeOffset At { get; init; }

    /// <summary>Time since the journey started, ISO 8601 (<c>P3DT2H</c>).</summary>
    public required string Offset { get; init; }

    public required string Kind { get; init; }
    public string? Stage { get; init; }
    public string? Step { get; init; }
    public string? Channel { get; init; }
    public string? Class { get; init; }
    public string? Text { get; init; }
    public string? Subject { get; init; }
    public int? Segments { get; init; }
    public string? Detail { get; init; }
}

public sealed record SimulationResult(
    string JourneyId,
    int Version,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Status,
    string? Outcome,
    JsonNode? CustomStatus,
    IReadOnlyList<TimelineEntry> Timeline);

/// <summary>
/// Runs a journey in memory on a virtual clock: the same interpreter the runtime uses, timers honoured as the
/// runtime honours them (a restarted timer supersedes, a cancelled one never fires), replies and events injected
/// as scripted. Nothing is sent or stored. A year-long journey takes milliseconds.
/// </summary>
public static class JourneySimulator
{
    public const int MaxTransitions = 2_000;

    public static SimulationResult Run(
        JourneyDefinition definition,
        int version,
        JsonObject sample,
        IReadOnlyList<ScriptedReply> replies,
        IReadOnlyList<ScriptedEvent> events,
        DateTimeOffset start,
        TimeSpan horizon)
    {
        var interpreter = new JourneyInterpreter((id, v) => id == definition.Id ? definition : null);
        var input = new JourneyInput(
            definition.Id,
            version,
            Object(sample, "customer"),
            Object(sample, "order"),
            Object(sample, "product"),
            Object(sample, "brand"),
            Object(sample, "links")).ToJson();
        var instanceId = "simulation";
        var timeline = new List<TimelineEntry>();
        var timers = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var pendingReplies = replies.ToList();
        var scheduled = new List<(DateTimeOffset At, string Name, string? Data)>();
        scheduled.AddRange(events.Select(e => (start + e.At, e.Name, e.Data?.ToJsonString())));
        scheduled.AddRange(pendingReplies.Where(r => r.At is not null).Select(r => (start + r.At!.Value, JourneyInterpreter.Events.Reply, (string?)ReplyData(r))));
        pendingReplies.RemoveAll(r => r.At is not null);

        string? state = null;
        JsonNode? customStatus = null;
        string? outcome = null;
        var now = start;
        var transition = 0;

        void Apply(InstanceEvent e)
        {
            if (++transition > MaxTransitions)
            {
                throw new InvalidOperationException($"The simulation stopped after {MaxTransitions} transitions.");
            }

            var result = interpreter.Apply(new InstanceView(instanceId, state, input, now, new Dictionary<string, DateTimeOffset>(timers)), e);
            state = result.State;
            var stage = JourneyState.Parse(state)?.Stage;
            foreach (var effect in result.Effects)
            {
                switch (effect)
                {
                    case SendMessage send:
                        Record(send, stage);
                        break;
                    case StartTimer start:
                        timers[start.Name] = start.DueAt;
                        break;
                    case CancelTimer cancel:
                        timers.Remove(cancel.Name);
                        break;
                    case SetCustomStatus status:
                        customStatus = status.Json is null ? null : JsonNode.Parse(status.Json);
                        break;
                    case CompleteInstance complete:
                        outcome = (string?)JsonNode.Parse(complete.Output ?? "{}")?["outcome"];
                        timers.Clear();
                        timeline.Add(Entry("end", stage, null) with { Detail = outcome });
                        break;
                }
            }
        }

        void Record(SendMessage send, string? stage)
        {
            switch (send.Channel)
            {
                case JourneyChannels.Customer:
                    var message = OutboundMessage.Parse(send.Payload);
                    var channel = ChannelFor(message);
                    timeline.Add(Entry("message", message.Stage ?? stage, message.Step) with
                    {
                        Channel = channel ?? "none",
                        Class = message.Class,
                        Text = channel == "email" ? message.Email?.Text : message.Sms?.Text,
                        Subject = channel == "email" ? message.Email?.Subject : null,
                        Segments = channel == "sms" ? message.Sms?.Segments : null,
                        Detail = channel is null ? "no channel: the customer has no phone or email for " + string.Join("/", message.Channels) : message.Kind.ToString().ToLowerInvariant(),
                    });

                    // A scripted answer to this question arrives some time after it was asked.
                    if (message.Step is { } asked && pendingReplies.FirstOrDefault(r => r.Step == asked) is { } reply)
                    {
                        pendingReplies.Remove(reply);
                        scheduled.Add((now + reply.After, JourneyInterpreter.Events.Reply, ReplyData(reply)));
                    }

                    break;
                case JourneyChannels.Handoff:
                    var handoff = JsonNode.Parse(send.Payload)!;
                    timeline.Add(Entry("handoff", stage, null) with { Detail = $"{(string?)handoff["action"]}: {(string?)handoff["reason"]}" });
                    break;
                case JourneyChannels.Fact or JourneyChannels.Inbox:
                    var fact = JsonNode.Parse(send.Payload)!;
                    timeline.Add(Entry(send.Channel, stage, (string?)fact["step"]) with { Detail = $"{(string?)fact["fact"]} = {(string?)fact["value"]}" });
                    break;
            }
        }

        TimelineEntry Entry(string kind, string? stage, string? step) =>
            new() { At = now, Offset = XmlConvert.ToString(now - start), Kind = kind, Stage = stage, Step = step };

        Apply(new InstanceEvent(InstanceEventKind.Start, "start", InstanceEvent.StartName, input, start));
        while (outcome is null)
        {
            var nextTimer = timers.OrderBy(t => t.Value).Select(t => (At: t.Value, Name: t.Key)).FirstOrDefault();
            var nextEvent = scheduled.OrderBy(s => s.At).FirstOrDefault();
            var hasTimer = timers.Count > 0;
            var hasEvent = scheduled.Count > 0;
            if (!hasTimer && !hasEvent)
            {
                break;
            }

            var eventFirst = hasEvent && (!hasTimer || nextEvent.At <= nextTimer.At);
            var at = eventFirst ? nextEvent.At : nextTimer.At;
            if (at > start + horizon)
            {
                break;
            }

            now = at > now ? at : now;
            if (eventFirst)
            {
                scheduled.Remove(nextEvent);
                if (nextEvent.Name == JourneyInterpreter.Events.Reply)
                {
                    var data = JsonNode.Parse(nextEvent.Data!)!;
                    timeline.Add(Entry("reply", JourneyState.Parse(state)?.Stage, null) with { Channel = (string?)data["channel"], Text = (string?)data["text"] });
                }
                else
                {
                    timeline.Add(Entry("event", JourneyState.Parse(state)?.Stage, null) with { Detail = nextEvent.Name });
                }

                Apply(new InstanceEvent(InstanceEventKind.External, $"e{transition}", nextEvent.Name, nextEvent.Data, now));
            }
            else
            {
                timers.Remove(nextTimer.Name);
                Apply(new InstanceEvent(InstanceEventKind.Timer, $"t{transition}", nextTimer.Name, null, nextTimer.At));
            }
        }

        return new SimulationResult(definition.Id, version, start, now, outcome is null ? "Running" : "Completed", outcome, customStatus, timeline);
    }

    /// <summary>The channel the customer would get: the first of the message's preference that they can receive.</summary>
    private static string? ChannelFor(OutboundMessage message) =>
        message.Channels.FirstOrDefault(c => c == "sms" ? message.Customer.Phone is not null && message.Sms is not null : message.Customer.Email is not null && message.Email is not null);

    private static string ReplyData(ScriptedReply reply) => new JsonObject { ["text"] = reply.Text, ["channel"] = reply.Channel }.ToJsonString();

    private static JsonObject Object(JsonObject sample, string name) => sample[name] is JsonObject o ? (JsonObject)o.DeepClone() : [];
}
