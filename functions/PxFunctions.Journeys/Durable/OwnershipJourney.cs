using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Journeys.Durable;

/// <summary>
/// What an ownership journey carries from one execution to the next (its input, and the input of every
/// <c>ContinueAsNew</c>): ids, the interpreter's state and timers, the event ids already applied. No personal data.
/// </summary>
public sealed record JourneyRun
{
    public required string JourneyId { get; init; }
    public required int Version { get; init; }
    public JourneyState? State { get; init; }
    public Dictionary<string, DateTimeOffset> Timers { get; init; } = [];

    /// <summary>Ids of the last events applied (bounded), so an event raised twice is applied once.</summary>
    public List<string> Applied { get; init; } = [];

    /// <summary>Records kept for the team so far: the next record's number.</summary>
    public int Records { get; init; }

    /// <summary>How many executions ran before this one (ContinueAsNew count).</summary>
    public int Generation { get; init; }

    /// <summary>The custom status when the last execution ended: a new execution starts with none, so it sets this again.</summary>
    public JourneyStatus? Status { get; init; }

    /// <summary>Replies that came while the journey was not waiting for an answer (see <see cref="PendingReply"/>).</summary>
    public List<PendingReply> PendingReplies { get; init; } = [];

    /// <summary>The steps the instance has reached (<c>{version}/{step}</c>), so the funnel counts each once.</summary>
    public List<string> Reached { get; init; } = [];

    /// <summary>Steps reached and not yet recorded: they go with the next activity the journey calls (<see cref="JourneyProgress"/>).</summary>
    public List<ReachedAt> Unrecorded { get; init; } = [];
}

/// <summary>
/// A reply that came while the journey, as its history stands, was not waiting for an answer — kept (a reference,
/// never the text) in case it answers the question asked next. The Azure Storage provider sends an episode's
/// messages before it saves the episode's history, so an episode that is run again (its worker died, or storage
/// failed, between the two) may already have had its activities run: the customer got the question and answered,
/// while the history the engine kept still has the journey before the question. When the journey then asks, the
/// send finds the question sent already and says when; a reply received after that answers it.
/// </summary>
public sealed record PendingReply(string Ref, string? Channel, DateTimeOffset At);

/// <summary>
/// One customer's ownership journey for one purchased product, instance id <c>{shop}:{order}:{line}</c>. A small
/// loop around the pure <see cref="JourneyInterpreter"/>: the interpreter decides, this performs — sends as
/// activities with a retry policy (a held message waits on a durable timer and is asked again, so one journey's
/// messages go out in order), waits as a durable timer raced with the next external event, the custom status as
/// a <see cref="JourneyStatus"/>, the outcome as the output. Steps reached are counted for the funnel without an
/// activity of their own: each goes with the next send or record the journey makes, and whatever is left with the
/// one progress activity at the end (which counts the outcome too).
/// </summary>
/// <remarks>
/// Orchestrator code replays: it does no I/O, reads the time only from the context, keeps no state outside its
/// locals, and parses the definition (a pure function of the document an activity returned). History stays bounded:
/// <c>ContinueAsNew</c> at every stage change and every <see cref="MaxEventsPerExecution"/> events, keeping events
/// that arrived but were not yet taken. Events are raised at least once and applied once: an event's
/// <c>eventId</c> is remembered (the last <see cref="MaxRemembered"/>).
/// </remarks>
public sealed class OwnershipJourney : TaskOrchestrator<JourneyRun, JourneyOutcome?>
{
    public const int MaxEventsPerExecution = 20;
    public const int MaxRemembered = 64;

    /// <summary>Replies kept from before a question (<see cref="PendingReply"/>), the latest.</summary>
    public const int MaxPendingReplies = 5;

    /// <summary>How much earlier than the question's send a reply's provider timestamp may read and still answer it.</summary>
    public static readonly TimeSpan ReplyClockSkew = TimeSpan.FromSeconds(2);

    /// <summary>Rounds of the send activity's retry policy a message gets before the journey goes on without it.</summary>
    public const int MaxSendRounds = 6;

    /// <summary>The wait between two rounds (a channel down for longer than one round's retries).</summary>
    public static readonly TimeSpan SendRoundDelay = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Added to every durable timer's due time. The Azure Storage provider hides a timer's message for the delay in
    /// whole seconds (the queue API's unit, truncated), so a timer for <c>t</c> can fire up to a second before
    /// <c>t</c>; the journey must not act early, and asking again costs a whole extra episode (measured: 3 episodes
    /// per step instead of 2, ~5 more storage requests). Due + 1 s fires at or after the due time and, on average,
    /// half a second after it.
    /// </summary>
    public static readonly TimeSpan TimerMargin = TimeSpan.FromSeconds(1);

