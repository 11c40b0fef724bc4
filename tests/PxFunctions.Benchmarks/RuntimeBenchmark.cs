using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Configuration;
using PxFunctions.Runtime;
using PxFunctions.Storage;

namespace PxFunctions.Benchmarks;

/// <summary>
/// The runtime benchmark (issue 3): on fresh Azurites (<see cref="BenchmarkStorage"/>), measure the bare emulators,
/// then run the real app with M steppers ticking while N instances wait on 30-day timers, and report steps/s,
/// storage requests per step, timer lateness and this process's peak memory while they wait.
/// </summary>
/// <remarks>
/// Phases: bare capacity; start M steppers, warm up, baseline window (no waiting instance), terminate them; start
/// K waiting instances through the runtime and seed the other N − K in the same rows (checked against a started
/// one) with no other load; start M fresh steppers, warm up, measured window. Each window starts with a full
/// garbage collection and a reset of the kernel's peak-RSS mark, so what seeding allocated is not charged to the
/// worker. Everything is bounded: fixed windows, a fixed number of instances, and a time limit on every wait.
/// </remarks>
internal static class RuntimeBenchmark
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromMinutes(3);

    public static async Task<RuntimeBenchmarkReport> RunAsync(RuntimeBenchmarkOptions options, CancellationToken cancellationToken)
    {
        Progress.Write(
            $"runtime benchmark: {options.Steppers} steppers every {options.IntervalMs} ms, {options.Instances:N0} waiting instances " +
            $"({options.Started:N0} started, the rest seeded), {options.Seconds} s measured; {options.Partitions} partitions x batch {options.BatchSize}");
        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        var raw = await RawCapacity.MeasureAsync(storage.ConnectionString, options.Concurrency, TimeSpan.FromSeconds(options.RawSeconds), cancellationToken);
        var rawAtDepth = await RawCapacity.MeasureAsync(
            storage.ConnectionString, options.Concurrency, TimeSpan.FromSeconds(options.RawSeconds), cancellationToken, depth: options.Steppers);

        var app = await BenchmarkApp.StartAsync(storage.ConnectionString, options, cancellationToken);
        try
        {
            var run = new Run(app.Services, storage.ConnectionString, options);
            return await run.ExecuteAsync(raw, rawAtDepth, cancellationToken);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            Progress.Write("app stopped; stopping the emulators");
        }
    }

    private sealed class Run
    {
        private readonly RuntimeBenchmarkOptions _options;
        private readonly InstanceClient _client;
        private readonly StepRecorder _recorder;
        private readonly StorageRequestCounter _counter;
        private readonly InstanceStore _ownStore;
        private readonly RuntimeStorage _ownStorage;
        private readonly WaitingInstanceSeeder _seeder;
        private readonly ProcessMemory _memory = new();

        public Run(IServiceProvider services, string connectionString, RuntimeBenchmarkOptions options)
        {
            _options = options;
            _client = services.GetRequiredService<InstanceClient>();
            _recorder = services.GetRequiredService<StepRecorder>();
            _counter = services.GetRequiredService<StorageAccount>().Counter;

            // The benchmark's own reads and writes (progress checks, seeding) go through clients of their own, so
            // the app's counter (storage_tx_per_step) sees only the app's requests.
            var own = new StorageAccount(new StorageSettings { ConnectionString = connectionString }, BenchmarkApp.Prefix);
            var ownStorage = new RuntimeStorage(
                own.Table(RuntimeStorage.InstancesTable),
                Enumerable.Range(0, options.Partitions).Select(i => own.Queue(RuntimeStorage.EventsQueueName(i))).ToList(),
                own.Queue(RuntimeStorage.OutboxQueue),
                own.Table(RuntimeStorage.EffectsTable),
                own.Table(RuntimeStorage.TimerIndexTable));
            _ownStore = new InstanceStore(ownStorage);
            _ownStorage = ownStorage;
            _seeder = new WaitingInstanceSeeder(
                ownStorage,
                services.GetServices<IInstanceHandler>().Single(h => h.Name == WaiterHandler.HandlerName),
                services.GetRequiredService<RuntimeOptions>(),
                services.GetRequiredService<TimeProvider>());
        }

        public async Task<RuntimeBenchmarkReport> ExecuteAsync(RawCapacity raw, RawCapacity rawAtDepth, CancellationToken cancellationToken)
        {
            StepWindow? baseline = null;
            if (_options.BaselineSeconds > 0)
            {
                var first = await StartSteppersAsync("a", _options.IntervalMs, cancellationToken);
                await WarmUpAsync(cancellationToken);
                baseline = await MeasureAsync($"baseline, {first.Count} active instances", TimeSpan.FromSeconds(_options.BaselineSeconds), cancellationToken);

                // Seeding is not what is measured: stop these steppers so it runs alone, and start fresh ones after.
                await StopSteppersAsync(first, cancellationToken);
            }

            StepWindow? saturated = null;
            if (_options.SaturationSeconds > 0)
            {
                // The same number of steppers (so the same queue depth) offered far more than can be served.
                var fast = await StartSteppersAsync("s", _options.SaturationIntervalMs, cancellationToken);
                await WarmUpAsync(cancellationToken);
                saturated = await MeasureAsync($"saturation, {fast.Count} steppers every {_options.SaturationIntervalMs} ms", TimeSpan.FromSeconds(_options.SaturationSeconds), cancellationToken);
                await StopSteppersAsync(fast, cancellationToken);
            }

            var seedClock = Stopwatch.StartNew();
            var waiterInput = new WaiterInput(30).ToJson();
            var waiters = Enumerable.Range(0, _options.Instances).Select(i => $"wait-{i:D8}").ToList();
            var started = waiters.Take(_options.Started).ToList();
            if (started.Count > 0)
            {
                await StartAllAsync(started, (_, _) => (WaiterHandler.HandlerName, waiterInput), cancellationToken);
                await WaitForAsync(started, RuntimeStatus.Running, cancellationToken);
                Progress.Write($"{started.Count:N0} waiting instances started through the runtime");
                await VerifySeedShapeAsync(started[^1], waiterInput, cancellationToken);
            }

            var seeded = waiters.Skip(started.Count).ToList();
            if (seeded.Count > 0)
            {
                await _seeder.SeedAsync(seeded, waiterInput, _options.Concurrency, cancellationToken);
            }

            var seedSeconds = seedClock.Elapsed.TotalSeconds;
            Progress.Write($"{waiters.Count:N0} instances waiting on 30-day timers after {seedSeconds:F0} s ({seeded.Count:N0} seeded)");

            var steppers = await StartSteppersAsync("b", _options.IntervalMs, cancellationToken);
            await WarmUpAsync(cancellationToken);
            var active = steppers.Count + waiters.Count;
            var main = await MeasureAsync($"measured, {active:N0} active instances", TimeSpan.FromSeconds(_options.Seconds), cancellationToken);

            double? capacity = main.QueueTxPerStep is { } q && main.TableTxPerStep is { } t ? raw.StepsPerSecond(q, t) : null;
            double? baselineCapacity = baseline?.QueueTxPerStep is { } bq && baseline.TableTxPerStep is { } bt ? raw.StepsPerSecond(bq, bt) : null;
            double? saturatedCapacity = saturated?.QueueTxPerStep is { } sq && saturated.TableTxPerStep is { } st ? rawAtDepth.StepsPerSecond(sq, st) : null;
            return new RuntimeBenchmarkReport
            {
                StepsPerS = Round(main.StepsPerSecond),
                Steps = main.Steps,
                Seconds = Round(main.Seconds),
                OfferedStepsPerS = Round(_options.Steppers * 1000.0 / _options.IntervalMs),
                StorageTxPerStep = Round(main.TxPerStep),
                TableTxPerStep = Round(main.TableTxPerStep),
                QueueTxPerStep = Round(main.QueueTxPerStep),
                TimerLatenessP50Ms = Round(main.Lateness?.P50),
                TimerLatenessP99Ms = Round(main.Lateness?.P99),
                TimerLatenessMaxMs = Round(main.Lateness?.Max),
                DispatchLatenessP50Ms = Round(main.DispatchLateness?.P50),
                DispatchLatenessP99Ms = Round(main.DispatchLateness?.P99),
                RawQueueCyclesPerS = Round(raw.QueueCyclesPerSecond),
                RawTableWritesPerS = Round(raw.TableWritesPerSecond),
                RawConcurrency = raw.Concurrency,
                RawMixedOpsPerS = Round(raw.MixedOpsPerSecond),
                CapacityStepsPerS = Round(capacity),
                Efficiency = Round(main.StepsPerSecond / capacity, 3),
                RawQueueCyclesAtDepthPerS = Round(rawAtDepth.QueueCyclesPerSecond),
                RawMixedOpsAtDepthPerS = Round(rawAtDepth.MixedOpsPerSecond),
                RawDepth = rawAtDepth.Depth,
                SaturatedStepsPerS = Round(saturated?.StepsPerSecond),
                SaturatedOfferedStepsPerS = saturated is null ? null : Round(_options.Steppers * 1000.0 / _options.SaturationIntervalMs),
                SaturatedStorageTxPerStep = Round(saturated?.TxPerStep),
                SaturatedCapacityStepsPerS = Round(saturatedCapacity),
                SaturatedEfficiency = Round(saturated?.StepsPerSecond / saturatedCapacity, 3),
                ActiveInstances = active,
                WaitingInstances = waiters.Count,
                StepperInstances = steppers.Count,
                StartedWaitingInstances = started.Count,
                SeededWaitingInstances = seeded.Count,
                RssMb = Round(main.PeakRssMb, 1),
                BaselineRssMb = Round(baseline?.PeakRssMb, 1),
                BaselineActiveInstances = baseline is null ? null : steppers.Count,
                BaselineStepsPerS = Round(baseline?.StepsPerSecond),
                BaselineStorageTxPerStep = Round(baseline?.TxPerStep),
                BaselineTimerLatenessP99Ms = Round(baseline?.Lateness?.P99),
                BaselineEfficiency = Round(baseline?.StepsPerSecond / baselineCapacity, 3),
                Partitions = _options.Partitions,
                BatchSize = _options.BatchSize,
                IntervalMs = _options.IntervalMs,
                PollMs = _options.PollMs,
                MaxPollMs = _options.MaxPollMs,
                SeedSeconds = Round(seedSeconds, 1),
                SeedInstancesPerS = seedSeconds > 0 && waiters.Count > 0 ? Round(waiters.Count / seedSeconds) : null,
                TotalSeconds = Round(Progress.Elapsed.TotalSeconds, 1),
            };
        }

        /// <summary>Starts the steppers, their first ticks staggered over one interval so the load is even.</summary>
        private async Task<List<string>> StartSteppersAsync(string generation, int intervalMs, CancellationToken cancellationToken)
        {
            var interval = TimeSpan.FromMilliseconds(intervalMs);
            var steppers = Enumerable.Range(0, _options.Steppers).Select(i => $"step-{generation}-{i:D6}").ToList();
            var firstDue = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
            await StartAllAsync(
                steppers,
                (_, i) => (StepperHandler.HandlerName, new StepperInput(intervalMs, firstDue + interval * i / steppers.Count).ToJson()),
                cancellationToken);
            await WaitForAsync(steppers, RuntimeStatus.Running, cancellationToken);
            Progress.Write($"{steppers.Count} steppers running");
            return steppers;
        }

        private async Task StopSteppersAsync(List<string> steppers, CancellationToken cancellationToken)
        {
            await Parallel.ForEachAsync(
                steppers,
                new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (id, ct) => await _client.TerminateAsync(id, "benchmark phase over", ct));
            await WaitForAsync(steppers, RuntimeStatus.Terminated, cancellationToken);
            Progress.Write($"{steppers.Count} steppers terminated");
        }

        private async Task StartAllAsync(List<string> ids, Func<string, int, (string Name, string Input)> what, CancellationToken cancellationToken)
        {
            await Parallel.ForEachAsync(
                ids.Select((id, i) => (id, i)),
                new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (item, ct) =>
                {
                    var (name, input) = what(item.id, item.i);
                    await _client.StartAsync(name, item.id, input, ct);
                });
        }

        /// <summary>Waits until every instance has reached <paramref name="status"/>.</summary>
        private async Task WaitForAsync(List<string> ids, RuntimeStatus status, CancellationToken cancellationToken)
        {
            var pending = ids.ToList();
            var clock = Stopwatch.StartNew();
            while (pending.Count > 0)
            {
                if (clock.Elapsed > WaitLimit)
                {
                    throw new TimeoutException($"{pending.Count} of {ids.Count} instances were still not {status} after {WaitLimit}.");
                }

                await Task.Delay(500, cancellationToken);
                var running = new System.Collections.Concurrent.ConcurrentBag<string>();
                await Parallel.ForEachAsync(
                    pending,
                    new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                    async (id, ct) =>
                    {
                        if ((await _ownStore.GetAsync(id, ct))?.Status == status)
                        {
                            running.Add(id);
                        }
                    });
                pending = pending.Except(running, StringComparer.Ordinal).ToList();
            }
        }

        /// <summary>The start's hand-on (index row, outbox cleanup) follows its commit; retry until it has finished.</summary>
        private async Task VerifySeedShapeAsync(string startedId, string input, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await _seeder.VerifyAgainstAsync(startedId, input, cancellationToken);
                    Progress.Write($"seeded rows match the rows the runtime wrote for {startedId}");
                    return;
                }
                catch (InvalidOperationException) when (attempt < 20)
                {
                    await Task.Delay(500, cancellationToken);
                }
            }
        }

        private async Task WarmUpAsync(CancellationToken cancellationToken)
        {
            if (_options.WarmupSeconds == 0)
            {
                return;
            }

            var before = _recorder.Dispatched;
            await Task.Delay(TimeSpan.FromSeconds(_options.WarmupSeconds), cancellationToken);
            Progress.Write($"warm-up: {(_recorder.Dispatched - before) / (double)_options.WarmupSeconds:F1} steps/s over {_options.WarmupSeconds} s");
        }

        private async Task<StepWindow> MeasureAsync(string label, TimeSpan length, CancellationToken cancellationToken)
        {
            // Whatever seeding or warm-up left on the heap is not the worker's: collect it and start the peak afresh.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            _memory.ResetPeak();
            var (tables, queues, blobs) = (_counter.Tables, _counter.Queues, _counter.Blobs);
            _recorder.Begin();
            var clock = Stopwatch.StartNew();
            var nextReport = TimeSpan.FromSeconds(10);
            var (reported, totalAtReport) = (0, _counter.Total);
            Progress.Write($"{label}: measuring for {length.TotalSeconds:F0} s");
            while (clock.Elapsed < length)
            {
                var wait = TimeSpan.FromSeconds(1) < length - clock.Elapsed ? TimeSpan.FromSeconds(1) : length - clock.Elapsed;
                await Task.Delay(wait, cancellationToken);
                _memory.Sample();
                if (clock.Elapsed >= nextReport && clock.Elapsed < length)
                {
                    nextReport += TimeSpan.FromSeconds(10);
                    // The last ten seconds on their own, so a trend shows.
                    var recent = _recorder.Snapshot().Skip(reported).ToList();
                    var requests = _counter.Total - totalAtReport;
                    (reported, totalAtReport) = (reported + recent.Count, _counter.Total);
                    Progress.Write(
                        $"  {clock.Elapsed.TotalSeconds,5:F0} s: {recent.Count / 10.0:F1} steps/s, " +
                        $"{(recent.Count == 0 ? 0 : requests / (double)recent.Count):F2} requests/step, " +
                        $"lateness p99 {Percentiles.Of(recent.Select(s => s.Applied - s.Due))?.P99 ?? 0:F0} ms, rss {ProcessMemory.CurrentMb:F0} MiB, {await QueuedAsync(cancellationToken)}");
                }
            }

            var samples = _recorder.End();
            var seconds = clock.Elapsed.TotalSeconds;
            var window = new StepWindow(samples, seconds, _counter.Tables - tables, _counter.Queues - queues, _counter.Blobs - blobs, _memory.PeakMb);
            Progress.Write(
                $"{label}: {window.Steps} steps in {seconds:F0} s = {window.StepsPerSecond:F1} steps/s, {window.TxPerStep ?? 0:F2} requests/step, " +
                $"lateness p50 {window.Lateness?.P50 ?? 0:F0} ms p99 {window.Lateness?.P99 ?? 0:F0} ms, peak rss {window.PeakRssMb:F0} MiB");
            return window;
        }

        /// <summary>Messages in the runtime's queues, hidden timers included (a backlog shows here first).</summary>
        private async Task<string> QueuedAsync(CancellationToken cancellationToken)
        {
            long events = 0;
            foreach (var queue in _ownStorage.Events)
            {
                events += (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            }

            var outbox = (await _ownStorage.Outbox.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            return $"queued {events} instance / {outbox} outbox messages";
        }

        private static double Round(double value, int digits = 2) => Math.Round(value, digits);

        private static double? Round(double? value, int digits = 2) => value is { } v && double.IsFinite(v) ? Math.Round(v, digits) : null;
    }
}
