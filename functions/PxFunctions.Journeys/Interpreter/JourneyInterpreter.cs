using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Templates;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>
/// Walks a journey definition as a pure transition: from the instance's state and one event, it runs steps until
/// one waits (a timer, a reply, a goal, an agent) or the journey ends, and returns the new state and the effects
/// (messages to send, records to keep, timers) with the custom status and, at the end, the outcome. It reads
/// definitions only through <paramref name="definitions"/>, which must return published (immutable) versions, and
/// the purchase only through <paramref name="context"/>, so the same inputs always give the same transition: the
/// orchestrator can replay it. Nothing it produces holds personal data (see <see cref="JourneyContext"/>).
/// </summary>
public sealed partial class JourneyInterpreter(Func<string, int, JourneyDefinition?> definitions, JourneyContext context)
{
    private readonly Func<string, int, JourneyDefinition?> _definitions = definitions;

    /// <summary>The one timer of the current step (wait, ask timeout, goal deadline, agent hand-back, delivery fallback).</summary>
    public const string StepTimer = "step";

    /// <summary>The end of a pause while a person handles a conversation that a reply started.</summary>
    public const string PauseTimer = "pause";

    /// <summary>Steps one event may run through before the journey is judged to be looping.</summary>
    public const int MaxStepsPerEvent = 40;

    /// <summary>Event names the interpreter understands; any other name is a business event for goals and exits.</summary>
    public static class Events
    {
        public const string Reply = "reply";
        public const string Delivered = "delivered";
        public const string HandoffClosed = "handoffClosed";
        public const string AgentReply = "agentReply";
        public const string Migrate = "$migrate";
    }

    /// <summary>The event names a journey on <paramref name="definition"/> acts on (the built-in ones, goals and exits).</summary>
    public static IReadOnlyList<string> EventNames(JourneyDefinition definition) =>
        new[] { Events.Reply, Events.Delivered, Events.HandoffClosed, Events.AgentReply, Events.Migrate }
            .Concat(definition.Steps.OfType<GoalStep>().Select(g => g.Event))
            .Concat(definition.Exits.Select(e => e.On))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    public JourneyTransition Apply(JourneyView instance, JourneyEvent journeyEvent)
    {
        var state = instance.State;
        var definition = Definition(state?.JourneyId ?? context.JourneyId, state?.Version ?? context.Version);
        var run = new Run(this, definition, context, state ?? NewState(definition, context), instance.Now, instance.Timers);
        switch (journeyEvent.Kind)
        {
            case JourneyEventKind.Start:
                run.Start(journeyEvent.At);
                break;
            case JourneyEventKind.Timer:
                run.OnTimer(journeyEvent.Name, journeyEvent.At);
                break;
            default:
                run.OnEvent(journeyEvent.Name, journeyEvent.Data, journeyEvent.Reading, journeyEvent.At);
                break;
        }

        return run.Finish();
    }

    private JourneyDefinition Definition(string id, int version) =>
        _definitions(id, version) ?? throw new InvalidOperationException($"Journey '{id}' version {version} is not published.");

    private static JourneyState NewState(JourneyDefinition definition, JourneyContext context) => new()
    {
        JourneyId = definition.Id,
        Version = context.Version,
        Stage = definition.Stages.Count > 0 ? definition.Stages[0] : null,
        DeliveredAt = JourneyInput.Date(context.Order["delivered_at"]),
    };

    /// <summary>One transition in progress: the state as it changes and the effects so far.</summary>
    private sealed class Run(JourneyInterpreter owner, JourneyDefinition definition, JourneyContext input, JourneyState state, DateTimeOffset now, IReadOnlyDictionary<string, DateTimeOffset> timers)
    {
        private readonly List<JourneyEffect> _effects = [];
        private readonly List<StepReached> _reached = [];
        private JourneyDefinition _definition = definition;
        private JourneyState _state = state;
        private string? _outcome;