    /// <summary>The event payload property that identifies a raised event for deduplication.</summary>
    public const string EventIdProperty = "eventId";

    private static readonly TaskOptions ActivityRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 8, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(2)));

    public override async Task<JourneyOutcome?> RunAsync(TaskOrchestrationContext context, JourneyRun run)
    {
        var logger = context.CreateReplaySafeLogger<OwnershipJourney>();
        var version = run.State?.Version ?? run.Version;
        var loaded = await context.CallActivityAsync<LoadedJourney>(
            JourneyFunctionNames.LoadJourney, new LoadJourneyRequest(context.InstanceId, run.JourneyId, version), ActivityRetry);
        var definitions = new Dictionary<(string, int), JourneyDefinition> { [(run.JourneyId, version)] = ParsedDefinitions.Of(loaded.Document) };
        var journey = new Journey(context, run, new JourneyInterpreter((id, v) => definitions.GetValueOrDefault((id, v)), loaded.Context), logger);

        if (run.State is null)
        {
            await journey.ApplyAsync(JourneyEvent.Start(context.CurrentUtcDateTime));
        }
        else if (run.Status is { } status)
        {
            context.SetCustomStatus(status);
        }

        var waits = new Dictionary<string, Task<JsonElement>>(StringComparer.Ordinal);
        var names = JourneyInterpreter.EventNames(definitions[(run.JourneyId, version)]);
        var events = 0;
        while (journey.Outcome is null)
        {
            if (await journey.TakeEarlyAnswerAsync())
            {
                events++;
                continue;
            }

            foreach (var name in names.Where(n => !waits.ContainsKey(n)))
            {
                waits[name] = context.WaitForExternalEvent<JsonElement>(name);
            }

            // Only with no event taken but not yet applied: such an event would not survive ContinueAsNew.
            if ((events >= MaxEventsPerExecution || journey.StageChanged || journey.Migrated) && !waits.Values.Any(w => w.IsCompleted))
            {
                context.ContinueAsNew(journey.Carry(), preserveUnprocessedEvents: true);
                return null;
            }

            using var cancelTimer = new CancellationTokenSource();
            var next = journey.NextTimer();
            var timer = next is { } due ? context.CreateTimer(due.At.UtcDateTime + TimerMargin, cancelTimer.Token) : null;
            var winner = await Task.WhenAny(timer is null ? waits.Values : waits.Values.Append(timer));
            if (winner == timer)
            {
                // Never act before the due time, should a clock still read early (see TimerMargin).
                if (context.CurrentUtcDateTime < next!.Value.At.UtcDateTime)
                {
                    await context.CreateTimer(next.Value.At.UtcDateTime + TimerMargin, CancellationToken.None);
                }

                await journey.ApplyAsync(JourneyEvent.Timer(next.Value.Name, next.Value.At));
                continue;
            }

            cancelTimer.Cancel();
            var (eventName, task) = waits.First(w => w.Value == winner);
            waits.Remove(eventName);
            var data = Data(task.Result);
            events++;
            await journey.OnEventAsync(eventName, data, definitions, loaded);
        }

        await journey.EndAsync();
        logger.LogInformation("Journey {InstanceId} ended: {Outcome}", context.InstanceId, journey.Outcome.Outcome);
        return journey.Outcome;
    }

    /// <summary>An event's data: a JSON object (both clients raise objects); anything else carries nothing.</summary>
    private static JsonObject Data(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? JsonObject.Create(element) ?? [] : [];

    /// <summary>One execution's journey: the interpreter's state and timers, and how to perform its effects.</summary>
    private sealed class Journey(TaskOrchestrationContext context, JourneyRun run, JourneyInterpreter interpreter, ILogger logger)
    {
        private readonly Dictionary<string, DateTimeOffset> _timers = new(run.Timers, StringComparer.Ordinal);
        private readonly List<string> _applied = [.. run.Applied];
        private string? _startStage = run.State?.Stage;
        private JourneyState? _state = run.State;
        private readonly JourneyInterpreter _interpreter = interpreter;
        private int _records = run.Records;
        private JourneyStatus? _status = run.Status;
        private readonly List<PendingReply> _pending = [.. run.PendingReplies];
        private readonly HashSet<string> _reached = new(run.Reached, StringComparer.Ordinal);
        private readonly List<ReachedAt> _unrecorded = [.. run.Unrecorded];

        // The question this execution last sent, and when it first went.
        private (string? Step, DateTimeOffset SentAt)? _asked;

        public JourneyOutcome? Outcome { get; private set; }
        public bool Migrated { get; private set; }
        public bool StageChanged => _startStage is not null && _state?.Stage != _startStage;

        public (string Name, DateTimeOffset At)? NextTimer() =>
            _timers.Count == 0 ? null : _timers.OrderBy(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Select(t => (t.Key, t.Value)).First();

        public JourneyRun Carry() => run with
        {
            Version = _state?.Version ?? run.Version,
            State = _state,
            Timers = new Dictionary<string, DateTimeOffset>(_timers, StringComparer.Ordinal),
            Applied = _applied.TakeLast(MaxRemembered).ToList(),
            Records = _records,
            Generation = run.Generation + 1,
            Status = _status,
            PendingReplies = [.. _pending],
            Reached = [.. _reached.Order(StringComparer.Ordinal)],
            Unrecorded = [.. _unrecorded],
        };

        /// <summary>The steps reached and not yet recorded, for the activity about to be called; null when none.</summary>
        private JourneyProgress? Progress(string? outcome = null) =>
            _unrecorded.Count == 0 && outcome is null
                ? null
                : new JourneyProgress(_state?.JourneyId ?? run.JourneyId, [.. _unrecorded], outcome, outcome is null ? null : context.CurrentUtcDateTime);

        /// <summary>
        /// The journey ended: its outcome and the steps not yet recorded, in one activity (the only one the funnel
        /// and outcomes add to a journey's history). Recorded under the instance id, so a repeated run counts once.
        /// </summary>
        public async Task EndAsync()
        {
            await context.CallActivityAsync<bool>(
                JourneyFunctionNames.RecordProgress, new RecordProgressRequest(context.InstanceId, Progress(Outcome!.Outcome)!), ActivityRetry);
            _unrecorded.Clear();
        }

        /// <summary>
        /// When the journey now waits for the answer to a question that first went before replies it kept (see
        /// <see cref="PendingReply"/>), the earliest reply received after the question (a clock skew allowed) is
        /// applied as the reply to it. Replies older than the question are dropped: they were handled when they came.
        /// </summary>
        public async Task<bool> TakeEarlyAnswerAsync()
        {
            if (_pending.Count == 0 || _state is not { Waiting: WaitingFor.Reply } state || _asked is not { } asked || asked.Step != state.Step)
            {
                return false;
            }

            var reply = _pending.Where(p => p.At >= asked.SentAt - ReplyClockSkew).OrderBy(p => p.At).FirstOrDefault();
            _pending.Clear();
            if (reply is null)
            {
                return false;
            }

            logger.LogInformation("Journey {InstanceId}: a reply kept from before step {Step} was asked answers it", context.InstanceId, state.Step);
            var reading = await context.CallActivityAsync<ReplyReading>(
                JourneyFunctionNames.ReadReply,
                new ReadReplyRequest(context.InstanceId, state.JourneyId, state.Version, state.Step, state.ConfirmingHandoff, reply.Ref),
                ActivityRetry);
            var data = new JsonObject { ["ref"] = reply.Ref, ["channel"] = reply.Channel, ["at"] = reply.At };
            await ApplyAsync(new JourneyEvent(JourneyEventKind.External, JourneyInterpreter.Events.Reply, data, context.CurrentUtcDateTime, reading));
            return true;
        }

        public async Task OnEventAsync(string name, JsonObject data, Dictionary<(string, int), JourneyDefinition> definitions, LoadedJourney loaded)
        {
            if ((string?)data[EventIdProperty] is { } eventId)
            {
                if (_applied.Contains(eventId, StringComparer.Ordinal))
                {
                    logger.LogInformation("Journey {InstanceId}: event {EventId} was applied before", context.InstanceId, eventId);
                    return;
                }

                _applied.Add(eventId);
                if (_applied.Count > MaxRemembered)
                {
                    _applied.RemoveAt(0);
                }
            }

            ReplyReading? reading = null;
            if (name == JourneyInterpreter.Events.Reply && _state is not null)
            {
                if (_state.Waiting == WaitingFor.Reply)
                {
                    // A reply to the question being waited on: nothing kept from before can answer it any more.
                    _pending.Clear();
                }
                else if ((string?)data["ref"] is { } kept && data["at"] is { } at)
                {
                    _pending.Add(new PendingReply(kept, (string?)data["channel"], at.GetValue<DateTimeOffset>()));
                    if (_pending.Count > MaxPendingReplies)
                    {
                        _pending.RemoveAt(0);
                    }
                }

                reading = (string?)data["ref"] is { } reference
                    ? await context.CallActivityAsync<ReplyReading>(
                        JourneyFunctionNames.ReadReply,
                        new ReadReplyRequest(context.InstanceId, _state.JourneyId, _state.Version, _state.Step, _state.ConfirmingHandoff, reference),
                        ActivityRetry)
                    : ReplyReading.Nothing;
            }

            if (name == JourneyInterpreter.Events.Migrate && (int?)data["version"] is { } target && _state is not null)
            {
                // The target version is loaded before the interpreter maps the instance onto it.
                var next = await context.CallActivityAsync<LoadedJourney>(
                    JourneyFunctionNames.LoadJourney, new LoadJourneyRequest(context.InstanceId, _state.JourneyId, target), ActivityRetry);
                definitions[(_state.JourneyId, target)] = ParsedDefinitions.Of(next.Document);
                var before = _state.Version;
                await ApplyAsync(new JourneyEvent(JourneyEventKind.External, name, data, context.CurrentUtcDateTime));
                Migrated = _state.Version != before;
                return;
            }

            await ApplyAsync(new JourneyEvent(JourneyEventKind.External, name, data, context.CurrentUtcDateTime, reading));
        }

        public async Task ApplyAsync(JourneyEvent journeyEvent)
        {
            if (journeyEvent.Kind == JourneyEventKind.Timer)
            {
                _timers.Remove(journeyEvent.Name);
            }

            var transition = _interpreter.Apply(new JourneyView(_state, context.CurrentUtcDateTime, _timers), journeyEvent);
            _state = transition.State;
            foreach (var reached in transition.Reached)
            {
                if (_reached.Add($"{reached.Version}/{reached.Step}"))
                {
                    _unrecorded.Add(new ReachedAt(reached.Version, reached.Stage, reached.Step, context.CurrentUtcDateTime));
                }
            }

            if (journeyEvent.Kind == JourneyEventKind.Start)
            {
                // The stage this execution began in; a change from it continues the orchestration as new.
                _startStage = _state.Stage;
            }

            // The status says where the journey now is before its sends go out (they may take a while, or be held),
            // so whoever sees a message sees the step that sent it.
            _status = transition.Status;
            context.SetCustomStatus(_status);
            foreach (var effect in transition.Effects)
            {
                switch (effect)
                {
                    case StartTimer start:
                        _timers[start.Name] = start.DueAt;
                        break;
                    case CancelTimer cancel:
                        _timers.Remove(cancel.Name);
                        break;
                    case SendToCustomer send:
                        await SendAsync(send.Message);
                        break;
                    case RecordForTeam record:
                        _records++;
                        await context.CallActivityAsync<bool>(
                            JourneyFunctionNames.RecordForTeam, new RecordRequest(context.InstanceId, $"{context.InstanceId}/r{_records}", record.Record, Progress()), ActivityRetry);
                        _unrecorded.Clear();
                        break;
                }
            }

            // A held send showed "send" meanwhile; the transition's status again.
            context.SetCustomStatus(_status);
            if (transition.Outcome is { } outcome)
            {
                _timers.Clear();
                Outcome = outcome;
            }
        }

        /// <summary>
        /// Sends one message. A message held (quiet hours, the cap, a claim of a worker that died) waits on a durable
        /// timer and is asked again; a send whose retries are spent gets <see cref="MaxSendRounds"/> rounds, minutes apart.
        /// </summary>
        private async Task SendAsync(MessageOrder message)
        {
            var failedRounds = 0;
            for (var attempt = 0; ; attempt++)
            {
                SendResult result;
                try
                {
                    result = await context.CallActivityAsync<SendResult>(JourneyFunctionNames.SendMessage, new SendMessageRequest(context.InstanceId, message, context.CurrentUtcDateTime, Progress()), ActivityRetry);
                    _unrecorded.Clear();
                }
                catch (TaskFailedException ex)
                {
                    var reason = ex.FailureDetails?.ErrorMessage ?? ex.Message;
                    if (++failedRounds >= MaxSendRounds)
                    {
                        // The journey goes on without this message; the message log says why.
                        logger.LogError("Journey {InstanceId}: message {Number} failed {Rounds} rounds and is given up: {Reason}", context.InstanceId, message.Number, failedRounds, reason);
                        return;
                    }

                    logger.LogWarning("Journey {InstanceId}: message {Number} failed (round {Round}): {Reason}", context.InstanceId, message.Number, failedRounds, reason);
                    await context.CreateTimer(context.CurrentUtcDateTime + SendRoundDelay, CancellationToken.None);
                    continue;
                }

                if (result is { Status: SendStatus.Sent, SentAt: { } sentAt } && message.Ask is not null)
                {
                    _asked = (message.Step, sentAt);
                }

                if (result is not { Status: SendStatus.Held, HeldUntil: { } until } || attempt >= 100)
                {
                    return;
                }

                context.SetCustomStatus(new JourneyStatus(message.JourneyId, message.Version, message.Stage, message.Step, "send", until, null));
                await context.CreateTimer((until.UtcDateTime > context.CurrentUtcDateTime ? until.UtcDateTime : context.CurrentUtcDateTime) + TimerMargin, CancellationToken.None);
            }
        }
    }
}
