using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
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

    /// <summary>Messages: when the journey asked for it (<see cref="At"/> is when it would really go, or was suppressed).</summary>
    public DateTimeOffset? RequestedAt { get; init; }

    /// <summary>Messages: <c>sent</c>, <c>held</c> (still waiting when the simulation ends) or <c>suppressed</c>.</summary>
    public string? Status { get; init; }

    /// <summary>Messages: why it was held, suppressed, or went on another channel than the first it prefers.</summary>
    public string? Reason { get; init; }
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
/// as scripted. Every message meets the live sender's rules (<see cref="SimulationRules"/>): consent per class and
/// channel, quiet hours, the caps. A held message blocks the journey as live (the orchestration waits on a durable
/// timer and asks again): the clock moves to the hold's end, and timers and events that came due meanwhile are taken
/// late. A reply scripted to a question comes only if the question was sent. Nothing is sent or stored. A year-long
/// journey takes milliseconds.
/// </summary>
public static class JourneySimulator
{
    public const int MaxTransitions = 2_000;

    /// <summary>Times one message may be held and asked again before the journey goes on without it (as live).</summary>
    public const int MaxHolds = 100;

    /// <param name="knowledge">The knowledge bases that serve the journey: replies are then read as live ones are; null reads them by the journey's keywords only.</param>
    /// <param name="rules">
    /// The send rules and the customer's consent; null shows every message the moment the journey orders it, on the
    /// first channel the customer has an address for (what a journey orders, for the lifetime benchmark's counts).
    /// </param>
    public static async Task<SimulationResult> RunAsync(
        JourneyDefinition definition,
        int version,
        JsonObject sample,
        IReadOnlyList<ScriptedReply> replies,
        IReadOnlyList<ScriptedEvent> events,
        DateTimeOffset start,
        TimeSpan horizon,
        SimulationRules? rules,
        Action<JourneyEvent, JourneyTransition>? observe = null,
        Understanding.KnowledgeIndex? knowledge = null,
        CancellationToken cancellationToken = default)
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
        var delivered = new List<SimulatedDelivery>();
        var lastReplies = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var blocked = false;

