namespace PxFunctions.Runtime;

/// <summary>An instance's lifecycle, with the names and meanings Durable Functions uses.</summary>
public enum RuntimeStatus
{
    /// <summary>Start accepted; the first transition has not been applied yet.</summary>
    Pending,

    /// <summary>Started and waiting on timers or events.</summary>
    Running,

    /// <summary>Paused by an admin: events and timers are kept and applied on resume.</summary>
    Suspended,

    /// <summary>The handler completed it.</summary>
    Completed,

    /// <summary>The handler failed it, or threw.</summary>
    Failed,

    /// <summary>An admin or the app ended it.</summary>
    Terminated,
}

public static class RuntimeStatusExtensions
{
    /// <summary>Completed, Failed and Terminated instances take no more events.</summary>
    public static bool IsTerminal(this RuntimeStatus status) =>
        status is RuntimeStatus.Completed or RuntimeStatus.Failed or RuntimeStatus.Terminated;
}