        public void Start(DateTimeOffset at)
        {
            if (_definition.Trigger.Event == TriggerEvent.Delivered && _state.DeliveredAt is null)
            {
                // Many carriers never report delivery: assume it some days after fulfilment unless a report comes first.
                var fulfilled = JourneyInput.Date(input.Order["fulfilled_at"]) ?? at;
                var assumed = fulfilled.AddDays(_definition.Trigger.DeliveryFallbackDays);
                if (assumed > now)
                {
                    Wait(WaitingFor.Delivery, null, assumed);
                    return;
                }

                _state = _state with { DeliveredAt = assumed };
            }

            RunFrom(_definition.Steps[0].Id);
        }

        public void OnTimer(string name, DateTimeOffset due)
        {
            if (name == PauseTimer)
            {
                Resume();
                return;
            }

            if (_state.PausedUntil is not null)
            {
                // A person has the conversation: act on the step's timer when they hand it back.
                _state = _state with { DeferredTimer = true };
                return;
            }

            StepTimerFired(due);
        }

        private void StepTimerFired(DateTimeOffset due)
        {
            var step = _state.Step is { } id ? _definition.Step(id) : null;
            switch (_state.Waiting)
            {
                case WaitingFor.Delivery:
                    _state = _state with { DeliveredAt = due };
                    RunFrom(_definition.Steps[0].Id);
                    break;
                case WaitingFor.Reply when step is AskStep ask:
                    RunFrom(ask.NoReply ?? ask.Next);
                    break;
                case WaitingFor.Goal when step is GoalStep goal:
                    Record(JourneyChannels.Goal, GoalAction.Missed, goal.Event, step: goal.Id);
                    RunFrom(goal.Missed ?? goal.Next);
                    break;
                case WaitingFor.Timer or WaitingFor.Agent when step is not null:
                    RunFrom(step.Next);
                    break;
            }
        }

        public void OnEvent(string name, JsonObject data, ReplyReading? reading, DateTimeOffset at)
        {
            switch (name)
            {
                case Events.Reply:
                    OnReply(reading ?? ReplyReading.Nothing, (string?)data["channel"], (string?)data["ref"], at);
                    return;
                case Events.Delivered:
                    OnDelivered(JourneyInput.Date(data["deliveredAt"]) ?? at);
                    return;
                case Events.HandoffClosed:
                    OnHandoffClosed();
                    return;
                case Events.AgentReply when (string?)data["ref"] is { } agentText:
                    Send(OutboundKind.Agent, MessageClass.Service, null, BuiltInTemplates.Agent, AgentChannels((string?)data["channel"] ?? LastCustomerChannel()), textRef: agentText);
                    return;
                case Events.Migrate:
                    Migrate(data);
                    return;
            }

            var step = _state.Step is { } id ? _definition.Step(id) : null;
            if (_state.Waiting == WaitingFor.Goal && step is GoalStep goal && goal.Event == name)
            {
                // Kept for the team and counted (reorders and reviews reached) by the record activity, outside the orchestration.
                Record(JourneyChannels.Goal, GoalAction.Reached, goal.Event, at: at, step: goal.Id);
                Cancel();
                RunFrom(goal.Reached ?? goal.Next);
                return;
            }

            if (_definition.Exits.FirstOrDefault(e => e.On == name) is { } exit)
            {
                Record(JourneyChannels.Goal, GoalAction.Exit, name, at: at);
                Cancel();
                if (exit.Outcome is { } outcome)
                {
                    Complete(outcome);
                }
                else
                {
                    _state = _state with { PausedUntil = null, DeferredTimer = false };
                    RunFrom(exit.Goto);
                }
            }
        }

        private void OnDelivered(DateTimeOffset deliveredAt)
        {
            if (_state.Waiting == WaitingFor.Delivery)
            {
                _state = _state with { DeliveredAt = deliveredAt };
                Cancel();
                RunFrom(_definition.Steps[0].Id);
            }
            else if (_state.DeliveredAt is null)
            {
                _state = _state with { DeliveredAt = deliveredAt };
            }
        }

