namespace PxFunctions.Triggers;

/// <summary>What starts a function. The deploy package's function.json files are generated from these.</summary>
public abstract record FunctionTrigger
{
    /// <summary>The binding name the Functions host uses as the key under <c>Data</c>.</summary>
    public abstract string BindingName { get; }
}

/// <summary>A message on one of the app's queues (logical name; the physical name carries the storage prefix).</summary>
public sealed record QueueTrigger(string Queue) : FunctionTrigger
{
    public override string BindingName => "msg";
}

/// <summary>An NCRONTAB schedule with seconds (<c>0 */5 * * * *</c>), evaluated in UTC as the Functions host does.</summary>
public sealed record TimerTrigger(string Schedule) : FunctionTrigger
{
    public override string BindingName => "timer";
}

/// <summary>An HTTP route served by the app and forwarded to it as is by the host.</summary>
public sealed record HttpTrigger(string Route, IReadOnlyList<string> Methods, FunctionAuthLevel AuthLevel) : FunctionTrigger
{
    public override string BindingName => "req";
}

/// <summary>The Functions host's key levels, as function.json spells them.</summary>
public enum FunctionAuthLevel
{
    Anonymous,
    Function,
}

/// <summary>One function of the app: its name (the host's, and the custom handler's invocation path) and trigger.</summary>
public sealed record FunctionDefinition(string Name, FunctionTrigger Trigger, Type? HandlerType = null);
