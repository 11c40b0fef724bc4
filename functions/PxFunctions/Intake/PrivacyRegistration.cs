using PxFunctions.Channels.Inbound;
using PxFunctions.Configuration;
using PxFunctions.Intake.Privacy;
using PxFunctions.Journeys.Durable;
using PxFunctions.Storage;
using PxFunctions.Triggers;

namespace PxFunctions.Intake;

/// <summary>Wires erasure, export and retention: the journey purger and its queue, and the retention timer.</summary>
public static class PrivacyRegistration
{
    public const string PurgeFunction = "PurgeJourney";

    public static IServiceCollection AddPxPrivacy(this IServiceCollection services)
    {
        services.AddSingleton(sp => new JourneyPurger(
            sp.GetRequiredService<IJourneyInstances>(),
            sp.GetRequiredService<IJourneyContexts>(),
            sp.GetRequiredService<IReplyStore>(),
            sp.GetRequiredService<CustomerRecords>(),
            sp.GetRequiredService<PxFunctions.Channels.Desk.HandoffIndex>(),
            sp.GetRequiredService<StorageAccount>().Queue(JourneyPurger.Queue)));
        services.AddSingleton<CustomerErasure>();
        services.AddSingleton<CustomerExport>();
        services.AddQueueFunction<PurgeJourneyFunction>(PurgeFunction, JourneyPurger.Queue);
        services.AddTimerFunction<JourneyRetentionTimer>(JourneyRetentionTimer.FunctionName, JourneyRetentionTimer.Schedule);
        return services;
    }
}

/// <summary>
/// Purges a journey off the <c>purge</c> queue once it has stopped (erasure terminates it first). While it has not
/// stopped, the request is queued again for later, each time a little later (at most <see cref="JourneyPurger.MaxRetryDelay"/>),
/// so the purge is not given up after a few quick retries while the engine is busy or down.
/// </summary>
public sealed class PurgeJourneyFunction(JourneyPurger purger) : IQueueFunction
{
    public async Task RunAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var request = PurgeRequest.Parse(invocation.Message);
        if (await purger.PurgeAsync(request.InstanceId, CustomerErasure.Reason, cancellationToken))
        {
            invocation.Log.Add($"purged {request.InstanceId}");
            return;
        }

        var next = request with { Attempt = request.Attempt + 1 };
        await purger.RequestAsync(next, JourneyPurger.DelayAfter(next.Attempt), cancellationToken);
        invocation.Log.Add($"{request.InstanceId} is still stopping: asked again in {JourneyPurger.DelayAfter(next.Attempt)}");
    }
}

/// <summary>
/// Retention: journeys that finished (completed, terminated, failed) longer than <c>Px__Privacy__JourneyRetention</c>
/// ago are purged from the task hub with the purchase and texts kept beside them. The same hourly run sweeps the
/// handoff desk: handoffs whose journey took the conversation back by itself are closed (and the helpdesk told), closed
/// ones older than the desk keeps them are forgotten. A missed or repeated run is harmless (a purged instance is not
/// found again, a closed handoff stays closed).
/// </summary>
public sealed class JourneyRetentionTimer(IJourneyInstances instances, JourneyPurger purger, PxFunctions.Channels.Desk.HandoffDesk desk, PxSettings settings, TimeProvider time) : ITimerFunction
{
    public const string FunctionName = "PurgeFinishedJourneys";
    public const string Schedule = "0 20 * * * *";

    private static readonly InstanceStatus[] Finished = [InstanceStatus.Completed, InstanceStatus.Terminated, InstanceStatus.Failed, InstanceStatus.Canceled];

    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - settings.JourneyRetention;
        var purged = 0;
        string? token = null;
        do
        {
            // Created before the cutoff is necessary for having finished before it; the finish time decides.
            var page = await instances.QueryAsync(new InstanceQuery(Finished, CreatedTo: cutoff, PageSize: 100, ContinuationToken: token), cancellationToken);
            foreach (var instance in page.Instances.Where(i => !i.IsActive && i.LastUpdatedTime <= cutoff))
            {
                purged += await purger.PurgeAsync(instance.InstanceId, "retention", cancellationToken) ? 1 : 0;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);

        invocation.Log.Add($"{purged} finished journey(s) purged (finished before {cutoff:O}).");
        var (closed, forgotten) = await desk.SweepAsync(cancellationToken);
        invocation.Log.Add($"Handoff desk: {closed} handoff(s) closed as their journeys resumed, {forgotten} old closed handoff(s) forgotten.");
    }
}