        private void OnReply(ReplyReading reading, string? channel, string? reference, DateTimeOffset at)
        {
            _state = _state with { LastChannel = channel ?? _state.LastChannel };
            if (_state.PausedUntil is not null || _state.Waiting == WaitingFor.Agent)
            {
                // A person has the conversation: everything the customer says goes to their ticket.
                Record(JourneyChannels.Handoff, HandoffAction.CustomerReply, "customer replied", textRef: reference, at: at);
                return;
            }

            if (_state.ConfirmingHandoff)
            {
                _state = _state with { ConfirmingHandoff = false };
                if (reading.Confirm == "yes")
                {
                    Pause("customer asked for a person");
                    return;
                }

                if (reading.Confirm is not null)
                {
                    return;
                }
            }

            var step = _state.Step is { } id ? _definition.Step(id) : null;
            var answer = _state.Waiting == WaitingFor.Reply && step is AskStep ? reading.Answer : null;
            if (answer is null && reading.WantsPerson)
            {
                _state = _state with { ConfirmingHandoff = true };
                Send(OutboundKind.HandoffConfirm, MessageClass.Service, null, _definition.Replies.HandoffConfirm?.Path ?? BuiltInTemplates.HandoffConfirm, null);
                return;
            }

            if (answer is null && reading.Decision == Understanding.ReplyDecisions.Handoff)
            {
                // A complaint, an upset customer, something only a person may handle, or nothing that answers it
                // surely: say a person will answer (the entry's own words when it has them) and hand over.
                Send(OutboundKind.Acknowledgement, MessageClass.Service, null, reading.Knowledge ?? BuiltInTemplates.HandoffAcknowledge, null, locale: reading.Locale);
                Pause(reading.Reason ?? "needs a person");
                return;
            }

            if (_state.Waiting == WaitingFor.Reply && step is AskStep question)
            {
                if (answer is not null)
                {
                    Answered(question, answer, reading.AnswerNumber ?? 0, reference, at);
                    return;
                }

                if (reading.Knowledge is { } known)
                {
                    // A question instead of an answer: answer it from the knowledge base and keep waiting.
                    Send(OutboundKind.Knowledge, MessageClass.Service, null, known, null, locale: reading.Locale);
                    return;
                }

                if (reading.Faq is { } faq)
                {
                    // A question instead of an answer: answer it and keep waiting for the answer.
                    Send(OutboundKind.Faq, MessageClass.Service, null, faq, null);
                    return;
                }

                Cancel();
                RunFrom(question.Unrecognised ?? question.Next);
                return;
            }

            if (reading.Knowledge is { } knowledge)
            {
                Send(OutboundKind.Knowledge, MessageClass.Service, null, knowledge, null, locale: reading.Locale);
                return;
            }

            if (reading.Faq is { } entry)
            {
                Send(OutboundKind.Faq, MessageClass.Service, null, entry, null);
                return;
            }

            Record(JourneyChannels.Inbox, null, null, fact: "reply", textRef: reference, at: at);
        }

        private void Answered(AskStep ask, string answer, int number, string? reference, DateTimeOffset at)
        {
            if (ask.Record is { } fact)
            {
                _state.Answers[fact] = ask.Expect == AnswerKind.Rating ? JsonValue.Create(number) : JsonValue.Create(answer);
                Record(JourneyChannels.Fact, null, null, fact: fact, value: answer, textRef: reference, at: at, step: ask.Id, askVersion: _state.Version);
            }

            var option = ask.Options.FirstOrDefault(o => o.Value == answer);
            var target = ask.Expect is AnswerKind.Rating or AnswerKind.YesNo
                ? ask.On.FirstOrDefault(b => b.Low <= number && number <= b.High)?.Goto
                : option?.Goto;
            Cancel();
            RunFrom(target ?? ask.Next);
        }

        private void OnHandoffClosed()
        {
            if (_state.PausedUntil is not null)
            {
                Closed();
                Resume();
            }
            else if (_state.Waiting == WaitingFor.Agent && _state.Step is { } id && _definition.Step(id) is { } step)
            {
                Closed();
                Cancel();
                RunFrom(step.Next);
            }
        }

