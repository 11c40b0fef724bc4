using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Configuration;
using PxFunctions.Hosting;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Storage;

namespace PxFunctions.Benchmarks;

/// <summary>
/// Options of the <c>journeys</c> benchmark
/// (<c>-- journeys [waiting] [steppers] [seconds] [interval-seconds] [partitions] [extended|plain] [processes]</c>).
/// </summary>
internal sealed record JourneysBenchmarkOptions(int Waiting, int Steppers, int Seconds, int IntervalSeconds, int Partitions, bool ExtendedSessions, int Processes)
{
    public static JourneysBenchmarkOptions Parse(string[] args)
    {
        int At(int i, int fallback) => args.Length > i && int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
        var extended = args.Length > 5 ? args[5] is "extended" or "true" : new DurableSettings().ExtendedSessions;
        return new JourneysBenchmarkOptions(At(0, 1_000), At(1, 20), At(2, 60), At(3, 2), At(4, DurableSettings.DefaultPartitions), extended, Math.Clamp(At(6, 1), 1, 2));
    }
}

/// <summary>
/// The <c>journeys</c> benchmark (issue 12, first cut): the real <see cref="OwnershipJourney"/> and its activities on
/// the standalone host (DTFx + the Azure Storage provider) on a fresh Azurite. <c>Waiting</c> journeys wait on a
/// 30-day timer; <c>Steppers</c> journeys loop "send a text, wait <c>interval</c>", and every text reaches an SMS
/// double over HTTP through the send activity's full path (message log, consent, cap, quiet hours, the ACS client).
/// A step is one such text. Every storage request of the app and of the engine is counted (Azure.Core policies), by
/// service. The same run measures bare Azurite with a comparable mix, so efficiency is achieved over possible.
/// </summary>
internal static class JourneysBenchmark
{
    private const string Prefix = "bench";

