using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Queues;
using PxFunctions.Channels.Desk;
using PxFunctions.Channels.Inbound;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Intake.Privacy;

/// <summary>A queued request to purge one journey instance once it has stopped (queue <c>purge</c>): ids only.</summary>
public sealed record PurgeRequest(
    [property: JsonPropertyName("i")] string InstanceId,
    [property: JsonPropertyName("n")] int Attempt = 0)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Parses a queue message; a malformed one is a <see cref="FormatException"/> (poisoned at once).</summary>
    public static PurgeRequest Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<PurgeRequest>(json) is { InstanceId.Length: > 0 } request
                ? request
                : throw new FormatException("A purge request needs an instance id.");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Not a purge request: {ex.Message}", ex);
        }
    }
}

/// <summary>
/// Removes a journey instance from the task hub and everything kept beside it (the purchase, the texts, the team's
/// records of a customer-less instance, its handoffs in the desk with their notes). A running instance cannot be purged: it is terminated and the purge is
/// queued (<see cref="RequestAsync"/>), so it happens once the engine has stopped it, even if this process restarts
/// in between; the queued request asks again, later each time, until the instance has stopped.
/// </summary>
public sealed class JourneyPurger(IJourneyInstances instances, IJourneyContexts contexts, IReplyStore texts, CustomerRecords records, HandoffIndex handoffs, QueueClient queue)
{
    public const string Queue = "purge";

    /// <summary>The longest wait between two looks at an instance that has not stopped yet.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(10);

    /// <summary>Queues a purge of the instance after <paramref name="delay"/>.</summary>
    public async Task RequestAsync(PurgeRequest request, TimeSpan delay, CancellationToken cancellationToken) =>
        await queue.SendMessageAsync(request.ToJson(), visibilityTimeout: delay, cancellationToken: cancellationToken);

    /// <summary>How long the next look waits after <paramref name="attempt"/> looks found the instance still running.</summary>
    public static TimeSpan DelayAfter(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(MaxRetryDelay.TotalSeconds, 2 * Math.Pow(2, Math.Min(attempt, 16))));

    /// <summary>
    /// Purges the instance if it has stopped, after terminating it when it has not; true when it is gone (or never
    /// existed), false when it is still stopping (ask again later). What is kept beside the instance goes at once
    /// either way: a send still in flight then has nothing personal to render. Idempotent.
    /// </summary>
    public async Task<bool> PurgeAsync(string instanceId, string reason, CancellationToken cancellationToken)
    {
        var state = await instances.GetAsync(instanceId, cancellationToken);
        if (state is { IsActive: true })
        {
            await instances.TerminateAsync(instanceId, reason, cancellationToken);
        }

        await contexts.ForgetAsync(instanceId, cancellationToken);
        await texts.ForgetAsync(instanceId, cancellationToken);
        await records.ForgetAsync("i:" + instanceId, cancellationToken);
        await handoffs.ForgetAsync(instanceId, cancellationToken);
        return state is null
            || (!state.IsActive && await instances.PurgeAsync(instanceId, cancellationToken) is InstanceOperation.Done or InstanceOperation.NotFound);
    }
}
