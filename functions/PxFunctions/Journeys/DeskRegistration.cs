using PxFunctions.Channels.Desk;
using PxFunctions.Configuration;
using PxFunctions.Storage;
using PxFunctions.Triggers;

namespace PxFunctions.Journeys;

/// <summary>Wires the handoff desk: its index, the service the journeys' records and the admin API share, the helpdesk queue and its function.</summary>
public static class DeskRegistration
{
    public const string DeliverFunction = "DeliverHelpdeskEvent";

    public static IServiceCollection AddPxDesk(this IServiceCollection services, PxSettings settings)
    {
        services.AddSingleton(settings.Desk);
        services.AddSingleton(sp => new HandoffIndex(sp.GetRequiredService<StorageAccount>().Table(HandoffIndex.TableName)));
        services.AddSingleton(sp => new HelpdeskOutbox(sp.GetRequiredService<StorageAccount>().Queue(HelpdeskOutbox.Queue), settings.Desk));
        services.AddSingleton<HandoffDesk>();
        services.AddSingleton<HelpdeskDelivery>();
        services.AddHttpClient(HelpdeskDelivery.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddStorageResource(StorageResource.Table(HandoffIndex.TableName));
        // Registered whether or not a helpdesk is configured: both hosts list the same functions, and events queued
        // before the URL was removed are let go.
        services.AddQueueFunction<HelpdeskDeliveryFunction>(DeliverFunction, HelpdeskOutbox.Queue);
        return services;
    }
}

/// <summary>
/// Delivers helpdesk events off the <c>helpdesk</c> queue. A helpdesk that fails (not 2xx, unreachable, slow) is
/// tried again later by queueing the event anew with its attempt counted, after <c>Px__Helpdesk__RetryDelay</c>
/// doubled per attempt (at most an hour): a helpdesk down for hours loses nothing, and the queue's own quick retries
/// are kept for storage errors. After <c>Px__Helpdesk__MaxAttempts</c> the event goes to the poison messages
/// (<c>GET /api/admin/poison</c>, the Operations page): ids only, no text or address.
/// </summary>
public sealed class HelpdeskDeliveryFunction(
    HelpdeskDelivery delivery,
    HelpdeskOutbox outbox,
    IHttpClientFactory clients,
    PoisonMessageStore poison,
    DeskOptions options,
    TimeProvider time,
    ILogger<HelpdeskDeliveryFunction> logger) : IQueueFunction
{
    public async Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var e = HelpdeskEvent.Parse(invocation.Message);
        var result = await delivery.DeliverAsync(e, clients.CreateClient(HelpdeskDelivery.HttpClientName), cancellationToken);
        var attempt = e.Attempt + 1;
        switch (result.Outcome)
        {
            case HelpdeskDeliveryOutcome.Delivered:
                logger.LogInformation("Helpdesk event {EventId} ({Kind}) of journey {InstanceId} delivered (attempt {Attempt})", e.Id, e.Kind, e.InstanceId, attempt);
                invocation.Log.Add($"delivered {e.Id}");
                return;
            case HelpdeskDeliveryOutcome.AlreadyDelivered or HelpdeskDeliveryOutcome.Dropped:
                invocation.Log.Add($"{e.Id}: {result.Outcome} {result.Reason}");
                return;
        }

        if (attempt >= (options.Helpdesk?.MaxAttempts ?? 1))
        {
            logger.LogError("Helpdesk event {EventId} ({Kind}) of journey {InstanceId} failed {Attempts} attempts and is poisoned: {Reason}", e.Id, e.Kind, e.InstanceId, attempt, result.Reason);
            await poison.RecordAsync(
                new PoisonMessage(DeskRegistration.DeliverFunction, HelpdeskOutbox.Queue, e.Id, invocation.Message, attempt, $"helpdesk delivery failed {attempt} times: {result.Reason}", time.GetUtcNow()),
                cancellationToken);
            return;
        }

        var delay = options.Helpdesk!.DelayAfter(attempt);
        logger.LogWarning("Helpdesk event {EventId} ({Kind}) failed attempt {Attempt}: {Reason}; next attempt in {Delay}", e.Id, e.Kind, attempt, result.Reason, delay);
        await outbox.EnqueueAsync(e with { Attempt = attempt }, cancellationToken, delay);
        invocation.Log.Add($"{e.Id}: attempt {attempt} failed ({result.Reason}); again in {delay}");
    }
}
