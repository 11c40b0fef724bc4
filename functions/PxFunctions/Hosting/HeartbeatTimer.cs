using Azure;
using Azure.Data.Tables;
using PxFunctions.Storage;
using PxFunctions.Triggers;

namespace PxFunctions.Hosting;

/// <summary>
/// A timer function that records when the app's timers last ran, so <c>/api/health</c> shows whether
/// scheduled work (timers, and later journey housekeeping) is alive in whichever host runs them.
/// </summary>
public sealed class HeartbeatTimer(StorageAccount storage, TimeProvider time) : ITimerFunction
{
    public const string FunctionName = "Heartbeat";
    public const string Schedule = "0 */5 * * * *";
    public const string TableName = "Host";

    public async Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await storage.Table(TableName).UpsertEntityAsync(
            new TableEntity("heartbeat", "timers") { ["At"] = now, ["PastDue"] = invocation.IsPastDue },
            TableUpdateMode.Replace,
            cancellationToken);
        invocation.Log.Add($"Heartbeat recorded at {now:O}.");
    }

    public async Task<DateTimeOffset?> LastAsync(CancellationToken cancellationToken)
    {
        try
        {
            var row = await storage.Table(TableName).GetEntityIfExistsAsync<TableEntity>("heartbeat", "timers", cancellationToken: cancellationToken);
            return row.HasValue ? row.Value!.GetDateTimeOffset("At") : null;
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException)
        {
            // Health must answer even when storage does not; the storage checks say why.
            return null;
        }
    }
}
