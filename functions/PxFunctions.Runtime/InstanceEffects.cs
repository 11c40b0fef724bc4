namespace PxFunctions.Runtime;

/// <summary>Something a transition asks the runtime to do once the new state is committed.</summary>
public abstract record InstanceEffect;

/// <summary>
/// Send a message. Delivered at least once to the effect sink with a stable effect id
/// (<c>{instanceId}/{version}/{index}</c>) that the sink uses to send it at most once.
/// </summary>
public sealed record SendMessage(string Channel, string Payload) : InstanceEffect;

/// <summary>Start (or restart) the named timer; a timer with the same name is superseded and never fires.</summary>
public sealed record StartTimer(string Name, DateTimeOffset DueAt) : InstanceEffect;

/// <summary>Cancel the named timer; it never fires.</summary>
public sealed record CancelTimer(string Name) : InstanceEffect;

/// <summary>Set the queryable custom status (JSON), e.g. the journey's stage, step and what it waits for.</summary>
public sealed record SetCustomStatus(string? Json) : InstanceEffect;

/// <summary>End the instance as Completed with an output (JSON); pending timers are cancelled.</summary>
public sealed record CompleteInstance(string? Output) : InstanceEffect;

/// <summary>End the instance as Failed with a reason; pending timers are cancelled.</summary>
public sealed record FailInstance(string Reason) : InstanceEffect;
