using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>What the interpreter sees of a journey instance: its state (null before the start), the time, its timers.</summary>
public sealed record JourneyView(JourneyState? State, DateTimeOffset Now, IReadOnlyDictionary<string, DateTimeOffset> Timers);

/// <summary>What happened: the start, an external event, or one of the journey's timers coming due.</summary>
/// <param name="Data">The event's JSON object (empty for timers and the start).</param>
/// <param name="Reading">For replies: what the reply said, read against the state it is applied to (<see cref="ReplyReader"/>).</param>
public sealed record JourneyEvent(JourneyEventKind Kind, string Name, JsonObject Data, DateTimeOffset At, ReplyReading? Reading = null)
{
    public static JourneyEvent Start(DateTimeOffset at) => new(JourneyEventKind.Start, "$start", [], at);

    public static JourneyEvent Timer(string name, DateTimeOffset due) => new(JourneyEventKind.Timer, name, [], due);
}

public enum JourneyEventKind
{
    Start,
    External,
    Timer,
}

/// <summary>The result of applying one event: the new state and what the orchestrator must do, in order.</summary>
/// <param name="Reached">The steps the journey entered in this transition, in order (for the funnel; a step may repeat).</param>
public sealed record JourneyTransition(JourneyState State, IReadOnlyList<JourneyEffect> Effects, JourneyStatus Status, JourneyOutcome? Outcome, IReadOnlyList<StepReached> Reached);

/// <summary>A step a journey entered: the version and stage it was in, and the step's id. Ids only.</summary>
public sealed record StepReached(int Version, string? Stage, string Step);

/// <summary>Something a transition asks for. Effects carry ids and template references, never personal data.</summary>
public abstract record JourneyEffect;

/// <summary>Send the customer a message (rendered and checked by the send activity, at send time).</summary>
public sealed record SendToCustomer(MessageOrder Message) : JourneyEffect;

/// <summary>Keep something for the brand's team: a handoff ticket, a zero-party fact, a reply nothing could use.</summary>
public sealed record RecordForTeam(TeamRecord Record) : JourneyEffect;

/// <summary>Start (or restart) the named timer; a timer with the same name is superseded.</summary>
public sealed record StartTimer(string Name, DateTimeOffset DueAt) : JourneyEffect;

/// <summary>Cancel the named timer; it never fires.</summary>
public sealed record CancelTimer(string Name) : JourneyEffect;

/// <summary>
/// A message the journey wants sent: which template (a path in the pinned definition), to whom by id, in which
/// class and channel preference, with the answers it may quote. Rendering happens in the send activity, so the
/// orchestration's history holds this reference and never the text or the address.
/// </summary>
public sealed record MessageOrder
{
    /// <summary>The message's place among the instance's messages (1, 2, 3, ...): with the instance id, its identity.</summary>
    public required int Number { get; init; }

    public required OutboundKind Kind { get; init; }
    public required MessageClass Class { get; init; }
    public required string JourneyId { get; init; }
    public required int Version { get; init; }
    public string? Step { get; init; }
    public string? Stage { get; init; }

    /// <summary>Path of the templates in the definition (<c>steps[2].message</c>), or a built-in (<see cref="BuiltInTemplates"/>).</summary>
    public required string Template { get; init; }

    public required IReadOnlyList<MessageChannel> Channels { get; init; }
    public required string Locale { get; init; }
    public AskOptions? Ask { get; init; }

    /// <summary>The journey's answers when the message was decided (templates may quote them).</summary>
    public JsonObject Answers { get; init; } = [];

    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>For an agent's reply: the stored text's reference (a reply store key), not the text.</summary>
    public string? TextRef { get; init; }
}

/// <summary>Templates that are not in a journey's document.</summary>
public static class BuiltInTemplates
{
    public const string HandoffConfirm = "$handoffConfirm";
    public const string Agent = "$agent";

    /// <summary>Tells the customer a person will answer (a handoff the reply understanding opened).</summary>
    public const string HandoffAcknowledge = "$handoffAck";
}

/// <summary>A record for the team (<see cref="JourneyChannels"/> names its kind). References, not texts.</summary>
/// <param name="TextRef">A stored reply or agent text this record is about (a reply store key).</param>
/// <param name="AskVersion">For the customer's answer to an ask step (<paramref name="Step"/>): the journey version of that step; null otherwise.</param>
/// <param name="Since">For a handoff closed (<see cref="HandoffAction.Closed"/>): when the handoff opened.</param>
public sealed record TeamRecord(
    string Kind, string? CustomerId, string JourneyId, string? Step, string? Action, string? Reason, string? Fact, string? Value, string? TextRef, DateTimeOffset At,
    int? AskVersion = null, DateTimeOffset? Since = null);

/// <summary>The custom status: small, typed, readable while the journey waits (dashboards and the status API read it).</summary>
public sealed record JourneyStatus(
    [property: JsonPropertyName("journey")] string Journey,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("stage")] string? Stage,
    [property: JsonPropertyName("step")] string? Step,
    [property: JsonPropertyName("waitingFor")] string? WaitingFor,
    [property: JsonPropertyName("until")] DateTimeOffset? NextDue,
    [property: JsonPropertyName("outcome")] string? Outcome);

/// <summary>How a journey ended.</summary>
public sealed record JourneyOutcome(
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("stage")] string? Stage,
    [property: JsonPropertyName("answers")] JsonObject Answers);
