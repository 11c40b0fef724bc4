using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Runtime;

/// <summary>The answer to an operation on one instance, in the terms of the Durable Functions HTTP API.</summary>
public enum OperationResult
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

/// <summary>A page of instances and the token for the next page (null when there is none).</summary>
public sealed record InstancePage(IReadOnlyList<InstanceStatus> Instances, string? ContinuationToken);

/// <summary>A query over instances; every condition is optional.</summary>
public sealed record InstanceQuery(
    IReadOnlyCollection<RuntimeStatus>? Statuses = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedTo = null,
    int PageSize = 100,
    string? ContinuationToken = null);

/// <summary>
/// Starts, inspects and controls instances. Every change goes through the instance queue, so it is applied by the
/// same processor and commit protocol as events and timers; the client only reads and enqueues.
/// </summary>
public sealed class InstanceClient(RuntimeStorage storage, InstanceStore store, OutboxRelay relay, IEnumerable<IInstanceHandler> handlers, TimeProvider time)
{
    private readonly HashSet<string> _names = handlers.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Starts an instance with a caller-chosen id. Starting an id that exists is a no-op that returns the existing
    /// instance (its input unchanged), so a repeated webhook cannot start two.
    /// </summary>
    /// <returns>The instance's status and whether this call created it.</returns>
    public async Task<(InstanceStatus Status, bool Created)> StartAsync(string name, string instanceId, string? input, CancellationToken cancellationToken)
    {
        InstanceKeys.ValidateInstanceId(instanceId);
        if (!_names.Contains(name))
        {
            throw new ArgumentException($"No handler is registered with the name '{name}'.", nameof(name));
        }

        var now = time.GetUtcNow();
        var pending = new InstanceRecord { InstanceId = instanceId, Name = name, Input = input, Status = RuntimeStatus.Pending, CreatedTime = now, LastUpdatedTime = now };
        try
        {
            await storage.Instances.AddEntityAsync(pending.ToEntity(), cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = (await store.GetAsync(instanceId, cancellationToken))!;
            if (existing.Status == RuntimeStatus.Pending)
            {
                // The first caller may have stopped before queuing the start; queuing it again is harmless.
                await EnqueueStartAsync(existing, cancellationToken);
            }

            return (existing.ToStatus(), false);
        }

        await EnqueueStartAsync(pending, cancellationToken);
        return (pending.ToStatus(), true);
    }

    /// <summary>
    /// Raises an event. With <paramref name="requireExisting"/> (the management API) a missing instance is
    /// <see cref="OperationResult.NotFound"/> and a finished one <see cref="OperationResult.Gone"/>; without it
    /// (replies racing a start) the event is queued anyway and waits in the instance's buffer.
    /// </summary>
    /// <param name="eventId">Deduplication key; a redelivered event with the same id is applied once.</param>
    public async Task<OperationResult> RaiseEventAsync(
        string instanceId, string eventName, string? data, string? eventId, bool requireExisting, CancellationToken cancellationToken)
    {
        InstanceKeys.ValidateInstanceId(instanceId);
        if (requireExisting)
        {
            var check = await CheckLiveAsync(instanceId, cancellationToken);
            if (check != OperationResult.Accepted)
            {
                return check;
            }
        }

        await EnqueueAsync(InstanceMessageKind.Event, instanceId, eventId ?? Guid.NewGuid().ToString("N"), eventName, data, cancellationToken);
        return OperationResult.Accepted;
    }

    public Task<OperationResult> TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        ControlAsync(InstanceMessageKind.Terminate, instanceId, reason, cancellationToken);

    public Task<OperationResult> SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        ControlAsync(InstanceMessageKind.Suspend, instanceId, reason, cancellationToken);

    public Task<OperationResult> ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        ControlAsync(InstanceMessageKind.Resume, instanceId, reason, cancellationToken);

    public async Task<InstanceStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken)
    {
        InstanceKeys.ValidateInstanceId(instanceId);
        return (await store.GetAsync(instanceId, cancellationToken))?.ToStatus();
    }

