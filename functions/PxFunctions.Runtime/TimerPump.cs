using System.Globalization;
using Azure.Data.Tables;

namespace PxFunctions.Runtime;

/// <summary>
/// Moves timers from the timer index onto the instance queue once they come within the horizon, hidden until due.
/// Run it on a schedule shorter than the horizon (the app: every 5 seconds). Several pumps may run at once: a timer
/// queued twice fires once (its event id is its timer id).
/// </summary>
/// <remarks>
/// Why an index and not only hidden queue messages: a queue that holds every waiting timer makes each receive
/// slower in the local emulator (measured: 221 receive cycles/s on an empty queue, 17/s with 10,000 hidden
/// messages), and a year-long timer would need ~52 hops. Index rows cost one write each, are read by one range
/// query per pump run (partition keys are due minutes, so the range is <c>PartitionKey le {now + horizon}</c>)
/// and deleted in batches of 100. Timers due in the same second are queued as one batch message (up to
/// <see cref="MaxBatch"/>), so a burst of timers coming due together costs few queue transactions.
/// </remarks>
public sealed class TimerPump(RuntimeStorage storage, OutboxRelay relay, RuntimeOptions options, TimeProvider time)
{
    /// <summary>Timers per queue message; a batch of timer messages stays far below the queue's 64 KiB message limit.</summary>
    public const int MaxBatch = 32;

    /// <summary>The index partition of a due time: its UTC minute, which sorts in time order.</summary>
    public static string Bucket(DateTimeOffset due) => due.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    /// <summary>Queues every indexed timer due within the horizon; returns how many it moved.</summary>
    public async Task<int> PumpAsync(CancellationToken cancellationToken)
    {
        var moved = 0;
        while (true)
        {
            var until = Bucket(time.GetUtcNow() + options.TimerHorizon);
            var rows = new List<TableEntity>();
            await foreach (var row in storage.TimerIndex.QueryAsync<TableEntity>(
                               TableClient.CreateQueryFilter($"PartitionKey le {until}"), maxPerPage: 500, cancellationToken: cancellationToken))
            {
                rows.Add(row);
                if (rows.Count == 500)
                {
                    break;
                }
            }

            if (rows.Count == 0)
            {
                return moved;
            }

            // Timers due in the same second travel together: one queue message per batch instead of one per timer.
            var batches = rows
                .Select(r => InstanceMessage.Parse(r.GetString("Message")!))
                .GroupBy(t => (t.Due ?? default).UtcTicks / TimeSpan.TicksPerSecond)
                .SelectMany(second => second.Chunk(MaxBatch))
                .ToList();
            await Parallel.ForEachAsync(
                batches,
                new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (batch, ct) => await relay.EnqueueTimerAsync(
                    batch.Length == 1 ? batch[0] : InstanceMessage.TimerBatchOf(batch, time.GetUtcNow()), ct));
            foreach (var partition in rows.GroupBy(r => r.PartitionKey))
            {
                await storage.TimerIndex.DeletePartitionRowsAsync(partition.Key, partition.Select(r => r.RowKey).ToList(), cancellationToken);
            }

            moved += rows.Count;
        }
    }
}
