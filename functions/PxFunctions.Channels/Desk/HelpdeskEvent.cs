using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Queues;

namespace PxFunctions.Channels.Desk;

/// <summary>What happened to a handoff, as the helpdesk is told (<see cref="HelpdeskEvent.Kind"/>).</summary>
public static class HelpdeskEventKind
{
    public const string Opened = "opened";
    public const string CustomerMessage = "customerMessage";
    public const string AgentReply = "agentReply";
    public const string Note = "note";
    public const string Closed = "closed";
}

/// <summary>
/// A queued helpdesk event (queue <c>helpdesk</c>): ids and references only, never a text or an address, so the
/// queue, its poison copy and the poison table hold nothing personal. The delivery reads the rest when it sends,
/// and sends nothing for a handoff that was erased meanwhile.
/// </summary>
/// <param name="Id">The event's id, the same however often the event is queued: the receiver's dedupe key.</param>
/// <param name="OpenedAt">The handoff's opening (with the instance, the handoff).</param>
/// <param name="Reference">The text (a reply store key) or the note id the event is about.</param>
/// <param name="Attempt">Deliveries tried so far.</param>
public sealed record HelpdeskEvent(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("instanceId")] string InstanceId,
    [property: JsonPropertyName("openedAt")] DateTimeOffset OpenedAt,
    [property: JsonPropertyName("ref")] string? Reference,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("attempt")] int Attempt = 0)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Parses a queue message; a malformed one is a <see cref="FormatException"/> (poisoned at once).</summary>
    public static HelpdeskEvent Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<HelpdeskEvent>(json) is { Id.Length: > 0, Kind.Length: > 0, InstanceId.Length: > 0 } e
                ? e
                : throw new FormatException("A helpdesk event needs an id, a kind and an instance id.");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Not a helpdesk event: {ex.Message}", ex);
        }
    }

    /// <summary>A stable event id from what identifies the event (the handoff and the thing that happened).</summary>
    public static string IdOf(Handoff handoff, string kind, string? what = null)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{handoff.ExternalId}\n{kind}\n{what}"));
        return "evt_" + Convert.ToHexString(hash, 0, 16).ToLowerInvariant();
    }
}

/// <summary>
/// Queues helpdesk events (queue <c>helpdesk</c>) when a helpdesk is configured; otherwise does nothing. Callers
/// queue after their own write and again when they run again (an activity repeated, a request retried): the ids
/// repeat, the delivery skips what the helpdesk already took, so an event is never lost to a crash in between.
/// </summary>
public sealed class HelpdeskOutbox(QueueClient queue, DeskOptions options)
{
    public const string Queue = "helpdesk";

    public bool Enabled => options.Helpdesk is not null;

    public async Task EnqueueAsync(HelpdeskEvent e, CancellationToken cancellationToken, TimeSpan? delay = null)
    {
        if (!Enabled)
        {
            return;
        }

        await queue.SendMessageAsync(e.ToJson(), visibilityTimeout: delay, cancellationToken: cancellationToken);
    }
}