    /// <summary>Lists instances by status and creation time, a page at a time.</summary>
    public async Task<InstancePage> QueryAsync(InstanceQuery query, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey ge {InstanceRecord.RowKeyPrefix} and RowKey lt {InstanceKeys.End(InstanceRecord.RowKeyPrefix)}");
        if (query.Statuses is { Count: > 0 } statuses)
        {
            filter += " and (" + string.Join(" or ", statuses.Select(s => TableClient.CreateQueryFilter($"Status eq {s.ToString()}"))) + ")";
        }

        if (query.CreatedFrom is { } from)
        {
            filter += " and " + TableClient.CreateQueryFilter($"CreatedTime ge {from}");
        }

        if (query.CreatedTo is { } to)
        {
            filter += " and " + TableClient.CreateQueryFilter($"CreatedTime le {to}");
        }

        var pageSize = Math.Clamp(query.PageSize, 1, 1000);
        await foreach (var page in storage.Instances.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken)
                           .AsPages(query.ContinuationToken, pageSize))
        {
            return new InstancePage(page.Values.Select(e => InstanceRecord.FromEntity(e).ToStatus()).ToList(), page.ContinuationToken);
        }

        return new InstancePage([], null);
    }

    /// <summary>Deletes everything stored for a finished instance (state, markers, buffered and late events).</summary>
    public async Task<OperationResult> PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        InstanceKeys.ValidateInstanceId(instanceId);
        var record = await store.GetAsync(instanceId, cancellationToken);
        if (record is null)
        {
            return OperationResult.NotFound;
        }

        if (!record.Status.IsTerminal())
        {
            return OperationResult.Conflict;
        }

        var keys = new List<string>();
        await foreach (var row in storage.Instances.QueryAsync<TableEntity>(
                           TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            keys.Add(row.RowKey);
        }

        // The state row last: a purge that stops half-way can simply be repeated.
        keys.Remove(InstanceRecord.RowKeyFor(instanceId));
        await store.DeleteAllAsync(instanceId, keys, cancellationToken);
        await store.DeleteAllAsync(instanceId, [InstanceRecord.RowKeyFor(instanceId)], cancellationToken);
        return OperationResult.Done;
    }

    private async Task<OperationResult> ControlAsync(InstanceMessageKind kind, string instanceId, string? reason, CancellationToken cancellationToken)
    {
        InstanceKeys.ValidateInstanceId(instanceId);
        var check = await CheckLiveAsync(instanceId, cancellationToken);
        if (check == OperationResult.Accepted)
        {
            await EnqueueAsync(kind, instanceId, Guid.NewGuid().ToString("N"), null, reason, cancellationToken);
        }

        return check;
    }

    private async Task<OperationResult> CheckLiveAsync(string instanceId, CancellationToken cancellationToken) =>
        await store.GetAsync(instanceId, cancellationToken) switch
        {
            null => OperationResult.NotFound,
            { Status: var s } when s.IsTerminal() => OperationResult.Gone,
            _ => OperationResult.Accepted,
        };

    private Task EnqueueStartAsync(InstanceRecord pending, CancellationToken cancellationToken) =>
        relay.EnqueueAsync(
            pending.InstanceId,
            new InstanceMessage
            {
                Kind = InstanceMessageKind.Start,
                InstanceId = pending.InstanceId,
                EventId = InstanceKeys.StartEventId(pending.InstanceId),
                Name = pending.Name,
                Data = pending.Input,
                At = time.GetUtcNow(),
            }.ToJson(),
            cancellationToken);

    private Task EnqueueAsync(InstanceMessageKind kind, string instanceId, string eventId, string? name, string? data, CancellationToken cancellationToken) =>
        relay.EnqueueAsync(
            instanceId,
            new InstanceMessage { Kind = kind, InstanceId = instanceId, EventId = eventId, Name = name, Data = data, At = time.GetUtcNow() }.ToJson(),
            cancellationToken);
}
