using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Templates;
using PxFunctions.Runtime;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>
/// Walks a journey definition as a pure transition: from the instance's state and one event, it runs steps until
/// one waits (a timer, a reply, a goal, an agent) or the journey ends, and returns the new state and the effects
/// (messages, timers, custom status, completion). It reads definitions only through <paramref name="definitions"/>,
/// which must return published (immutable) versions, so the same inputs always give the same transition.
/// </summary>
public sealed partial class JourneyInterpreter(Func<string, int, JourneyDefinition?> definitions)
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

    public Transition Apply(InstanceView instance, InstanceEvent instanceEvent)
    {
        var input = JourneyInput.Parse(instance.Input);
        var state = JourneyState.Parse(instance.State);
        var definition = Definition(state?.JourneyId ?? input.JourneyId, state?.Version ?? input.Version);
        var run = new Run(this, definition, input, state ?? NewState(definition, input), instance.Now, instance.Timers);
        switch (instanceEvent.Kind)
        {
            case InstanceEventKind.Start:
                run.Start(instanceEvent.At);
                break;
            case InstanceEventKind.Timer:
                run.OnTimer(instanceEvent.Name, instanceEvent.At);
                break;
            default:
                run.OnEvent(instanceEvent.Name, Data(instanceEvent.Data), instanceEvent.At);
                break;
        }

        return run.Finish();
    }

    private JourneyDefinition Definition(string id, int version) =>
        _definitions(id, version) ?? throw new InvalidOperationException($"Journey '{id}' version {version} is not published.");

    private static JourneyState NewState(JourneyDefinition definition, JourneyInput input) => new()
    {
        JourneyId = definition.Id,
        Version = input.Version,
        Stage = definition.Stages.Count > 0 ? definition.Stages[0] : null,
        DeliveredAt = JourneyInput.Date(input.Order["delivered_at"]),
    };

    private static JsonObject Data(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(json) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            return new JsonObject { ["text"] = json };
        }
    }

    /// <summary>One transition in progress: the state as it changes and the effects so far.</summary>
    private sealed class Run(JourneyInterpreter owner, JourneyDefinition definition, JourneyInput input, JourneyState state, DateTimeOffset now, IReadOnlyDictionary<string, DateTimeOffset> timers)
    {
        private readonly List<InstanceEffect> _effects = [];
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
                    RunFrom(goal.Missed ?? goal.Next);
                    break;
                case WaitingFor.Timer or WaitingFor.Agent when step is not null:
                    RunFrom(step.Next);
                    break;
            }
        }

        public void OnEvent(string name, JsonObject data, DateTimeOffset at)
        {
            switch (name)
            {
                case Events.Reply:
                    OnReply((string?)data["text"] ?? "", (string?)data["channel"], at);
                    return;
                case Events.Delivered:
                    OnDelivered(JourneyInput.Date(data["deliveredAt"]) ?? at);
                    return;
                case Events.HandoffClosed:
                    OnHandoffClosed();
                    return;
                case Events.AgentReply:
                    Note(new ConversationLine(at, "agent", (string?)data["channel"], (string?)data["text"] ?? ""));
                    Send(OutboundKind.Agent, MessageClass.Service, null, AgentMessage((string?)data["text"] ?? ""), [ChannelOf((string?)data["channel"] ?? LastCustomerChannel())]);
                    return;
                case Events.Migrate:
                    Migrate(data);
                    return;
            }

            var step = _state.Step is { } id ? _definition.Step(id) : null;
            if (_state.Waiting == WaitingFor.Goal && step is GoalStep goal && goal.Event == name)
            {
                Cancel();
                RunFrom(goal.Reached ?? goal.Next);
                return;
            }

            if (_definition.Exits.FirstOrDefault(e => e.On == name) is { } exit)
            {
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

        private void OnReply(string text, string? channel, DateTimeOffset at)
        {
            Note(new ConversationLine(at, "customer", channel, text));
            var normalized = AnswerReader.Normalize(text);

            if (_state.PausedUntil is not null || _state.Waiting == WaitingFor.Agent)
            {
                // A person has the conversation: everything the customer says goes to their ticket.
                Effect(JourneyChannels.Handoff, Handoff(HandoffRequest.CustomerReply, "customer replied").ToJson());
                return;
            }

            if (_state.ConfirmingHandoff)
            {
                _state = _state with { ConfirmingHandoff = false };
                var confirmed = AnswerReader.Read(YesNoQuestion, text);
                if (confirmed?.Value == "yes")
                {
                    Pause("customer asked for a person");
                    return;
                }

                if (confirmed is not null)
                {
                    return;
                }
            }

            var step = _state.Step is { } id ? _definition.Step(id) : null;
            var answer = _state.Waiting == WaitingFor.Reply && step is AskStep ask ? AnswerReader.Read(ask, text) : null;
            if (answer is null && _definition.Replies.HandoffKeywords.Any(k => AnswerReader.ContainsWord(normalized, AnswerReader.Normalize(k))))
            {
                _state = _state with { ConfirmingHandoff = true };
                Send(OutboundKind.HandoffConfirm, MessageClass.Service, null, _definition.Replies.HandoffConfirm ?? DefaultHandoffConfirm(), null);
                return;
            }

            if (_state.Waiting == WaitingFor.Reply && step is AskStep question)
            {
                if (answer is not null)
                {
                    Answered(question, answer, text, at);
                    return;
                }

                if (Faq(normalized) is { } faq)
                {
                    // A question instead of an answer: answer it and keep waiting for the answer.
                    Send(OutboundKind.Faq, MessageClass.Service, null, faq.Reply, null);
                    return;
                }

                Cancel();
                RunFrom(question.Unrecognised ?? question.Next);
                return;
            }

            if (Faq(normalized) is { } entry)
            {
                Send(OutboundKind.Faq, MessageClass.Service, null, entry.Reply, null);
                return;
            }

            Effect(JourneyChannels.Inbox, new FactRecord(CustomerId, _definition.Id, _state.Step, "reply", text, text, at).ToJson());
        }

        private void Answered(AskStep ask, Answer answer, string text, DateTimeOffset at)
        {
            if (ask.Record is { } fact)
            {
                _state.Answers[fact] = ask.Expect == AnswerKind.Rating ? JsonValue.Create(answer.Number) : JsonValue.Create(answer.Value);
                Effect(JourneyChannels.Fact, new FactRecord(CustomerId, _definition.Id, ask.Id, fact, answer.Value, text, at).ToJson());
            }

            var target = ask.Expect is AnswerKind.Rating or AnswerKind.YesNo
                ? ask.On.FirstOrDefault(b => b.Low <= answer.Number && answer.Number <= b.High)?.Goto
                : answer.Option?.Goto;
            Cancel();
            RunFrom(target ?? ask.Next);
        }

        private void OnHandoffClosed()
        {
            if (_state.PausedUntil is not null)
            {
                Resume();
            }
            else if (_state.Waiting == WaitingFor.Agent && _state.Step is { } id && _definition.Step(id) is { } step)
            {
                Cancel();
                RunFrom(step.Next);
            }
        }

        private void Pause(string reason)
        {
            var until = now + TimeSpan.FromHours(24);
            _state = _state with { PausedUntil = until };
            Effect(JourneyChannels.Handoff, Handoff(HandoffRequest.Open, reason).ToJson());
            _effects.Add(new StartTimer(PauseTimer, until));
        }

        private void Resume()
        {
            var deferred = _state.DeferredTimer;
            _state = _state with { PausedUntil = null, DeferredTimer = false };
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
                switch (step)
                {
                    case SendStep send:
                        Send(OutboundKind.Journey, send.Class, send.Id, send.Message, send.Channels, null);
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
                        Send(OutboundKind.Journey, ask.Class, ask.Id, ask.Message, ask.Channels, new AskOptions(
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
                            Send(OutboundKind.Acknowledgement, MessageClass.Service, handoff.Id, acknowledgement, null);
                        }

                        Effect(JourneyChannels.Handoff, Handoff(HandoffRequest.Open, LiquidTemplates.Render(Template(handoff.Reason), Model()).Trim()).ToJson());
                        Wait(WaitingFor.Agent, handoff.Id, now + handoff.ResumeAfter);
                        return;
                    case RecordStep record:
                        var value = LiquidTemplates.Render(Template(record.Value), Model()).Trim();
                        // Numbers stay numbers, so conditions such as answers.descales >= 2 compare as numbers.
                        _state.Answers[record.Fact] = decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
                            ? JsonValue.Create(number)
                            : JsonValue.Create(value);
                        Effect(JourneyChannels.Fact, new FactRecord(CustomerId, _definition.Id, record.Id, record.Fact, value, null, now).ToJson());
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

        private void Send(OutboundKind kind, MessageClass messageClass, string? step, MessageTemplates templates, IReadOnlyList<MessageChannel>? channels, AskOptions? ask = null)
        {
            var preference = channels ?? _definition.Channels;
            var locale = LocaleOf(templates);
            var model = Model();
            SmsContent? sms = null;
            EmailContent? email = null;
            foreach (var channel in preference)
            {
                if (channel == MessageChannel.Sms && templates.Sms.TryGetValue(locale, out var text))
                {
                    var rendered = LiquidTemplates.Render(Template(text), model).Trim();
                    var length = SmsSegments.Measure(rendered);
                    sms = new SmsContent(rendered, length.Segments, length.Encoding);
                }
                else if (channel == MessageChannel.Email && templates.Email.TryGetValue(locale, out var e))
                {
                    var html = e.Html.Length > 0 ? LiquidTemplates.Render(Template(e.Html), model, LiquidTemplates.Html) : "";
                    var plain = e.Text is { } t ? LiquidTemplates.Render(Template(t), model).Trim() : PlainText(html);
                    email = new EmailContent(LiquidTemplates.Render(Template(e.Subject), model).Trim(), html, plain);
                }
            }

            var message = new OutboundMessage
            {
                Kind = kind,
                Class = messageClass == MessageClass.Marketing ? "marketing" : "service",
                JourneyId = _definition.Id,
                Version = _state.Version,
                Step = step,
                Stage = _state.Stage,
                Customer = Contact(),
                Channels = preference.Select(c => c == MessageChannel.Sms ? "sms" : "email").ToList(),
                Locale = locale,
                Sms = sms,
                Email = email,
                Ask = ask,
                Sequence = _state.Sent + 1,
            };
            Effect(JourneyChannels.Customer, message.ToJson());
            Note(new ConversationLine(now, "journey", message.Channels[0], sms?.Text ?? email?.Subject ?? ""));
            _state = _state with { Sent = _state.Sent + 1 };
        }

        /// <summary>The customer's locale if the journey has it (exactly, or its language), else the journey's first.</summary>
        private string LocaleOf(MessageTemplates templates)
        {
            var wanted = (string?)input.Customer["locale"] ?? "";
            var language = wanted.Split('-', '_')[0].ToLowerInvariant();
            return _definition.Locales.FirstOrDefault(l => string.Equals(l, wanted.Replace('_', '-'), StringComparison.OrdinalIgnoreCase))
                ?? _definition.Locales.FirstOrDefault(l => l.Split('-')[0] == language)
                ?? _definition.Locales[0];
        }

        private JsonObject Model() => new()
        {
            ["customer"] = input.Customer.DeepClone(),
            ["order"] = WithDelivery(input.Order),
            ["product"] = input.Product.DeepClone(),
            ["brand"] = input.Brand.DeepClone(),
            ["links"] = input.Links.DeepClone(),
            ["journey"] = new JsonObject { ["id"] = _definition.Id, ["name"] = _definition.Name, ["version"] = _state.Version, ["stage"] = _state.Stage, ["step"] = _state.Step },
            ["answers"] = _state.Answers.DeepClone(),
            ["vars"] = _definition.Vars.DeepClone(),
        };

        private JsonObject WithDelivery(JsonObject order)
        {
            var copy = (JsonObject)order.DeepClone();
            if (_state.DeliveredAt is { } delivered && copy["delivered_at"] is null)
            {
                copy["delivered_at"] = delivered.ToString("O", CultureInfo.InvariantCulture);
            }

            return copy;
        }

        private static Fluid.IFluidTemplate Template(string source) =>
            LiquidTemplates.TryParse(source, out var template, out var error)
                ? template
                : throw new InvalidOperationException($"A template of a published journey does not parse: {error}");

        private CustomerContact Contact()
        {
            var address = input.Order["shipping_address"] as JsonObject;
            var country = (string?)input.Customer["country_code"] ?? (string?)address?["country_code"];
            var province = (string?)input.Customer["province_code"] ?? (string?)address?["province_code"];
            return new(
                CustomerId,
                (string?)input.Customer["phone"],
                (string?)input.Customer["email"],
                (string?)input.Customer["locale"],
                TimeZoneOf().Id,
                country,
                country is not null && province is not null ? $"{country}-{province}".ToUpperInvariant() : null);
        }

        private string? CustomerId => (string?)input.Customer["id"] ?? input.Customer["id"]?.ToJsonString();

        private HandoffRequest Handoff(string action, string reason) =>
            new(action, reason, _definition.Id, _state.Step, Contact(), _state.Conversation);

        private FaqEntry? Faq(string normalized) =>
            _definition.Replies.Faq.FirstOrDefault(f => f.Match.Any(m => AnswerReader.ContainsWord(normalized, AnswerReader.Normalize(m))));

        private string LastCustomerChannel() =>
            _state.Conversation.LastOrDefault(c => c.From == "customer")?.Channel ?? (_definition.Channels[0] == MessageChannel.Sms ? "sms" : "email");

        private static MessageChannel ChannelOf(string name) => name == "email" ? MessageChannel.Email : MessageChannel.Sms;

        private MessageTemplates AgentMessage(string text)
        {
            var locale = LocaleOf(new MessageTemplates { Path = "" });
            var brand = (string?)input.Brand["name"] ?? _definition.Name;
            var escaped = WebUtility.HtmlEncode(text);
            return new MessageTemplates
            {
                Path = "agent",
                Sms = new Dictionary<string, string> { [locale] = Literal(text) },
                Email = new Dictionary<string, EmailTemplate> { [locale] = new(Literal("A reply from " + brand), Literal($"<p>{escaped}</p>"), Literal(text)) },
            };
        }

        private MessageTemplates DefaultHandoffConfirm()
        {
            var locale = LocaleOf(new MessageTemplates { Path = "" });
            const string text = "Would you like a person from {{ brand.name | default: 'our team' }} to get back to you? Reply YES or NO.";
            return new MessageTemplates
            {
                Path = "handoffConfirm",
                Sms = new Dictionary<string, string> { [locale] = text },
                Email = new Dictionary<string, EmailTemplate> { [locale] = new("Shall we put you in touch with a person?", "<p>" + text + "</p>", text) },
            };
        }

        /// <summary>Text that must come out exactly as written (an agent's words are not a template).</summary>
        private static string Literal(string text) => "{% raw %}" + text.Replace("{% endraw %}", "{ % endraw % }", StringComparison.Ordinal) + "{% endraw %}";

        private void Note(ConversationLine line) => _state = _state.With(line);

        private void Effect(string channel, string payload) => _effects.Add(new SendMessage(channel, payload));

        public Transition Finish()
        {
            _effects.Add(new SetCustomStatus(new JsonObject
            {
                ["journey"] = _definition.Id,
                ["version"] = _state.Version,
                ["stage"] = _state.Stage,
                ["step"] = _state.Step,
                ["waitingFor"] = _outcome is not null ? null : _state.PausedUntil is not null ? "agent" : _state.Waiting.ToString().ToLowerInvariant(),
                ["until"] = (_state.PausedUntil ?? _state.Until)?.ToString("O", CultureInfo.InvariantCulture),
                ["outcome"] = _outcome,
            }.ToJsonString()));

            if (_outcome is not null)
            {
                _effects.Add(new CompleteInstance(new JsonObject
                {
                    ["outcome"] = _outcome,
                    ["stage"] = _state.Stage,
                    ["answers"] = _state.Answers.DeepClone(),
                }.ToJsonString()));
            }

            return new Transition(_state.ToJson(), _effects);
        }
    }

    private static readonly AskStep YesNoQuestion = new()
    {
        Id = "confirm",
        Path = "$",
        Class = MessageClass.Service,
        Message = new MessageTemplates { Path = "$" },
        Expect = AnswerKind.YesNo,
    };

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
