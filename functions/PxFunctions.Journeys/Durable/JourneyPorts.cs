using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Journeys.Durable;

/// <summary>A published journey version: immutable once published, so readers may keep it for ever.</summary>
public sealed record PublishedJourney(JourneyDefinition Definition, string Document);

/// <summary>Where published journey versions are read from.</summary>
public interface IJourneyVersions
{
    /// <summary>A published version, or null when that version was never published.</summary>
    ValueTask<PublishedJourney?> GetPublishedAsync(string journeyId, int version, CancellationToken cancellationToken);
}

/// <summary>
/// The full purchase model of each journey instance (names, addresses, links): written by the intake before the
/// instance starts, read by the send activity to render messages. It is the one place an instance's personal data
/// lives, so an erasure has one place to clear.
/// </summary>
public interface IJourneyContexts
{
    Task SaveAsync(string instanceId, JourneyInput input, CancellationToken cancellationToken);

    Task<JourneyInput?> GetAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Deletes the instance's purchase (erasure); the send activity then renders nothing personal.</summary>
    Task ForgetAsync(string instanceId, CancellationToken cancellationToken);
}

/// <summary>
/// Texts that reach a journey from outside (customer replies, agents' answers), kept beside the instance so the
/// events raised to it carry a reference instead of the text. Saving the same key twice keeps the first text.
/// </summary>
public interface IReplyStore
{
    /// <returns>The reference to raise with the event.</returns>
    Task<string> SaveAsync(string instanceId, string key, JourneyText text, CancellationToken cancellationToken);

    Task<JourneyText?> GetAsync(string instanceId, string reference, CancellationToken cancellationToken);

    /// <summary>Deletes every text of the instance (erasure).</summary>
    Task ForgetAsync(string instanceId, CancellationToken cancellationToken);
}

/// <param name="From"><c>customer</c> or <c>agent</c>.</param>
public sealed record JourneyText(string From, string? Channel, string Text, DateTimeOffset At);

/// <summary>
/// Sends a rendered message to the customer within the rules (consent, quiet hours, frequency cap, opt-outs,
/// terminated journeys), at most once per message id however often it is called. A transient
/// channel failure throws, so the activity's retry policy tries again with the same id.
/// </summary>
public interface IJourneyMessenger
{
    /// <param name="orderedAt">When the journey ordered it (orchestration time): a running journey's fresh order needs no look at the instance.</param>
    Task<SendResult> SendAsync(string instanceId, string messageId, OutboundMessage message, DateTimeOffset? orderedAt, CancellationToken cancellationToken);
}

/// <summary>
/// What became of a message: sent (and when it first went: a retry, or a send repeated by an episode the engine ran
/// again, answers with the first time), suppressed (with the reason), failed, or held until a time.
/// </summary>
public sealed record SendResult(SendStatus Status, DateTimeOffset? HeldUntil = null, string? Channel = null, string? Reason = null, DateTimeOffset? SentAt = null);

public enum SendStatus
{
    Sent,
    Suppressed,
    Failed,
    Held,
}

/// <summary>Keeps the records a journey makes for the brand's team (tickets, facts, unused replies), once per id.</summary>
public interface ITeamRecords
{
    Task AddAsync(string instanceId, string recordId, TeamRecord record, CancellationToken cancellationToken);
}

/// <summary>
/// Where a journey's progress is counted (the PX metrics' funnel and outcomes). The orchestrator hands it steps
/// reached with the next activity it calls anyway, and the outcome at the end; a repeated call with the same
/// progress counts nothing more (the ids are the instance's, its steps' and the outcome's).
/// </summary>
public interface IJourneyProgress
{
    Task RecordAsync(string instanceId, JourneyProgress progress, CancellationToken cancellationToken);
}

/// <summary>Steps a journey reached (each once per instance), and how it ended when it has. Ids and times only.</summary>
/// <param name="EndedAt">When the journey ended (orchestration time), with <paramref name="Outcome"/>.</param>
public sealed record JourneyProgress(string JourneyId, IReadOnlyList<ReachedAt> Reached, string? Outcome = null, DateTimeOffset? EndedAt = null);

/// <summary>A step reached: its version, stage and id, and when (orchestration time: the funnel's day).</summary>
public sealed record ReachedAt(int Version, string? Stage, string Step, DateTimeOffset At);

/// <summary>Published knowledge bases: versions are immutable, so readers may cache them.</summary>
public interface IKnowledgeBases
{
    /// <summary>The index of the latest published versions of the bases that serve a journey (empty when none do).</summary>
    ValueTask<Understanding.KnowledgeIndex> IndexForAsync(string journeyId, CancellationToken cancellationToken);

    ValueTask<Knowledge.PublishedKnowledge?> GetPublishedAsync(string baseId, int version, CancellationToken cancellationToken);
}
