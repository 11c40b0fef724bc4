using Azure;
using Azure.Data.Tables;
using PxFunctions.Storage;

namespace PxFunctions.Triggers;

/// <summary>
/// Standalone host only: runs each timer function at its schedule's occurrences. Several standalone instances
/// may share one account, so an occurrence is claimed first with an ETag-checked write to the
/// <c>Timers</c> table: exactly one instance runs it (the Functions host uses a blob lease for the same end).
/// </summary>
public sealed class TimerScheduler(
    FunctionCatalog catalog,
    FunctionInvoker invoker,
    StorageAccount storage,
    TimeProvider time,
    ILogger<TimerScheduler> logger) : BackgroundService
{
    public const string TableName = "Timers";

    private DateTimeOffset _startedAt;

    /// <summary>
    /// Occurrences count from the moment the host starts, taken here: <see cref="BackgroundService.ExecuteAsync"/>
    /// runs later on the thread pool (since .NET 10), and a clock read there could already be past the first one.
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _startedAt = time.GetUtcNow();
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(catalog.All
            .Where(f => f.Trigger is TimerTrigger)
            .Select(f => RunScheduleAsync(f.Name, TimerSchedule.Parse(f.Name, ((TimerTrigger)f.Trigger).Schedule), stoppingToken)));

    private async Task RunScheduleAsync(string functionName, TimerSchedule schedule, CancellationToken stoppingToken)
    {
        var next = schedule.Next(_startedAt);
        while (next is { } due && !stoppingToken.IsCancellationRequested)
        {
            var wait = due - time.GetUtcNow();
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (await TryClaimAsync(functionName, due, stoppingToken))
                {
                    var isPastDue = time.GetUtcNow() - due > TimeSpan.FromSeconds(30);
                    await invoker.InvokeTimerAsync(functionName, isPastDue, due, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Timer {Function} occurrence {Due} could not run", functionName, due);
            }

            next = NextAfter(schedule, due, time.GetUtcNow());
        }
    }

    /// <summary>
    /// The occurrence to run after <paramref name="done"/>. Counting from the one that ran (not from now) means an
    /// occurrence that came due while the function was still running is not skipped; when several were missed, only
    /// the latest runs (flagged past due if late), as the Functions host does.
    /// </summary>
    internal static DateTimeOffset? NextAfter(TimerSchedule schedule, DateTimeOffset done, DateTimeOffset now)
    {
        var next = schedule.Next(done);
        while (next is { } candidate && schedule.Next(candidate) is { } later && later <= now)
        {
            next = later;
        }

        return next;
    }

    /// <summary>True when this instance won the occurrence; false when another instance already ran it.</summary>
    internal async Task<bool> TryClaimAsync(string functionName, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var table = storage.Table(TableName);
        var entity = new TableEntity("schedule", functionName) { ["Last"] = due };
        try
        {
            var existing = await table.GetEntityIfExistsAsync<TableEntity>("schedule", functionName, cancellationToken: cancellationToken);
            if (!existing.HasValue)
            {
                await table.AddEntityAsync(entity, cancellationToken);
                return true;
            }

            if (existing.Value!.GetDateTimeOffset("Last") >= due)
            {
                return false;
            }

            await table.UpdateEntityAsync(entity, existing.Value.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }
}
