using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.AzureStorage;
using DurableTask.AzureStorage.Tracking;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Standalone;

/// <summary>
/// The standalone host's Durable client: the Azure Storage provider's own client operations, with inputs and event
/// data written as the Durable SDK's default JSON (System.Text.Json), so the shims read them exactly as the
/// Functions host's <c>DurableTaskClient</c> would have written them.
/// </summary>
/// <param name="ready">Completes when the task hub exists (the host creates it in the background at start-up).</param>
public sealed class TaskHubJourneyInstances(AzureStorageOrchestrationService service, Func<CancellationToken, Task> ready) : IJourneyInstances
{
    /// <summary>Every status: a start of an id that exists in any state is refused (it never replaces a journey).</summary>
    private static readonly OrchestrationStatus[] AnyStatus = Enum.GetValues<OrchestrationStatus>();

    public async Task<bool> StartAsync(string orchestrator, string instanceId, object? input, CancellationToken cancellationToken)
    {
        await ready(cancellationToken);
        var instance = new OrchestrationInstance { InstanceId = instanceId, ExecutionId = Guid.NewGuid().ToString("N") };
        var started = new ExecutionStartedEvent(-1, input is null ? null : JsonSerializer.Serialize(input, input.GetType()))
        {
            OrchestrationInstance = instance,
            Name = orchestrator,
            Version = string.Empty,
        };
        try
        {
            await service.CreateTaskOrchestrationAsync(new TaskMessage { OrchestrationInstance = instance, Event = started }, AnyStatus);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false;
        }
    }

    public async Task<InstanceState?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        await ready(cancellationToken);
        return (await service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: true)).FirstOrDefault() is { } state ? ToState(state) : null;
    }

    public async Task<IReadOnlyList<JsonObject>> HistoryAsync(string instanceId, CancellationToken cancellationToken)
    {
        await ready(cancellationToken);
        var state = (await service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: false)).FirstOrDefault();
        if (state is null)
        {
            return [];
        }

        var history = await service.GetOrchestrationHistoryAsync(instanceId, state.OrchestrationInstance.ExecutionId);
        return JsonNode.Parse(history) is JsonArray events ? events.OfType<JsonObject>().Select(e => (JsonObject)e.DeepClone()).ToList() : [];
    }

    public Task<InstanceOperation> RaiseEventAsync(string instanceId, string eventName, JsonObject? data, string? eventId, CancellationToken cancellationToken) =>
        InstanceRules.ControlAsync(this, instanceId, () => SendAsync(instanceId, new EventRaisedEvent(-1, JourneyEvents.Payload(data, eventId).ToJsonString()) { Name = eventName }), cancellationToken);

    public Task<InstanceOperation> TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        InstanceRules.ControlAsync(this, instanceId, () => service.ForceTerminateTaskOrchestrationAsync(instanceId, reason ?? "terminated"), cancellationToken);

    public Task<InstanceOperation> SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        InstanceRules.ControlAsync(this, instanceId, () => SendAsync(instanceId, new ExecutionSuspendedEvent(-1, reason)), cancellationToken);

    public Task<InstanceOperation> ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        InstanceRules.ControlAsync(this, instanceId, () => SendAsync(instanceId, new ExecutionResumedEvent(-1, reason)), cancellationToken);

    public Task<InstanceOperation> PurgeAsync(string instanceId, CancellationToken cancellationToken) =>
        InstanceRules.PurgeAsync(this, instanceId, async () => (await service.PurgeInstanceHistoryAsync(instanceId)).InstancesDeleted, cancellationToken);

    public async Task<InstancePage> QueryAsync(InstanceQuery query, CancellationToken cancellationToken)
    {
        await ready(cancellationToken);
        var condition = new OrchestrationInstanceStatusQueryCondition
        {
            RuntimeStatus = query.Statuses is { Count: > 0 } statuses ? statuses.Select(ToCore).ToList() : null,
            CreatedTimeFrom = query.CreatedFrom?.UtcDateTime ?? default,
            CreatedTimeTo = query.CreatedTo?.UtcDateTime ?? default,
            FetchInput = true,
            FetchOutput = true,
        };
        var page = await service.GetOrchestrationStateAsync(condition, Math.Clamp(query.PageSize, 1, 1000), query.ContinuationToken, cancellationToken);
        return new InstancePage(page.OrchestrationState.Select(ToState).ToList(), string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
    }

    private Task SendAsync(string instanceId, HistoryEvent historyEvent) =>
        service.SendTaskOrchestrationMessageAsync(new TaskMessage { OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId }, Event = historyEvent });

    private static InstanceState ToState(OrchestrationState s) => new(
        s.Name,
        s.OrchestrationInstance.InstanceId,
        FromCore(s.OrchestrationStatus),
        s.Input,
        s.Status,
        s.Output,
        new DateTimeOffset(DateTime.SpecifyKind(s.CreatedTime, DateTimeKind.Utc)),
        new DateTimeOffset(DateTime.SpecifyKind(s.LastUpdatedTime, DateTimeKind.Utc)),
        s.FailureDetails?.ErrorMessage);

    private static InstanceStatus FromCore(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Running => InstanceStatus.Running,
        OrchestrationStatus.Completed => InstanceStatus.Completed,
        OrchestrationStatus.ContinuedAsNew => InstanceStatus.ContinuedAsNew,
        OrchestrationStatus.Failed => InstanceStatus.Failed,
        OrchestrationStatus.Canceled => InstanceStatus.Canceled,
        OrchestrationStatus.Terminated => InstanceStatus.Terminated,
        OrchestrationStatus.Suspended => InstanceStatus.Suspended,
        _ => InstanceStatus.Pending,
    };

    private static OrchestrationStatus ToCore(InstanceStatus status) => status switch
    {
        InstanceStatus.Running => OrchestrationStatus.Running,
        InstanceStatus.Completed => OrchestrationStatus.Completed,
        InstanceStatus.ContinuedAsNew => OrchestrationStatus.ContinuedAsNew,
        InstanceStatus.Failed => OrchestrationStatus.Failed,
        InstanceStatus.Canceled => OrchestrationStatus.Canceled,
        InstanceStatus.Terminated => OrchestrationStatus.Terminated,
        InstanceStatus.Suspended => OrchestrationStatus.Suspended,
        _ => OrchestrationStatus.Pending,
    };
}
