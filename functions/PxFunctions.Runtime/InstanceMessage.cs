using System.Text.Json;
using System.Text.Json.Serialization;

namespace PxFunctions.Runtime;

/// <summary>What a message on the instance queue asks for.</summary>
public enum InstanceMessageKind
{
    Start,
    Event,
    Timer,
    Terminate,
    Suspend,
    Resume,

    /// <summary>
    /// Several timers (of any instances) due in the same second, carried by one queue message: the timer pump
    /// sends these so that many timers coming due together cost one queue message per batch, not one each.
    /// </summary>
    TimerBatch,
}

/// <summary>
/// A message on the instance queue (<c>px-events</c>). Everything that changes an instance arrives as one, so one
/// processor with one commit protocol applies them all. Short property names keep messages small.
/// </summary>
public sealed record InstanceMessage
{
    [JsonPropertyName("k")]
    public required InstanceMessageKind Kind { get; init; }

    [JsonPropertyName("i")]
    public required string InstanceId { get; init; }

    /// <summary>Deduplication key: an event with an id already applied to the instance is not applied again.</summary>
    [JsonPropertyName("e")]
    public required string EventId { get; init; }

    /// <summary>Handler name (start), event name (event), timer name (timer).</summary>
    [JsonPropertyName("n")]
    public string? Name { get; init; }

    /// <summary>Input (start), event data (event), reason (terminate/suspend/resume).</summary>
    [JsonPropertyName("d")]
    public string? Data { get; init; }

    /// <summary>The timer's id: a timer message fires only while the instance still holds a timer with this id.</summary>
    [JsonPropertyName("t")]
    public string? TimerId { get; init; }

    [JsonPropertyName("due")]
    public DateTimeOffset? Due { get; init; }

    [JsonPropertyName("at")]
    public DateTimeOffset At { get; init; }

    /// <summary>How many times a long timer has been re-queued (queue messages stay hidden at most 7 days).</summary>
    [JsonPropertyName("h")]
    public int Hops { get; init; }

    /// <summary>The timer messages of a <see cref="InstanceMessageKind.TimerBatch"/>.</summary>
    [JsonPropertyName("b")]
    public IReadOnlyList<InstanceMessage>? Batch { get; init; }

    /// <summary>Bundles timer messages due in the same second; the batch is due when its last timer is.</summary>
    public static InstanceMessage TimerBatchOf(IReadOnlyList<InstanceMessage> timers, DateTimeOffset at) => new()
    {
        Kind = InstanceMessageKind.TimerBatch,
        InstanceId = timers[0].InstanceId,
        EventId = "batch:" + Guid.NewGuid().ToString("N"),
        Due = timers.Max(t => t.Due),
        At = at,
        Batch = timers,
    };

    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Parses a queue message; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static InstanceMessage Parse(string json)
    {
        InstanceMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<InstanceMessage>(json, Options);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Not an instance message: {ex.Message}", ex);
        }

        if (message is null || string.IsNullOrEmpty(message.InstanceId) || string.IsNullOrEmpty(message.EventId))
        {
            throw new FormatException("An instance message needs an instance id (i) and an event id (e).");
        }

        if ((message.Kind == InstanceMessageKind.TimerBatch) != message.Batch is { Count: > 0 }
            || message.Batch?.Any(t => t.Kind != InstanceMessageKind.Timer || string.IsNullOrEmpty(t.InstanceId) || string.IsNullOrEmpty(t.EventId)) == true)
        {
            throw new FormatException("A timer batch (b) holds timer messages, and only a timer batch has one.");
        }

        return message;
    }
}

/// <summary>A send handed on to the effect queue (<c>px-outbox</c>).</summary>
public sealed record EffectMessage(
    [property: JsonPropertyName("id")] string EffectId,
    [property: JsonPropertyName("i")] string InstanceId,
    [property: JsonPropertyName("c")] string Channel,
    [property: JsonPropertyName("p")] string Payload)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    public static EffectMessage Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<EffectMessage>(json) is { EffectId.Length: > 0, InstanceId.Length: > 0 } m
                ? m
                : throw new FormatException("An effect message needs an effect id and an instance id.");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Not an effect message: {ex.Message}", ex);
        }
    }
}
