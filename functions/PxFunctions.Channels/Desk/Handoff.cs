using Azure;

namespace PxFunctions.Channels.Desk;

/// <summary>
/// One time a journey handed its customer to a person (a <c>handoff</c> step, or a pause after the customer asked
/// for one), as the desk lists it: ids, times, the reason, who has it. No name, number or address: those are read
/// from the purchase (<c>IJourneyContexts</c>) when an agent looks, so erasing the purchase erases them everywhere.
/// </summary>
public sealed record Handoff
{
    public required string InstanceId { get; init; }

    /// <summary>When the journey opened it (orchestration time); with the instance, its identity.</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    public required string JourneyId { get; init; }
    public int? Version { get; init; }
    public string? Stage { get; init; }
    public string? Step { get; init; }

    /// <summary>The journey's customer id (the key of <c>/api/admin/customers/{id}</c>); null for a journey without one.</summary>
    public string? CustomerId { get; init; }

    public string? Reason { get; init; }
    public string Status { get; init; } = HandoffStatus.Open;
    public string? Assignee { get; init; }

    /// <summary>When an agent should have answered by (opened + the desk's SLA).</summary>
    public required DateTimeOffset SlaDueAt { get; init; }

    /// <summary>When the journey takes the conversation back by itself if nobody closes the handoff.</summary>
    public required DateTimeOffset ResumesAt { get; init; }

    public DateTimeOffset? LastCustomerMessageAt { get; init; }

    /// <summary>The channel the customer last wrote on (<c>sms</c>, <c>email</c>): where an answer goes by default.</summary>
    public string? LastCustomerChannel { get; init; }

    public DateTimeOffset? FirstAgentReplyAt { get; init; }
    public DateTimeOffset? LastAgentReplyAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>Why it closed (<see cref="HandoffClosedBy"/>).</summary>
    public string? ClosedBy { get; init; }

    public ETag ETag { get; init; }

    public bool IsOpen => Status == HandoffStatus.Open;

    /// <summary>The first answer came (or, without one, the handoff is still waiting) past <see cref="SlaDueAt"/>.</summary>
    public bool SlaBreached(DateTimeOffset now) => (FirstAgentReplyAt ?? (IsOpen ? now : ClosedAt ?? now)) > SlaDueAt;

    /// <summary>The handoff's id outside the app (helpdesk tickets): the instance and the opening's milliseconds.</summary>
    public string ExternalId => $"px:{InstanceId}:{OpenedAt.ToUnixTimeMilliseconds()}";
}

public static class HandoffStatus
{
    public const string Open = "open";
    public const string Closed = "closed";
}

/// <summary>Who or what closed a handoff.</summary>
public static class HandoffClosedBy
{
    /// <summary>An agent, through the desk (the journey's own record of the close converges on the same state).</summary>
    public const string Agent = "agent";

    /// <summary>The journey took the conversation back when its wait for a person ran out.</summary>
    public const string Timeout = "timeout";

    /// <summary>The journey handed off again, so the earlier handoff had ended.</summary>
    public const string Superseded = "superseded";
}

/// <summary>An internal note on a handoff: for the team, never sent to the customer.</summary>
public sealed record HandoffNote(string Id, string Author, string Text, DateTimeOffset At);
