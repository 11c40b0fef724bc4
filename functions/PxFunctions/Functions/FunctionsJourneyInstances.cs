using System.Text.Json.Nodes;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Functions;

/// <summary>
/// The Durable client under the Functions host. A <c>DurableTaskClient</c> comes only through a function's
/// <c>[DurableClient]</c> binding, so each function that needs one hands it over with <see cref="Use"/> for the rest
/// of its invocation (an async-local, so concurrent invocations never share one).
/// </summary>
public sealed class FunctionsJourneyInstances : IJourneyInstances
{
    private static readonly AsyncLocal<DurableTaskClient?> Current = new();

    /// <summary>Every status: a start of an id that exists in any state changes nothing.</summary>
    private static readonly OrchestrationRuntimeStatus[] AnyStatus = Enum.GetValues<OrchestrationRuntimeStatus>();

    public static void Use(DurableTaskClient client) => Current.Value = client;

    private static DurableTaskClient Client => Current.Value
        ?? throw new InvalidOperationException("This function has no [DurableClient] binding: add one and pass it to FunctionsJourneyInstances.Use.");

    public async Task<bool> StartAsync(string orchestrator, string instanceId, object? input, CancellationToken cancellationToken)
    {
        // The host may replace a finished instance whatever the dedupe statuses say: look first.
        if (await Client.GetInstanceAsync(instanceId, cancellationToken) is not null)
        {
            return false;
        }

        try
        {
            await Client.ScheduleNewOrchestrationInstanceAsync(
                orchestrator, input, new StartOrchestrationOptions { InstanceId = instanceId }.WithDedupeStatuses(AnyStatus), cancellationToken);
            return true;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Refused because a concurrent call started it (dedupe): otherwise the failure is real.
            if (await Client.GetInstanceAsync(instanceId, CancellationToken.None) is not null)
            {
                return false;
            }

            throw;
        }
    }

    public async Task<InstanceState?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken) is { } metadata ? ToState(metadata) : null;

    /// <summary>History is served by the Durable extension's own HTTP API under the Functions host (showHistory=true).</summary>
    public Task<IReadOnlyList<JsonObject>> HistoryAsync(string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<JsonObject>>([]);

    public Task<InstanceOperation> RaiseEventAsync(string instanceId, string eventName, JsonObject? data, string? eventId, CancellationToken cancellationToken) =>
        InstanceRules.ControlAsync(this, instanceId, () => Client.RaiseEventAsync(instanceId, eventName, JourneyEvents.Payload(data, eventId), cancellationToken), cancellationToken);

    public Task<InstanceOperation> TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        InstanceRules.ControlAsync(this, instanceId, () => Client.TerminateInstanceAsync(instanceId, reason, cancellationToken), cancellationToken);

    public Task<InstanceOperation> SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        InstanceRules.ControlAsync(this, instanceId, () => Client.SuspendInstanceAsync(instanceId, reason, cancellationToken), cancellationToken);

    public Task<InstanceOperation> ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        InstanceRules.ControlAsync(this, instanceId, () => Client.ResumeInstanceAsync(instanceId, reason, cancellationToken), cancellationToken);

    public Task<InstanceOperation> PurgeAsync(string instanceId, CancellationToken cancellationToken) =>
        InstanceRules.PurgeAsync(this, instanceId, async () => (await Client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken)).PurgedInstanceCount, cancellationToken);

    public async Task<InstancePage> QueryAsync(InstanceQuery query, CancellationToken cancellationToken)
    {
        var filter = new OrchestrationQuery
        {
            Statuses = query.Statuses?.Select(ToClient).ToList(),
            CreatedFrom = query.CreatedFrom,
            CreatedTo = query.CreatedTo,
            PageSize = Math.Clamp(query.PageSize, 1, 1000),
            ContinuationToken = query.ContinuationToken,
            FetchInputsAndOutputs = true,
        };
        await foreach (var page in Client.GetAllInstancesAsync(filter).AsPages(query.ContinuationToken, filter.PageSize).WithCancellation(cancellationToken))
        {
            return new InstancePage(page.Values.Select(ToState).ToList(), string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return new InstancePage([], null);
    }

    private static InstanceState ToState(OrchestrationMetadata m) => new(
        m.Name,
        m.InstanceId,
        m.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Running => InstanceStatus.Running,
            OrchestrationRuntimeStatus.Completed => InstanceStatus.Completed,
            OrchestrationRuntimeStatus.Failed => InstanceStatus.Failed,
            OrchestrationRuntimeStatus.Terminated => InstanceStatus.Terminated,
            OrchestrationRuntimeStatus.Suspended => InstanceStatus.Suspended,
#pragma warning disable CS0618 // Canceled and ContinuedAsNew are obsolete in the SDK but still reported by older hubs.
            OrchestrationRuntimeStatus.Canceled => InstanceStatus.Canceled,
            OrchestrationRuntimeStatus.ContinuedAsNew => InstanceStatus.ContinuedAsNew,
#pragma warning restore CS0618
            _ => InstanceStatus.Pending,
        },
        m.SerializedInput,
        m.SerializedCustomStatus,
        m.SerializedOutput,
        m.CreatedAt,
        m.LastUpdatedAt,
        m.FailureDetails?.ErrorMessage);

    private static OrchestrationRuntimeStatus ToClient(InstanceStatus status) => status switch
    {
        InstanceStatus.Running => OrchestrationRuntimeStatus.Running,
        InstanceStatus.Completed => OrchestrationRuntimeStatus.Completed,
        InstanceStatus.Failed => OrchestrationRuntimeStatus.Failed,
        InstanceStatus.Terminated => OrchestrationRuntimeStatus.Terminated,
        InstanceStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
        _ => OrchestrationRuntimeStatus.Pending,
    };
}