        /// <summary>
        /// An agent closed the open handoff: a record of it (with when it opened), once, since the handoff is then
        /// no longer open and a second close finds nothing to close. A handoff opened before its time was kept
        /// (an instance older than <see cref="JourneyState.HandoffAt"/>) is closed without a record.
        /// </summary>
        private void Closed()
        {
            if (_state.HandoffAt is { } opened)
            {
                Record(JourneyChannels.Handoff, HandoffAction.Closed, "closed by an agent", since: opened);
                _state = _state with { HandoffAt = null };
            }
        }

        private void Pause(string reason)
        {
            var until = now + TimeSpan.FromHours(24);
            _state = _state with { PausedUntil = until, HandoffAt = now };
            Record(JourneyChannels.Handoff, HandoffAction.Open, reason);
            _effects.Add(new StartTimer(PauseTimer, until));
        }

        private void Resume()
        {
            var deferred = _state.DeferredTimer;
            _state = _state with { PausedUntil = null, DeferredTimer = false, HandoffAt = null };
            _effects.Add(new CancelTimer(PauseTimer));
            if (deferred)
            {
                StepTimerFired(now);
            }
        }

        private void Migrate(JsonObject data)
        {
            var version = (int?)data["version"];
            var target = version is { } v ? owner._definitions(_definition.Id, v) : null;
            if (target is null)
            {
                return;
            }

            if (_state.Step is null)
            {
                _definition = target;
                _state = _state with { Version = version!.Value };
                return;
            }

            var mapped = (data["steps"] as JsonObject)?[_state.Step] is JsonValue m && m.TryGetValue<string>(out var s) ? s : null;
            if (mapped is null || target.Step(mapped) is not { } newStep)
            {
                return; // The admin API refuses mappings that leave a waiting step out; never guess.
            }

            var sameKind = _definition.Step(_state.Step)?.Type == newStep.Type;
            _definition = target;
            _state = _state with { Version = version!.Value };
            if (sameKind)
            {
                _state = _state with { Step = mapped };
                _reached.Add(new StepReached(_state.Version, newStep.Stage ?? _state.Stage, mapped));
            }
            else
            {
                Cancel();
                RunFrom(mapped);
            }
        }

        /// <summary>Runs steps from <paramref name="id"/> until one waits or the journey ends.</summary>
        private void RunFrom(string? id)
        {
            _state = _state with { Waiting = WaitingFor.Nothing, Until = null };
            for (var count = 0; ; count++)
            {
                if (id is null || _outcome is not null)
                {
                    Complete("completed");
                    return;
                }

                if (count == MaxStepsPerEvent)
                {
                    throw new InvalidOperationException($"Journey '{_definition.Id}' ran {MaxStepsPerEvent} steps without waiting (at '{id}').");
                }

                var step = _definition.Step(id) ?? throw new InvalidOperationException($"Journey '{_definition.Id}' has no step '{id}'.");
                _state = _state with { Step = step.Id, Stage = step.Stage ?? _state.Stage };
                _reached.Add(new StepReached(_state.Version, _state.Stage, step.Id));
                switch (step)
                {
                    case SendStep send:
                        Send(OutboundKind.Journey, send.Class, send.Id, send.Message.Path, send.Channels);
                        id = send.Next;
                        break;
                    case WaitStep wait:
                        var due = DueOf(wait);
                        if (due <= now)
                        {
                            id = wait.Next;
                            break;
                        }

                        Wait(WaitingFor.Timer, wait.Id, due);
                        return;
                    case AskStep ask:
                        Send(OutboundKind.Journey, ask.Class, ask.Id, ask.Message.Path, ask.Channels, new AskOptions(
                            ask.Expect.ToString().ToLowerInvariant(),
                            ask.Scale,
                            ask.Expect == AnswerKind.Rating
                                ? Enumerable.Range(1, ask.Scale).Select(n => new AskOption(n.ToString(CultureInfo.InvariantCulture), n.ToString(CultureInfo.InvariantCulture))).ToList()
                                : ask.Expect == AnswerKind.YesNo
                                    ? [new AskOption("yes", "Yes"), new AskOption("no", "No")]
                                    : ask.Options.Select(o => new AskOption(o.Value, o.Label ?? o.Value)).ToList()));
                        Wait(WaitingFor.Reply, ask.Id, now + ask.Timeout);
                        return;
                    case BranchStep branch:
                        var model = Model();
                        id = branch.When.FirstOrDefault(c => LiquidTemplates.Holds(Template(LiquidTemplates.ConditionTemplate(c.If)), model))?.Goto ?? branch.Else ?? branch.Next;
                        break;
                    case SetStageStep:
                        id = step.Next;
                        break;
                    case HandoffStep handoff:
                        if (handoff.Message is { } acknowledgement)
                        {
                            Send(OutboundKind.Acknowledgement, MessageClass.Service, handoff.Id, acknowledgement.Path, null);
                        }

                        Record(JourneyChannels.Handoff, HandoffAction.Open, LiquidTemplates.Render(Template(handoff.Reason), Model()).Trim());
                        _state = _state with { HandoffAt = now };
                        Wait(WaitingFor.Agent, handoff.Id, now + handoff.ResumeAfter);
                        return;
                    case RecordStep record:
                        var value = LiquidTemplates.Render(Template(record.Value), Model()).Trim();
                        // Numbers stay numbers, so conditions such as answers.descales >= 2 compare as numbers.
                        _state.Answers[record.Fact] = decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
                            ? JsonValue.Create(number)
                            : JsonValue.Create(value);
                        Record(JourneyChannels.Fact, null, null, fact: record.Fact, value: value, step: record.Id);
                        id = record.Next;
                        break;
                    case GoalStep goal:
                        Wait(WaitingFor.Goal, goal.Id, now + goal.Within);
                        return;
                    case EndStep end:
                        Complete(end.Outcome);
                        return;
                }
            }
        }