        async Task ApplyAsync(JourneyEvent e)
        {
            if (++transition > MaxTransitions)
            {
                throw new InvalidOperationException($"The simulation stopped after {MaxTransitions} transitions.");
            }

            if (e is { Kind: JourneyEventKind.External, Name: JourneyInterpreter.Events.Reply } && (string?)e.Data["channel"] is { } replyChannel)
            {
                lastReplies[replyChannel] = now;
            }

            var result = interpreter.Apply(new JourneyView(state, now, new Dictionary<string, DateTimeOffset>(timers)), e);
            observe?.Invoke(e, result);
            state = result.State;
            customStatus = result.Status;
            foreach (var effect in result.Effects)
            {
                if (blocked)
                {
                    // A message held past the horizon: live, the orchestration is still waiting to send it.
                    return;
                }

                switch (effect)
                {
                    case SendToCustomer send:
                        await RecordAsync(send.Message);
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

        async Task RecordAsync(MessageOrder order)
        {
            var text = order.TextRef is { } reference ? texts.GetValueOrDefault(reference) : null;
            var answer = Knowledge.KnowledgePaths.TryParse(order.Template, out var baseId, out _, out var entryId)
                ? knowledge?.Bases.FirstOrDefault(b => b.Base.Id == baseId)?.Base.Entry(entryId)?.Templates(order.Template)
                : null;
            var message = MessageRenderer.Render(definition, order, input, text, answer);
            var requested = now;
            var (status, channel, reason, goesAt) = rules is null ? Unchecked(message, now) : await DecideAsync(rules, message, requested);

            // A suppressed message shows what it would have said on the first channel it has content for.
            var shown = channel ?? (rules is null ? null : message.Channels.FirstOrDefault(c => Shown(message, c).Text is not null));
            var (shownText, shownSubject) = shown is null ? (null, null) : Shown(message, shown);
            timeline.Add(Entry("message", message.Stage ?? state?.Stage, message.Step) with
            {
                At = goesAt,
                Offset = XmlConvert.ToString(goesAt - start),
                Channel = channel ?? "none",
                Class = message.Class,
                Text = shownText,
                Subject = shownSubject,
                Segments = shown == ChannelNames.Sms ? message.Sms?.Segments : null,
                Detail = rules is null && channel is null ? "no channel: the customer has no phone or email for " + string.Join("/", message.Channels) : message.Kind.ToString().ToLowerInvariant(),
                RequestedAt = rules is null ? null : requested,
                Status = rules is null ? null : status,
                Reason = reason,
            });
            if (status == "sent" && channel is not null)
            {
                delivered.Add(new SimulatedDelivery(message.Kind, message.Class, channel, now));
            }

            // A scripted answer to this question arrives some time after the customer got it.
            if (status == "sent" && message.Step is { } asked && pendingReplies.FirstOrDefault(r => r.Step == asked) is { } reply)
            {
                pendingReplies.Remove(reply);
                scheduled.Add((now + reply.After, JourneyInterpreter.Events.Reply, ReplyData(reply)));
            }
        }

        // Asks the rules, and while they hold the message moves the clock to the hold's end and asks again (as the
        // orchestration does on its durable timer). A hold past the horizon leaves the journey waiting there.
        async Task<(string Status, string? Channel, string? Reason, DateTimeOffset At)> DecideAsync(SimulationRules checks, OutboundMessage message, DateTimeOffset requested)
        {
            var holds = new List<string>();
            for (var attempt = 0; ; attempt++)
            {
                var verdict = await checks.Dispatch.DecideAsync(new PreviewedSend(message, requested, now, checks.Consent, delivered) { LastReplies = lastReplies }, cancellationToken);
                if (verdict is not { Status: SendStatus.Held, HeldUntil: { } until })
                {
                    if (verdict.Reason is { } why)
                    {
                        holds.Add(why);
                    }

                    return (verdict.Status == SendStatus.Sent ? "sent" : "suppressed", verdict.Channel, holds.Count == 0 ? null : string.Join("; then ", holds), now);
                }

                var reason = verdict.Reason ?? "held";
                if (!holds.Contains(reason))
                {
                    holds.Add(reason);
                }

                if (until > start + horizon)
                {
                    blocked = true;
                    return ("held", verdict.Channel, string.Join("; then ", holds), until);
                }

                // Asked again at the hold's end; a cap counts a send still at the very end of its window, so a hold that
                // ends now is asked again after the orchestration's timer margin, as live.
                now = until > now ? until : now + OwnershipJourney.TimerMargin;
                if (attempt >= MaxHolds)
                {
                    // As live: the journey goes on without it; the message stays held in the log.
                    return ("held", verdict.Channel, string.Join("; then ", holds) + $"; given up after {MaxHolds} holds", now);
                }
            }
        }

        void Keep(TeamRecord record)
        {
            var value = record.Value ?? (record.TextRef is { } reference ? texts.GetValueOrDefault(reference) : null);
            var detail = record.Kind is JourneyChannels.Handoff or JourneyChannels.Goal ? $"{record.Action}: {record.Reason}" : $"{record.Fact} = {value}";
            timeline.Add(Entry(record.Kind, state?.Stage, record.Kind == JourneyChannels.Handoff ? null : record.Step) with { Detail = detail });
        }

        TimelineEntry Entry(string kind, string? stage, string? step) =>
            new() { At = now, Offset = XmlConvert.ToString(now - start), Kind = kind, Stage = stage, Step = step };

        await ApplyAsync(JourneyEvent.Start(start));
        while (outcome is null && !blocked)
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
                    reading = knowledge is null
                        ? ReplyReader.Read(definition, state?.Step, state?.ConfirmingHandoff ?? false, text)
                        : Durable.ReadJourneyReplyActivity.Read(definition, state?.Step, state?.ConfirmingHandoff ?? false, text, (string?)input.Customer["locale"], knowledge);
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

                await ApplyAsync(new JourneyEvent(JourneyEventKind.External, nextEvent.Name, data, now, reading));
            }
            else
            {
                timers.Remove(nextTimer.Name);
                await ApplyAsync(JourneyEvent.Timer(nextTimer.Name, nextTimer.At));
            }
        }

        return new SimulationResult(definition.Id, version, start, now, outcome is null ? "Running" : "Completed", outcome, customStatus is null ? null : JsonSerializer.SerializeToNode(customStatus, StatusJson), timeline);
    }

    /// <summary>Without rules: the first channel of the message's preference that the customer can receive.</summary>
    private static (string Status, string? Channel, string? Reason, DateTimeOffset At) Unchecked(OutboundMessage message, DateTimeOffset now) =>
        ("sent", message.Channels.FirstOrDefault(c => Shown(message, c).Text is not null && c switch
        {
            ChannelNames.Sms or ChannelNames.WhatsApp => message.Customer.Phone is not null,
            ChannelNames.Email => message.Customer.Email is not null,
            _ => message.Customer.Id is not null,
        }), null, now);

    /// <summary>What the message says on a channel (a WhatsApp template as its name and parameters), and an email's subject.</summary>
    private static (string? Text, string? Subject) Shown(OutboundMessage message, string channel) => channel switch
    {
        ChannelNames.Sms => (message.Sms?.Text, null),
        ChannelNames.Email => (message.Email?.Text, message.Email?.Subject),
        ChannelNames.WebChat => (message.WebChat?.Text, null),
        _ => (message.WhatsApp?.Text ?? (message.WhatsApp?.Template is { } t ? $"[template {t.Name} ({t.Language})] {string.Join(" | ", t.Parameters)}" : null), null),
    };

    private static JsonObject ReplyData(ScriptedReply reply) => new() { ["text"] = reply.Text, ["channel"] = reply.Channel };

    private static readonly JsonSerializerOptions StatusJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };

    private static JsonObject Object(JsonObject sample, string name) => sample[name] is JsonObject o ? (JsonObject)o.DeepClone() : [];
}
