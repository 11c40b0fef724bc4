using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;

namespace PxFunctions.Benchmarks;

/// <summary>
/// The <c>queue-scan</c> probe (<c>-- queue-scan [hidden counts...]</c>): how the queue emulator's receive cost grows
/// with the messages hidden in the queue. A waiting journey is one hidden timer message in its partition's control
/// queue, and every worker receives from every control queue it owns up to ~10-20 times a second while work
/// arrives, so this is what bounds timer lateness as the count of waiting journeys grows on Azurite. The same emulator
/// setup as <c>journeys</c> (queues on disk).
/// </summary>
internal static class QueueScanBenchmark
{
    private const int Samples = 100;

    public static async Task<JsonObject> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var counts = args.Select(a => int.TryParse(a, out var n) && n >= 0 ? n : -1).Where(n => n >= 0).ToArray();
        if (counts.Length == 0)
        {
            counts = [0, 1_000, 3_000, 10_000];
        }

        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        var results = new JsonArray();
        foreach (var hidden in counts)
        {
            var queue = new QueueClient(storage.ConnectionString, "scan" + hidden);
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            var fill = Stopwatch.StartNew();
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= hidden)
                {
                    // Hidden like a durable timer's message: visible only when the timer is due, days from now.
                    await queue.SendMessageAsync("t", visibilityTimeout: TimeSpan.FromDays(6), cancellationToken: cancellationToken);
                }
            }));
            var fillSeconds = fill.Elapsed.TotalSeconds;

            var emptyReceives = new List<TimeSpan>(Samples);
            var cycles = new List<TimeSpan>(Samples);
            for (var i = 0; i < Samples; i++)
            {
                var clock = Stopwatch.StartNew();
                await queue.ReceiveMessagesAsync(32, cancellationToken: cancellationToken);
                emptyReceives.Add(clock.Elapsed);

                clock.Restart();
                await queue.SendMessageAsync("x", cancellationToken);
                var received = await queue.ReceiveMessageAsync(cancellationToken: cancellationToken);
                if (received.Value is { } message)
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                }

                cycles.Add(clock.Elapsed);
            }

            var receive = Percentiles.Of(emptyReceives)!;
            var cycle = Percentiles.Of(cycles)!;
            Progress.Write($"{hidden} hidden: receive p50 {receive.P50:F1} ms p99 {receive.P99:F1} ms; send+receive+delete p50 {cycle.P50:F1} ms; filled in {fillSeconds:F1} s");
            results.Add(new JsonObject
            {
                ["hidden_messages"] = hidden,
                ["receive_p50_ms"] = Math.Round(receive.P50, 2),
                ["receive_p99_ms"] = Math.Round(receive.P99, 2),
                ["cycle_p50_ms"] = Math.Round(cycle.P50, 2),
                ["receives_per_s_one_at_a_time"] = Math.Round(1000 / receive.P50, 1),
                ["fill_per_s"] = Math.Round(hidden / Math.Max(fillSeconds, 0.001), 1),
            });
            await queue.DeleteIfExistsAsync(cancellationToken);
        }

        return new JsonObject { ["benchmark"] = "queue-scan", ["samples"] = Samples, ["results"] = results };
    }
}