        private void Wait(WaitingFor what, string? step, DateTimeOffset until)
        {
            _state = _state with { Waiting = what, Step = step ?? _state.Step, Until = until };
            _effects.Add(new StartTimer(StepTimer, until));
        }

        private void Cancel()
        {
            if (timers.ContainsKey(StepTimer) || _effects.OfType<StartTimer>().Any(t => t.Name == StepTimer))
            {
                _effects.Add(new CancelTimer(StepTimer));
            }

            _state = _state with { Waiting = WaitingFor.Nothing, Until = null };
        }

        private void Complete(string outcome)
        {
            _outcome ??= outcome;
            _state = _state with { Waiting = WaitingFor.Nothing, Until = null };
        }

        private DateTimeOffset DueOf(WaitStep wait)
        {
            if (wait.Duration is { } duration)
            {
                return now + duration;
            }

            if (wait.Until is { } until)
            {
                var model = Model();
                var start = JourneyInput.Date(JourneyInput.At(model, until.DateField)) ?? now;
                var days = until.AddDays ?? (until.AddDaysField is { } f ? JourneyInput.Number(JourneyInput.At(model, f)) : null) ?? 0;
                return start.AddDays(days) + until.Offset;
            }

            return NextWindow(wait.Window!);
        }

        /// <summary>The first moment from now inside the window, in the customer's time zone.</summary>
        private DateTimeOffset NextWindow(LocalWindow window)
        {
            var zone = TimeZoneOf();
            var local = TimeZoneInfo.ConvertTime(now, zone);
            for (var day = 0; day <= 7; day++)
            {
                var date = DateOnly.FromDateTime(local.DateTime).AddDays(day);
                if (!window.Days.Contains(date.DayOfWeek))
                {
                    continue;
                }

                var opens = date.ToDateTime(window.From);
                var closes = date.ToDateTime(window.To);
                if (local.DateTime < closes)
                {
                    var at = local.DateTime > opens ? local.DateTime : opens;
                    return new DateTimeOffset(at, zone.GetUtcOffset(at)).ToUniversalTime();
                }
            }

            return now;
        }

        private TimeZoneInfo TimeZoneOf() =>
            (string?)input.Customer["time_zone"] is { } id && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone)
                ? zone
                : TimeZoneInfo.FindSystemTimeZoneById(_definition.TimeZone);

