namespace PxFunctions.Triggers;

/// <summary>What starts a queue or timer function (the standalone dispatcher reads these; the [Function]s say the same).</summary>
public abstract record FunctionTrigger;

/// <summary>A message on one of the app's queues (logical name; the physical name carries the storage prefix).</summary>
public sealed record QueueTrigger(string Queue) : FunctionTrigger;

/// <summary>An NCRONTAB schedule with seconds (<c>0 */5 * * * *</c>), evaluated in UTC as the Functions host does.</summary>
public sealed record TimerTrigger(string Schedule) : FunctionTrigger;

/// <summary>The Functions host's key levels, as functions.metadata spells them.</summary>
public enum FunctionAuthLevel
{
    Anonymous,
    Function,
}

/// <summary>One queue or timer function of the app: its name (the [Function]'s) and trigger.</summary>
public sealed record FunctionDefinition(string Name, FunctionTrigger Trigger, Type? HandlerType = null);
