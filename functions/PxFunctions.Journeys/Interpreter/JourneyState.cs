using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>What a journey instance is waiting for at its current step.</summary>
public enum WaitingFor
{
    Nothing,

    /// <summary>A delivery report, or the fallback timer (trigger "delivered").</summary>
    Delivery,

    /// <summary>A wait step's timer.</summary>
    Timer,

    /// <summary>The answer to an ask step, or its timeout.</summary>
    Reply,

    /// <summary>A goal step's business event, or its deadline.</summary>
    Goal,

    /// <summary>An agent: a handoff step's ticket is open.</summary>
    Agent,
}

/// <summary>
/// A journey instance's state, carried by the orchestration (in its history and through ContinueAsNew). Bounded:
/// a few fields and the recorded answers (one per ask/record step). It holds no personal data: no texts, no
/// addresses; the conversation itself lives in the message log and the reply store.
/// </summary>
public sealed record JourneyState
{
    [JsonPropertyName("journey")] public required string JourneyId { get; init; }
    [JsonPropertyName("version")] public required int Version { get; init; }
    [JsonPropertyName("step")] public string? Step { get; init; }
    [JsonPropertyName("stage")] public string? Stage { get; init; }
    [JsonPropertyName("waiting")] public WaitingFor Waiting { get; init; }
    [JsonPropertyName("until")] public DateTimeOffset? Until { get; init; }
    [JsonPropertyName("answers")] public JsonObject Answers { get; init; } = [];
    [JsonPropertyName("deliveredAt")] public DateTimeOffset? DeliveredAt { get; init; }
    /// <summary>The channel the customer last wrote on (agent replies go back on it).</summary>
    [JsonPropertyName("lastChannel")] public string? LastChannel { get; init; }

    /// <summary>The customer asked for a person; we asked them to confirm and wait for yes/no.</summary>
    [JsonPropertyName("confirmingHandoff")] public bool ConfirmingHandoff { get; init; }

    /// <summary>An agent has the conversation (from a reply, not a handoff step): automation pauses until this time.</summary>
    [JsonPropertyName("pausedUntil")] public DateTimeOffset? PausedUntil { get; init; }

    /// <summary>The step's timer came due during the pause; it is acted on when the pause ends.</summary>
    [JsonPropertyName("deferredTimer")] public bool DeferredTimer { get; init; }

    [JsonPropertyName("sent")] public int Sent { get; init; }

    /// <summary>When the open handoff (a handoff step's, or a pause) was opened; null when none is open.</summary>
    [JsonPropertyName("handoffAt")] public DateTimeOffset? HandoffAt { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static JourneyState? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize<JourneyState>(json, Json);
}
