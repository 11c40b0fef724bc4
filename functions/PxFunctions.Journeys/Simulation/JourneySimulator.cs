using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Templates;

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
        TimeSpan horizon,
        Action<JourneyEvent, JourneyTransition>? observe = null)
    {
        var input = new JourneyInput(
            definition.Id,
            version,
            Object(sample, "customer"),
            Object(sample, "order"),
            Object(sample, "product"),
            Object(sample, "brand"),
            Object(sample, "links"));
        var interpreter = new JourneyInterpreter((id, v) => id == definition.Id ? definition : null, JourneyContext.Of(input));
        var timeline = new List<TimelineEntry>();
        var timers = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var pendingReplies = replies.ToList();
        var scheduled = new List<(DateTimeOffset At, string Name, JsonObject Data)>();
        scheduled.AddRange(events.Select(e => (start + e.At, e.Name, (JsonObject?)e.Data?.DeepClone() ?? [])));
        scheduled.AddRange(pendingReplies.Where(r => r.At is not null).Select(r => (start + r.At!.Value, JourneyInterpreter.Events.Reply, ReplyData(r))));
        pendingReplies.RemoveAll(r => r.At is not null);

        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        JourneyState? state = null;
        JourneyStatus? customStatus = null;
        string? outcome = null;
        var now = start;
        var transition = 0;

        void Apply(JourneyEvent e)
        {
            if (++transition > MaxTransitions)
            {
                throw new InvalidOperationException($"The simulation stopped after {MaxTransitions} transitions.");
            }

            var result = interpreter.Apply(new JourneyView(state, now, new Dictionary<string, DateTimeOffset>(timers)), e);
            observe?.Invoke(e, result);
            state = result.State;
            customStatus = result.Status;
            foreach (var effect in result.Effects)
            {
                switch (effect)
                {
                    case SendToCustomer send:
                        Record(send.Message, e);
                        break;
                    case RecordForTeam team:
                        Keep(team.Record);
                        break;
                    case StartTimer startTimer:
                        timers[startTimer.Name] = startTimer.DueAt;
                        break;
                    case CancelTimer cancel:
                        timers.Remove(cancel.Name);
                        break;
                }
            }

            if (result.Outcome is { } ended)
            {
                outcome = ended.Outcome;
                timers.Clear();
                timeline.Add(Entry("end", state.Stage, null) with { Detail = outcome });
            }
        }

        void Record(MessageOrder order, JourneyEvent cause)
        {
            var text = order.TextRef is { } reference ? texts.GetValueOrDefault(reference) : null;
            var message = MessageRenderer.Render(definition, order, input, text);
            var channel = ChannelFor(message);
            timeline.Add(Entry("message", message.Stage ?? state?.Stage, message.Step) with
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
        }

        void Keep(TeamRecord record)
        {
            var value = record.Value ?? (record.TextRef is { } reference ? texts.GetValueOrDefault(reference) : null);
            var detail = record.Kind == JourneyChannels.Handoff ? $"{record.Action}: {record.Reason}" : $"{record.Fact} = {value}";
            timeline.Add(Entry(record.Kind, state?.Stage, record.Kind == JourneyChannels.Handoff ? null : record.Step) with { Detail = detail });
        }

        TimelineEntry Entry(string kind, string? stage, string? step) =>
            new() { At = now, Offset = XmlConvert.ToString(now - start), Kind = kind, Stage = stage, Step = step };

        Apply(JourneyEvent.Start(start));
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
                ReplyReading? reading = null;
                if (nextEvent.Name == JourneyInterpreter.Events.Reply)
                {
                    var text = (string?)nextEvent.Data["text"] ?? "";
                    timeline.Add(Entry("reply", state?.Stage, null) with { Channel = (string?)nextEvent.Data["channel"], Text = text });
                    reading = ReplyReader.Read(definition, state?.Step, state?.ConfirmingHandoff ?? false, text);
                }
                else
                {
                    timeline.Add(Entry("event", state?.Stage, null) with { Detail = nextEvent.Name });
                }

                // As live: the text is kept aside and the event carries its reference.
                var data = (JsonObject)nextEvent.Data.DeepClone();
                if ((string?)data["text"] is { } eventText)
                {
                    var reference = "t" + transition;
                    texts[reference] = eventText;
                    data.Remove("text");
                    data["ref"] = reference;
                }

                Apply(new JourneyEvent(JourneyEventKind.External, nextEvent.Name, data, now, reading));
            }
            else
            {
                timers.Remove(nextTimer.Name);
                Apply(JourneyEvent.Timer(nextTimer.Name, nextTimer.At));
            }
        }

        return new SimulationResult(definition.Id, version, start, now, outcome is null ? "Running" : "Completed", outcome, customStatus is null ? null : JsonSerializer.SerializeToNode(customStatus, StatusJson), timeline);
    }

    /// <summary>The channel the customer would get: the first of the message's preference that they can receive.</summary>
    private static string? ChannelFor(OutboundMessage message) =>
        message.Channels.FirstOrDefault(c => c == "sms" ? message.Customer.Phone is not null && message.Sms is not null : message.Customer.Email is not null && message.Email is not null);

    private static JsonObject ReplyData(ScriptedReply reply) => new() { ["text"] = reply.Text, ["channel"] = reply.Channel };

    private static readonly JsonSerializerOptions StatusJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };

    private static JsonObject Object(JsonObject sample, string name) => sample[name] is JsonObject o ? (JsonObject)o.DeepClone() : [];
}
