using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace PxFunctions.Benchmarks;

/// <summary>What the bare emulators do, measured before the runtime starts, on the same Azurites.</summary>
/// <param name="QueueCyclesPerSecond">Send + receive + delete cycles per second on an otherwise empty queue.</param>
/// <param name="TableWritesPerSecond">Single-entity upserts per second, each a new entity in a partition of its own.</param>
/// <param name="MixedOpsPerSecond">
/// Requests per second with half the workers cycling the queue and half upserting at the same time (three requests
/// per cycle, one per upsert).
/// </param>
/// <param name="Depth">Hidden messages resident in the queue while it was measured (0: an empty queue).</param>
internal sealed record RawCapacity(double QueueCyclesPerSecond, double TableWritesPerSecond, double MixedOpsPerSecond, int Concurrency, int Depth = 0)
{
    /// <summary>
    /// Steps per second the bare emulators could serve for a step of <paramref name="queueTxPerStep"/> queue and
    /// <paramref name="tableTxPerStep"/> table requests: the mixed rate over the requests a step costs, but never more
    /// than either emulator allows on its own (its bare rate over the step's requests to it). The mixed measurement
    /// is the blend because that is how the runtime loads storage: tables and queues busy at once, in two emulator
    /// processes that share the machine's two cores with the worker. A serial sum (time per queue request plus time
    /// per table request) would undercount, since the emulators overlap; the sum of the two bare rates would
    /// overcount, since they cannot both have the CPU. Table reads, batches and queries count like upserts and a
    /// batched receive like a single one: one request each.
    /// </summary>
    public double StepsPerSecond(double queueTxPerStep, double tableTxPerStep) =>
        Math.Min(
            MixedOpsPerSecond / (queueTxPerStep + tableTxPerStep),
            Math.Min(3 * QueueCyclesPerSecond / queueTxPerStep, TableWritesPerSecond / tableTxPerStep));

    /// <param name="depth">
    /// Hidden messages to keep in the queue while measuring. The runtime keeps one hidden timer message per waiting-soon
    /// instance, and Azurite scans every message of the account on each queue call, so its capacity falls with the
    /// number of messages it holds; measured at the runtime's depth, the bare rate is the fair comparison.
    /// </param>
    public static async Task<RawCapacity> MeasureAsync(string connectionString, int concurrency, TimeSpan duration, CancellationToken cancellationToken, int depth = 0)
    {
        var queue = new QueueClient(connectionString, "raw-capacity");
        var table = new TableClient(connectionString, "rawcapacity");
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await table.CreateIfNotExistsAsync(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, depth),
                new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (_, ct) => await queue.SendMessageAsync("hidden", TimeSpan.FromHours(1), cancellationToken: ct));

            // A short first pass warms the JIT and the connection pools; only the later ones count.
            await QueueCyclesAsync(queue, concurrency, TimeSpan.FromSeconds(2), cancellationToken);
            await TableWritesAsync(table, concurrency, TimeSpan.FromSeconds(2), cancellationToken);

            var cycles = await QueueCyclesAsync(queue, concurrency, duration, cancellationToken);
            var where = depth == 0 ? "" : $" ({depth} hidden messages resident)";
            Progress.Write($"bare queue: {cycles:F0} send+receive+delete cycles/s with {concurrency} workers{where}");
            var writes = await TableWritesAsync(table, concurrency, duration, cancellationToken);
            Progress.Write($"bare table: {writes:F0} single-entity upserts/s with {concurrency} workers");

            var mixedQueue = QueueCyclesAsync(queue, Math.Max(1, concurrency / 2), duration, cancellationToken);
            var mixedTable = TableWritesAsync(table, Math.Max(1, concurrency / 2), duration, cancellationToken);
            var mixed = 3 * await mixedQueue + await mixedTable;
            Progress.Write($"bare mix: {mixed:F0} requests/s with {concurrency / 2} queue and {concurrency / 2} table workers at once{where}");
            return new RawCapacity(cycles, writes, mixed, concurrency, depth);
        }
        finally
        {
            // Leave the emulators as the runtime would find them: no extra tables or queues holding memory.
            await queue.DeleteIfExistsAsync(CancellationToken.None);
            await table.DeleteAsync(CancellationToken.None);
        }
    }

    private static async Task<double> QueueCyclesAsync(QueueClient queue, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        long cycles = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                await queue.SendMessageAsync("x", cancellationToken);
                foreach (var message in (await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30), cancellationToken)).Value)
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                    Interlocked.Increment(ref cycles);
                }
            }
        }));
        return cycles / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> TableWritesAsync(TableClient table, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        long writes = 0;
        var payload = new string('x', 400);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            for (var i = 0; clock.Elapsed < duration; i++)
            {
                // Keys unique in both parts: Azurite finds an entity by its row key first, so a row key shared by
                // every entity would measure that scan rather than the emulator's capacity.
                var key = $"w{worker}-{i}-{Guid.NewGuid():N}";
                await table.UpsertEntityAsync(
                    new TableEntity(key, key) { ["Payload"] = payload, ["Version"] = (long)i },
                    TableUpdateMode.Replace,
                    cancellationToken);
                Interlocked.Increment(ref writes);
            }
        }));
        return writes / clock.Elapsed.TotalSeconds;
    }
}
