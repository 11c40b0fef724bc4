using System.Text.Json.Nodes;

namespace PxFunctions.Journeys.Durable;

/// <summary>An instance's runtime status, in the Durable Functions terms.</summary>
public enum InstanceStatus
{
    Running,
    Completed,
    ContinuedAsNew,
    Failed,
    Canceled,
    Terminated,
    Pending,
    Suspended,
}

/// <summary>What the status API shows of an instance (inputs, outputs and custom status are JSON text).</summary>
public sealed record InstanceState(
    string Name,
    string InstanceId,
    InstanceStatus Status,
    string? Input,
    string? CustomStatus,
    string? Output,
    DateTimeOffset CreatedTime,
    DateTimeOffset LastUpdatedTime,
    string? FailureMessage = null)
{
    public bool IsActive => Status is InstanceStatus.Running or InstanceStatus.Pending or InstanceStatus.Suspended or InstanceStatus.ContinuedAsNew;
}

/// <summary>The answer to an operation on one instance, in the terms of the Durable Functions HTTP API.</summary>
public enum InstanceOperation
{
    /// <summary>Queued; the instance applies it shortly (202).</summary>
    Accepted,

    /// <summary>No such instance (404).</summary>
    NotFound,

    /// <summary>The instance has finished and takes no more operations (410).</summary>
    Gone,

    /// <summary>Done at once (purge: 200).</summary>
    Done,

    /// <summary>Not possible in the instance's state (purge of a running instance: 409).</summary>
    Conflict,
}

/// <summary>A query over instances; every condition is optional.</summary>
public sealed record InstanceQuery(
    IReadOnlyCollection<InstanceStatus>? Statuses = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedTo = null,
    int PageSize = 100,
    string? ContinuationToken = null);

/// <summary>A page of instances and the token of the next page (null when there is none).</summary>
public sealed record InstancePage(IReadOnlyList<InstanceState> Instances, string? ContinuationToken);

/// <summary>
/// Starts, inspects and controls orchestration instances: the Durable client behind a port, so the intake, the
/// channels and the admin API are the same code under the Functions host (over <c>DurableTaskClient</c>) and
/// standalone (over the Durable Task Framework's client).
/// </summary>
public interface IJourneyInstances
{
    /// <summary>
    /// Starts an instance with a caller-chosen id. An id that exists (running or finished) is left as it is, so a
    /// repeated webhook can never restart a journey.
    /// </summary>
    /// <param name="input">The input, serialised as JSON by the engine.</param>
    /// <returns>Whether this call created the instance.</returns>
    Task<bool> StartAsync(string orchestrator, string instanceId, object? input, CancellationToken cancellationToken);

    Task<InstanceState?> GetAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>The instance's history events as JSON objects (<c>EventType</c>, <c>Timestamp</c> and the event's fields).</summary>
    Task<IReadOnlyList<JsonObject>> HistoryAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Raises an event. With an <paramref name="eventId"/> the journey applies it once however often it is raised
    /// (the id travels in the payload as <see cref="OwnershipJourney.EventIdProperty"/>).
    /// </summary>
    Task<InstanceOperation> RaiseEventAsync(string instanceId, string eventName, JsonObject? data, string? eventId, CancellationToken cancellationToken);

    Task<InstanceOperation> TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken);

    Task<InstanceOperation> SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken);

    Task<InstanceOperation> ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken);

    /// <summary>Deletes a finished instance and its history.</summary>
    Task<InstanceOperation> PurgeAsync(string instanceId, CancellationToken cancellationToken);

    Task<InstancePage> QueryAsync(InstanceQuery query, CancellationToken cancellationToken);
}

/// <summary>
/// The rules every <see cref="IJourneyInstances"/> keeps, whatever the engine: an operation on a missing instance is
/// <see cref="InstanceOperation.NotFound"/>, on a finished one <see cref="InstanceOperation.Gone"/>; only a finished
/// instance is purged (the provider would delete a running one).
/// </summary>
public static class InstanceRules
{
    public static async Task<InstanceOperation> ControlAsync(IJourneyInstances instances, string instanceId, Func<Task> operation, CancellationToken cancellationToken)
    {
        var state = await instances.GetAsync(instanceId, cancellationToken);
        if (state is null)
        {
            return InstanceOperation.NotFound;
        }

        if (!state.IsActive)
        {
            return InstanceOperation.Gone;
        }

        await operation();
        return InstanceOperation.Accepted;
    }

    /// <param name="purge">Deletes the instance; returns how many instances were deleted.</param>
    public static async Task<InstanceOperation> PurgeAsync(IJourneyInstances instances, string instanceId, Func<Task<int>> purge, CancellationToken cancellationToken)
    {
        var state = await instances.GetAsync(instanceId, cancellationToken);
        if (state is null)
        {
            return InstanceOperation.NotFound;
        }

        if (state.IsActive)
        {
            return InstanceOperation.Conflict;
        }

        return await purge() > 0 ? InstanceOperation.Done : InstanceOperation.NotFound;
    }
}

/// <summary>Helpers every implementation shares.</summary>
public static class JourneyEvents
{
    /// <summary>The payload an event is raised with: the data, plus its id for deduplication.</summary>
    public static JsonObject Payload(JsonObject? data, string? eventId)
    {
        var payload = data is null ? [] : (JsonObject)data.DeepClone();
        if (eventId is not null)
        {
            payload[OwnershipJourney.EventIdProperty] = eventId;
        }

        return payload;
    }
}