    public static async Task<JsonObject> RunAsync(JourneysBenchmarkOptions options, CancellationToken cancellationToken)
    {
        Progress.Write($"journeys benchmark: {options.Waiting} waiting, {options.Steppers} steppers every {options.IntervalSeconds} s, {options.Seconds} s window, {options.Partitions} partitions, extended sessions {options.ExtendedSessions}");
        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        var capacity = await RawCapacityAsync(storage.ConnectionString, TimeSpan.FromSeconds(5), cancellationToken);
        Progress.Write($"bare Azurite: {capacity:F0} requests/s (queue send/receive/delete and table upserts, 16 at a time)");
        await using var sms = await SmsDouble.StartAsync(cancellationToken);
        await using var secondSms = await SmsDouble.StartAsync(cancellationToken, sharing: sms);
        var runKey = Guid.NewGuid().ToString("N");
        var app = await StartAppAsync(AppSettings(storage.ConnectionString, sms.ConnectionString, options, runKey), cancellationToken);
        using var second = options.Processes > 1 ? StartSecondProcess(AppSettings(storage.ConnectionString, secondSms.ConnectionString, options, runKey)) : null;
        try
        {
            var services = app.Services;
            await services.GetRequiredService<StorageBootstrap>().Ready.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
            var catalog = services.GetRequiredService<JourneyCatalog>();
            await PublishAsync(catalog, Waiter, cancellationToken);
            await PublishAsync(catalog, Stepper(options.IntervalSeconds), cancellationToken);
            var taskHub = services.GetRequiredService<DurableSettings>().TaskHub;
            if (second is not null)
            {
                // Measure once the two workers have split the partitions between them (the table lease manager
                // balances every 10 s; a lease moving mid-window would stall its journeys for the move).
                var balancing = Stopwatch.StartNew();
                while (await LeaseOwnersAsync(storage.ConnectionString, taskHub, cancellationToken) is var held
                    && (held.Count < options.Partitions || held.Select(o => (string?)o.Value).Distinct().Count() < Math.Min(2, options.Partitions)))
                {
                    if (balancing.Elapsed > TimeSpan.FromMinutes(3) || second.HasExited)
                    {
                        throw new InvalidOperationException($"The two processes did not split the partitions: {held.ToJsonString()}");
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }

                Progress.Write($"the two processes split the partitions after {balancing.Elapsed.TotalSeconds:F0} s");
            }

            var instances = services.GetRequiredService<IJourneyInstances>();
            var contexts = services.GetRequiredService<IJourneyContexts>();
            var consent = services.GetRequiredService<ConsentLedger>();

            var account = services.GetRequiredService<StorageAccount>();
            var beforeSeeding = (App: Snapshot(account.Counter), Engine: Snapshot(account.DurableCounter));
            var seeding = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, options.Waiting), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
                await StartAsync(instances, contexts, "bench-waiter", $"bench:w{i}:1", $"w{i}", null, ct));
            Progress.Write($"{options.Waiting} waiting journeys started in {seeding.Elapsed.TotalSeconds:F1} s; waiting for them to reach their timer");
            await WaitForWaitersAsync(instances, options.Waiting, cancellationToken);
            Progress.Write($"all waiting after {seeding.Elapsed.TotalSeconds:F1} s");
            var seeded = (App: Delta(beforeSeeding.App, Snapshot(account.Counter)), Engine: Delta(beforeSeeding.Engine, Snapshot(account.DurableCounter)));

            for (var i = 0; i < options.Steppers; i++)
            {
                var phone = Phone(i);
                await consent.RecordAsync(new ConsentChange(ContactChannel.Sms, phone, ConsentAction.ServiceGranted, DateTimeOffset.UtcNow, "benchmark", null, "bench:" + i), cancellationToken);
                await StartAsync(instances, contexts, "bench-stepper", $"bench:s{i}:1", $"s{i}", phone, cancellationToken);
            }

            // Warm up, then measure one window.
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(10, options.IntervalSeconds * 3)), cancellationToken);
            var kinds = new RequestKinds();
            kinds.Watch(account.Counter, "app");
            kinds.Watch(account.DurableCounter, "engine");
            var kindsBefore = kinds.Snapshot();
            var before = (App: Snapshot(account.Counter), Engine: Snapshot(account.DurableCounter));
            var start = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            var memory = new ProcessMemory();
            memory.ResetPeak();
            while (clock.Elapsed < TimeSpan.FromSeconds(options.Seconds))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                memory.Sample();
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var end = start + clock.Elapsed;
            var after = (App: Snapshot(account.Counter), Engine: Snapshot(account.DurableCounter));
            var byKind = RequestKinds.Delta(kindsBefore, kinds.Snapshot());
            var texts = sms.Delivered.Concat(secondSms.Delivered).ToList();
            var steps = texts.Count(t => t.At >= start && t.At < end);
            var firstSteps = sms.Delivered.Count(t => t.At >= start && t.At < end);
            var owners = options.Processes > 1 ? await LeaseOwnersAsync(storage.ConnectionString, taskHub, cancellationToken) : null;
            var (late, early) = Gaps(texts, start, end, TimeSpan.FromSeconds(options.IntervalSeconds));
            var timing = await TimerTimingAsync(services.GetRequiredService<IJourneyInstances>(), options.Steppers, texts, start, end, cancellationToken);
            var appRequests = Delta(before.App, after.App);
            var engine = Delta(before.Engine, after.Engine);
            var total = appRequests.Total + engine.Total;
            var requestsPerSecond = total / seconds;

            return new JsonObject
            {
                ["benchmark"] = "journeys",
                ["waiting_instances"] = options.Waiting,
                ["steppers"] = options.Steppers,
                ["window_s"] = Math.Round(seconds, 1),
                ["steps"] = steps,
                ["steps_per_s"] = Math.Round(steps / seconds, 2),
                ["storage_tx_per_step"] = firstSteps == 0 ? null : Math.Round(total / (double)firstSteps, 2),
                // Without the receives that found nothing: the requests the steps themselves made.
                ["storage_tx_per_step_without_empty_polls"] = firstSteps == 0 ? null : Math.Round((total - byKind.Where(k => k.Key.EndsWith("(empty)", StringComparison.Ordinal)).Sum(k => k.Value)) / (double)firstSteps, 2),
                ["empty_polls_per_s"] = Math.Round(byKind.Where(k => k.Key.EndsWith("(empty)", StringComparison.Ordinal)).Sum(k => k.Value) / seconds, 1),
                ["storage_tx_per_step_by_service"] = firstSteps == 0 ? null : new JsonObject
                {
                    ["table"] = Math.Round((appRequests.Tables + engine.Tables) / (double)firstSteps, 2),
                    ["queue"] = Math.Round((appRequests.Queues + engine.Queues) / (double)firstSteps, 2),
                    ["blob"] = Math.Round((appRequests.Blobs + engine.Blobs) / (double)firstSteps, 2),
                },
                ["storage_tx_per_step_by_caller"] = firstSteps == 0 ? null : new JsonObject
                {
                    ["app"] = Math.Round(appRequests.Total / (double)firstSteps, 2),
                    ["engine"] = Math.Round(engine.Total / (double)firstSteps, 2),
                },
                ["storage_tx_per_step_by_kind"] = firstSteps == 0 ? null : new JsonObject(byKind
                    .OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal)
                    .Select(k => KeyValuePair.Create(k.Key, (JsonNode?)Math.Round(k.Value / (double)firstSteps, 2)))),
                // What starting a journey costs: its context saved, the start, the load activity, the first timer
                // (the seeding phase's requests over the journeys started, idle polling included).
                ["start_tx_per_journey"] = options.Waiting == 0 ? null : Math.Round((seeded.App.Total + seeded.Engine.Total) / (double)options.Waiting, 2),
                ["start_tx_per_journey_queue"] = options.Waiting == 0 ? null : Math.Round((seeded.App.Queues + seeded.Engine.Queues) / (double)options.Waiting, 2),
                ["start_tx_per_journey_table"] = options.Waiting == 0 ? null : Math.Round((seeded.App.Tables + seeded.Engine.Tables) / (double)options.Waiting, 2),
                // From the steppers' histories: when each timer's episode began against the journey's due time
                // (early = before it; the journey never acts early, it waits again), and due -> text at the SMS double.
                ["timer_late_p99_ms"] = timing.Late?.P99,
                ["timer_late_p50_ms"] = timing.Late?.P50,
                ["timer_early_p99_ms"] = timing.Early?.P99 ?? 0,
                ["timers_early"] = timing.EarlyCount,
                ["timers_measured"] = timing.Count,
                ["send_latency_p99_ms"] = timing.Send?.P99,
                ["send_latency_p50_ms"] = timing.Send?.P50,
                // Text to text, less the wait: the wait counts from when the send was ordered, so this also holds the
                // previous send's latency (shorter gaps are not early timers).
                ["gap_over_wait_p99_ms"] = late?.P99,
                ["gap_under_wait_p99_ms"] = early?.P99 ?? 0,
                ["duplicate_sends"] = sms.Duplicates,
                ["steps_by_process"] = new JsonArray(firstSteps, steps - firstSteps),
                ["partition_owners"] = owners,
                ["rss_mb"] = Math.Round(ProcessMemory.CurrentMb, 1),
                ["rss_peak_mb"] = Math.Round(memory.PeakMb, 1),
                ["raw_azurite_capacity"] = Math.Round(capacity, 1),
                ["storage_requests_per_s"] = Math.Round(requestsPerSecond, 1),
                ["efficiency"] = Math.Round(requestsPerSecond / capacity, 3),
                ["settings"] = new JsonObject
                {
                    ["partitions"] = options.Partitions,
                    ["extended_sessions"] = options.ExtendedSessions,
                    ["max_queue_polling_interval"] = DurableSettings.DefaultMaxQueuePollingInterval.ToString(),
                    ["control_queue_batch_size"] = new DurableSettings().ControlQueueBatchSize,
                    ["interval_s"] = options.IntervalSeconds,
                    ["processes"] = options.Processes,
                },
            };
        }
        finally
        {
            if (second is { HasExited: false })
            {
                second.Kill(entireProcessTree: true);
                await second.WaitForExitAsync(CancellationToken.None);
            }

            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private const string Waiter = """
        id: bench-waiter
        name: Waiter
        trigger: { event: paid, skus: [BENCH] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: wait, type: wait, duration: P30D }
          - { id: done, type: end, outcome: waited }
        """;

    private static string Stepper(int intervalSeconds) => $$$"""
        id: bench-stepper
        name: Stepper
        trigger: { event: paid, skus: [BENCH] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: tick, type: send, class: service, message: { sms: { en: "Tick for {{ customer.id }}" } } }
          - { id: pause, type: wait, duration: PT{{{intervalSeconds}}}S, next: tick }
        """;

    private static async Task PublishAsync(JourneyCatalog catalog, string document, CancellationToken cancellationToken)
    {
        var (definition, errors) = JourneyValidator.Validate(document);
        if (definition is null)
        {
            throw new InvalidOperationException("A benchmark journey does not validate: " + string.Join("; ", errors.Select(e => e.Path + " " + e.Message)));
        }

        await catalog.PublishAsync(definition, document, cancellationToken);
    }

    private static async Task StartAsync(IJourneyInstances instances, IJourneyContexts contexts, string journey, string id, string customer, string? phone, CancellationToken cancellationToken)
    {
        var input = new JourneyInput(journey, 1, new JsonObject { ["id"] = customer, ["phone"] = phone, ["time_zone"] = DaytimeZone(), ["locale"] = "en" }, [], [], [], []);
        await contexts.SaveAsync(id, input, cancellationToken);
        await instances.StartAsync(JourneyFunctionNames.Orchestrator, id, new JourneyRun { JourneyId = journey, Version = 1 }, cancellationToken);
    }

    private static async Task WaitForWaitersAsync(IJourneyInstances instances, int count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        // The last one started reaching its timer means the engine has worked through the start backlog.
        for (var i = count - 1; ; await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken))
        {
            if (await instances.GetAsync($"bench:w{i}:1", cancellationToken) is { CustomStatus: { } status } && status.Contains("\"waitingFor\":\"timer\"", StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    private sealed record TimerTiming(Percentiles? Late, Percentiles? Early, int EarlyCount, int Count, Percentiles? Send);

    /// <summary>
    /// For each stepper's timers that fired in the window (its history: <c>TimerFired.FireAt</c> less the journey's
    /// <see cref="OwnershipJourney.TimerMargin"/> is the due time; the episode's <c>OrchestratorStarted</c> is when the
    /// journey woke): how late or early it woke, and how long from the due time until the text reached the SMS double.
    /// </summary>
    private static async Task<TimerTiming> TimerTimingAsync(
        IJourneyInstances instances, int steppers, List<(string To, string Message, DateTimeOffset At)> texts, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var late = new List<TimeSpan>();
        var early = new List<TimeSpan>();
        var send = new List<TimeSpan>();
        var byPhone = texts.GroupBy(t => t.To).ToDictionary(g => g.Key, g => g.Select(t => t.At).Order().ToList(), StringComparer.Ordinal);
        for (var i = 0; i < steppers; i++)
        {
            DateTimeOffset? episode = null;
            var sent = byPhone.GetValueOrDefault(Phone(i)) ?? [];
            foreach (var e in await instances.HistoryAsync($"bench:s{i}:1", cancellationToken))
            {
                var type = e["EventType"]?.ToString();
                if (type is "OrchestratorStarted" or "12")
                {
                    episode = Time(e["Timestamp"]);
                }
                else if (type is "TimerFired" or "11" && Time(e["FireAt"]) is { } fireAt && episode is { } woke)
                {
                    var due = fireAt - OwnershipJourney.TimerMargin;
                    if (woke < start || woke >= end)
                    {
                        continue;
                    }

                    (woke >= due ? late : early).Add(woke >= due ? woke - due : due - woke);
                    if (sent.FirstOrDefault(t => t >= due) is var arrived && arrived != default)
                    {
                        send.Add(arrived - due);
                    }
                }
            }
        }

        return new TimerTiming(Percentiles.Of(late), Percentiles.Of(early), early.Count, late.Count + early.Count, Percentiles.Of(send));

        static DateTimeOffset? Time(JsonNode? node) =>
            node?.ToString() is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    private static string Phone(int stepper) => "+1415557" + stepper.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>For each stepper, the gaps between its texts less the interval: late (positive) and early (negative) parts.</summary>
    private static (Percentiles? Late, Percentiles? Early) Gaps(List<(string To, string Message, DateTimeOffset At)> texts, DateTimeOffset start, DateTimeOffset end, TimeSpan interval)
    {
        var late = new List<TimeSpan>();
        var early = new List<TimeSpan>();
        foreach (var stepper in texts.GroupBy(t => t.To))
        {
            var times = stepper.Select(t => t.At).Order().ToList();
            for (var i = 1; i < times.Count; i++)
            {
                if (times[i] < start || times[i] >= end)
                {
                    continue;
                }

                var over = times[i] - times[i - 1] - interval;
                (over >= TimeSpan.Zero ? late : early).Add(over >= TimeSpan.Zero ? over : -over);
            }
        }

        return (Percentiles.Of(late), Percentiles.Of(early));
    }

    private static (long Tables, long Queues, long Blobs, long Total) Snapshot(StorageRequestCounter c) => (c.Tables, c.Queues, c.Blobs, c.Total);

    private static (long Tables, long Queues, long Blobs, long Total) Delta((long Tables, long Queues, long Blobs, long Total) a, (long Tables, long Queues, long Blobs, long Total) b) =>
        (b.Tables - a.Tables, b.Queues - a.Queues, b.Blobs - a.Blobs, b.Total - a.Total);

    /// <summary>The app's settings for the run (by their environment names): the same for every process.</summary>
    private static Dictionary<string, string?> AppSettings(string storage, string acs, JourneysBenchmarkOptions options, string runKey) => new()
    {
        [SettingNames.Storage] = storage,
        [SettingNames.StoragePrefix] = Prefix,
        [SettingNames.AdminKey] = "benchmark-" + runKey,
        [SettingNames.AnswerLinkKey] = "benchmark-link-" + runKey,
        [SettingNames.AcsConnectionString] = acs,
        [SettingNames.AcsSmsFrom] = "+18005550100",
        [SettingNames.FrequencyCapMessages] = "100",
        [SettingNames.FrequencyCapDays] = "1",
        [SettingNames.JourneysLoadExamples] = "false",
        [SettingNames.DurablePartitions] = options.Partitions.ToString(CultureInfo.InvariantCulture),
        [SettingNames.DurableExtendedSessions] = options.ExtendedSessions ? "true" : "false",
        // Loopback only: no exporter may reach out, whatever a local.settings.json says.
        [SettingNames.TelemetryConsoleExporter] = "false",
        [SettingNames.ApplicationInsightsConnectionString] = "",
        [SettingNames.ApplicationInsightsAuthenticationString] = "",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private static async Task<WebApplication> StartAppAsync(Dictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var app = await PxApp.BuildAsync(
            ["--environment", "Production"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(SettingNames.Key(s.Key), s.Value)));
                builder.WebHost.UseUrls("http://127.0.0.1:0");
            },
            cancellationToken: cancellationToken);
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>
    /// The second worker: the app's own executable (the one the deploy package ships) as a process of its own, on the
    /// same storage and task hub, sending to its own SMS double. Its output is kept for when it fails.
    /// </summary>
    private static Process StartSecondProcess(Dictionary<string, string?> settings)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "PxFunctions"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Px__", StringComparison.Ordinal) || k.StartsWith("AzureWebJobs", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(info) ?? throw new InvalidOperationException("The second process did not start.");
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase)) Progress.Write("second process: " + line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Progress.Write("second process: " + line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Who holds each partition lease now (the task hub's <c>Partitions</c> table).</summary>
    private static async Task<JsonObject> LeaseOwnersAsync(string storage, string taskHub, CancellationToken cancellationToken)
    {
        var owners = new JsonObject();
        await foreach (var lease in new TableClient(storage, taskHub + "Partitions").QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            owners[lease.RowKey] = lease.GetString("CurrentOwner");
        }

        return owners;
    }

    /// <summary>A zone where it is mid-day now, so quiet hours never hold a benchmark text.</summary>
    private static string DaytimeZone()
    {
        string[] zones = ["Pacific/Kiritimati", "Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo", "Asia/Shanghai", "Asia/Bangkok", "Asia/Kolkata",
            "Asia/Dubai", "Europe/Moscow", "Europe/Berlin", "Europe/London", "Atlantic/Azores", "America/Noronha", "America/Sao_Paulo",
            "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "Pacific/Pago_Pago"];
        return zones.First(z => TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(z)).Hour is >= 10 and < 18);
    }

    /// <summary>Bare Azurite with a mix like the engine's: queue send/receive/delete cycles and table upserts, 16 at a time.</summary>
    private static async Task<double> RawCapacityAsync(string connectionString, TimeSpan duration, CancellationToken cancellationToken)
    {
        var counter = new StorageRequestCounter();
        var queueOptions = new QueueClientOptions();
        queueOptions.AddPolicy(counter.PolicyFor(StorageService.Queue), HttpPipelinePosition.PerRetry);
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(counter.PolicyFor(StorageService.Table), HttpPipelinePosition.PerRetry);
        var queue = new QueueClient(connectionString, "rawcapacity", queueOptions);
        var table = new TableClient(connectionString, "rawcapacity", tableOptions);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await table.CreateIfNotExistsAsync(cancellationToken);
        var start = counter.Total;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
        {
            for (var n = 0; clock.Elapsed < duration; n++)
            {
                await queue.SendMessageAsync("x", cancellationToken);
                var received = await queue.ReceiveMessageAsync(cancellationToken: cancellationToken);
                if (received.Value is { } message)
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                }

                await table.UpsertEntityAsync(new TableEntity("p" + worker, "r" + (n % 100)) { ["V"] = n }, cancellationToken: cancellationToken);
            }
        }));
        var rate = (counter.Total - start) / clock.Elapsed.TotalSeconds;
        await queue.DeleteIfExistsAsync(cancellationToken);
        await table.DeleteAsync(cancellationToken);
        return rate;
    }
}
