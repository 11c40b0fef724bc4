using System.Text.Json;
using System.Text.Json.Serialization;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>The kinds of record a journey keeps for the team (<see cref="TeamRecord.Kind"/>).</summary>
public static class JourneyChannels
{
    /// <summary>Open a ticket for a person, or add to one (<see cref="HandoffAction"/>).</summary>
    public const string Handoff = "handoff";

    /// <summary>A zero-party fact the customer told us , for the customer's profile.</summary>
    public const string Fact = "fact";

    /// <summary>A reply no step or FAQ could use, kept for the team (fact <c>reply</c>).</summary>
    public const string Inbox = "inbox";

    /// <summary>A goal step reached or missed, or an exit taken (<see cref="GoalAction"/>; the reason is the business event).</summary>
    public const string Goal = "goal";
}

/// <summary>What a goal record says: the goal step's event came (reached), its time passed (missed), or an exit took it.</summary>
public static class GoalAction
{
    public const string Reached = "reached";
    public const string Missed = "missed";
    public const string Exit = "exit";
}

/// <summary>Why a message is sent: a journey step, an FAQ answer, an agent's reply, the handoff confirmation.</summary>
public enum OutboundKind
{
    Journey,
    Faq,
    Agent,
    HandoffConfirm,
    Acknowledgement,

    /// <summary>An answer from a knowledge base (<see cref="Knowledge.KnowledgePaths"/>).</summary>
    Knowledge,
}

/// <summary>What a handoff record does to the customer's ticket.</summary>
public static class HandoffAction
{
    public const string Open = "open";
    public const string CustomerReply = "customerReply";

    /// <summary>An agent closed the handoff (the record says when it opened).</summary>
    public const string Closed = "closed";
}

/// <summary>
/// A message for a customer, rendered (by the send activity, from a <see cref="MessageOrder"/>) for every channel
/// of its preference list so the sender can take the first one the customer may receive (consent, quiet hours).
/// It holds addresses and texts, so it never enters an orchestration's history.
/// </summary>
public sealed record OutboundMessage
{
    public required OutboundKind Kind { get; init; }

    /// <summary><c>service</c> or <c>marketing</c>: the consent the message needs.</summary>
    public required string Class { get; init; }

    public required string JourneyId { get; init; }
    public required int Version { get; init; }
    public string? Step { get; init; }
    public string? Stage { get; init; }
    public required CustomerContact Customer { get; init; }

    /// <summary>Channels in preference order (<see cref="Definitions.ChannelNames"/>: <c>sms</c>, <c>whatsapp</c>, <c>email</c>, <c>webchat</c>).</summary>
    public required IReadOnlyList<string> Channels { get; init; }

    public required string Locale { get; init; }
    public SmsContent? Sms { get; init; }
    public EmailContent? Email { get; init; }
    public WhatsAppContent? WhatsApp { get; init; }
    public ChatContent? WebChat { get; init; }

    /// <summary>For questions: the answers, so email can carry one-click answer links.</summary>
    public AskOptions? Ask { get; init; }

    /// <summary>The message's place among the instance's messages (<see cref="MessageOrder.Number"/>).</summary>
    public int? Sequence { get; init; }

    /// <summary>Where an automatic answer came from (<c>kb:{base}@{version}/{entry}</c>), kept in the message log.</summary>
    public string? Source { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static OutboundMessage Parse(string json) =>
        JsonSerializer.Deserialize<OutboundMessage>(json, Json) ?? throw new FormatException("Not an outbound message.");
}

/// <param name="Region">ISO 3166-2 subdivision (<c>US-FL</c>) where a state's texting rules apply.</param>
public sealed record CustomerContact(string? Id, string? Phone, string? Email, string? Locale, string? TimeZone, string? CountryCode, string? Region = null);

public sealed record SmsContent(string Text, int Segments, string Encoding);

public sealed record EmailContent(string Subject, string Html, string Text);

/// <summary>What WhatsApp can carry: free text (inside the 24-hour window) and the approved template with its parameters rendered.</summary>
public sealed record WhatsAppContent(string? Text, WhatsAppTemplateContent? Template);

public sealed record WhatsAppTemplateContent(string Name, string Language, IReadOnlyList<string> Parameters);

public sealed record ChatContent(string Text);

public sealed record AskOptions(string Expect, int Scale, IReadOnlyList<AskOption> Options);

public sealed record AskOption(string Value, string Label);