        private void Send(OutboundKind kind, MessageClass messageClass, string? step, string template, IReadOnlyList<MessageChannel>? channels, AskOptions? ask = null, string? textRef = null, string? locale = null)
        {
            var message = new MessageOrder
            {
                Number = _state.Sent + 1,
                Kind = kind,
                Class = messageClass,
                JourneyId = _definition.Id,
                Version = _state.Version,
                Step = step,
                Stage = _state.Stage,
                Template = template,
                Channels = channels ?? (kind == OutboundKind.Journey ? _definition.Channels : ReplyChannels()),
                Locale = locale ?? MessageRenderer.LocaleOf(_definition, (string?)input.Customer["locale"]),
                Ask = ask,
                Answers = (JsonObject)_state.Answers.DeepClone(),
                DeliveredAt = _state.DeliveredAt,
                TextRef = textRef,
            };
            _effects.Add(new SendToCustomer(message));
            _state = _state with { Sent = _state.Sent + 1 };
        }

        private JsonObject Model() => MessageRenderer.Model(_definition, input.Model, _state);

        private static Fluid.IFluidTemplate Template(string source) =>
            LiquidTemplates.TryParse(source, out var template, out var error)
                ? template
                : throw new InvalidOperationException($"A template of a published journey does not parse: {error}");


        private void Record(
            string kind, string? action, string? reason, string? fact = null, string? value = null, string? textRef = null, DateTimeOffset? at = null, string? step = null, int? askVersion = null, DateTimeOffset? since = null) =>
            _effects.Add(new RecordForTeam(new TeamRecord(kind, input.CustomerId, _definition.Id, step ?? _state.Step, action, reason, fact, value, textRef, at ?? now, askVersion, since)));

        private string LastCustomerChannel() => _state.LastChannel ?? ChannelNames.Of(_definition.Channels[0]);

        /// <summary>Answers to the customer go first where they last wrote, then by the journey's preference.</summary>
        private List<MessageChannel> ReplyChannels() =>
            (ChannelNames.Parse(_state.LastChannel) is { } last ? _definition.Channels.Prepend(last) : _definition.Channels).Distinct().ToList();

        /// <summary>
        /// An agent's reply goes on the channel they chose (or the customer's last). On WhatsApp, free text may be out of
        /// the 24-hour window: then it goes by the journey's next channel rather than not at all.
        /// </summary>
        private List<MessageChannel> AgentChannels(string name) => ChannelNames.Parse(name) switch
        {
            MessageChannel.WhatsApp => _definition.Channels.Prepend(MessageChannel.WhatsApp).Distinct().ToList(),
            { } channel => [channel],
            null => [MessageChannel.Sms],
        };

        public JourneyTransition Finish()
        {
            var status = new JourneyStatus(
                _definition.Id,
                _state.Version,
                _state.Stage,
                _state.Step,
                _outcome is not null ? null : _state.PausedUntil is not null ? "agent" : _state.Waiting.ToString().ToLowerInvariant(),
                _outcome is not null ? null : _state.PausedUntil ?? _state.Until,
                _outcome);
            var outcome = _outcome is null ? null : new JourneyOutcome(_outcome, _state.Stage, (JsonObject)_state.Answers.DeepClone());
            return new JourneyTransition(_state, _effects, status, outcome, _reached);
        }
    }

    /// <summary>Plain text from rendered HTML: tags dropped, paragraphs as blank lines, entities decoded.</summary>
    public static string PlainText(string html)
    {
        var text = LineBreakPattern().Replace(html, "\n");
        text = BlockEndPattern().Replace(text, "\n\n");
        text = TagPattern().Replace(text, "");
        text = WebUtility.HtmlDecode(text);
        return BlankLinesPattern().Replace(text, "\n\n").Trim();
    }

    [GeneratedRegex(@"<\s*br\s*/?\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex LineBreakPattern();

    [GeneratedRegex(@"<\s*(/p|/div|/h[1-6]|/li|/tr)\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockEndPattern();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"[ \t]*\n([ \t]*\n)+[ \t]*")]
    private static partial Regex BlankLinesPattern();
}
