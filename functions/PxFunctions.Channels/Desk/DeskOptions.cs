namespace PxFunctions.Channels.Desk;

/// <summary>
/// How the handoff desk works: the response time promised to a customer handed to a person, and the helpdesk (if
/// any) each handoff is mirrored to. Built from the app's settings (<c>Px__Desk__*</c>, <c>Px__Helpdesk__*</c>).
/// </summary>
public sealed record DeskOptions
{
    public static readonly TimeSpan DefaultSla = TimeSpan.FromHours(4);

    /// <summary>An agent should first answer within this time of the handoff opening (wall-clock hours, every day).</summary>
    public TimeSpan Sla { get; init; } = DefaultSla;

    /// <summary>How long closed handoffs stay listed (and their notes kept) after they close, unless their journey is purged first.</summary>
    public TimeSpan ClosedRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The helpdesk webhook; null: handoffs stay in the desk only.</summary>
    public HelpdeskOptions? Helpdesk { get; init; }
}

/// <summary>The ticket API shape a helpdesk webhook is written in.</summary>
public enum HelpdeskFormat
{
    Zendesk,
    Gorgias,
}

/// <summary>
/// Where handoff events are POSTed, in which shape, signed with which secret, and how long a helpdesk that is down is
/// retried (the first retry after <see cref="RetryDelay"/>, doubling, at most an hour apart).
/// </summary>
public sealed record HelpdeskOptions(Uri Url, HelpdeskFormat Format, byte[] Secret)
{
    public const int DefaultMaxAttempts = 10;
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);

    public int MaxAttempts { get; init; } = DefaultMaxAttempts;
    public TimeSpan RetryDelay { get; init; } = DefaultRetryDelay;

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 (attempts count from 1).</summary>
    public TimeSpan DelayAfter(int attempt) =>
        TimeSpan.FromTicks((long)Math.Min(MaxRetryDelay.Ticks, RetryDelay.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30))));
}
