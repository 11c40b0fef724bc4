using System.Text.Json.Nodes;
using PxFunctions.Runtime;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Runtime;

/// <summary>Timers on a compressed clock against Azurite's real visibility timeouts.</summary>
public sealed class DurableTimerTests(StorageFixture storage)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    // The 10,000 timers due in the same minute: 1,000 instances x 10 timers (PX_TEST_FANOUT_INSTANCES changes
    // the count). The pump queues timers due in the same second as one batch message; without that, Azurite, which
    // scans every message of the account on each queue call, needed over 5 minutes for this load.
    private static readonly int Instances = int.TryParse(Environment.GetEnvironmentVariable("PX_TEST_FANOUT_INSTANCES"), out var n) ? n : 1_000;

    private static async Task<RuntimeHarness> CreateAsync(StorageFixture storage, double speedup, params IInstanceHandler[] handlers)
    {
        var clock = new CompressedClock(Start, speedup);
        return await RuntimeHarness.CreateAsync(storage, RuntimeOptions.DefaultPartitions, clock, new RuntimeOptions { TimerVisibility = clock.Visibility }, handlers);
    }

    [Fact]
    public async Task Timer_400Days_WaitsInTheIndexAndFiresOnceWhenDue()
    {
        // One real second is about 116 days. A timer beyond the horizon waits in the timer index (not as a hidden
        // queue message that would need ~57 seven-day hops) and is queued by the pump when it comes due.
        var h = await CreateAsync(storage, speedup: 1e7);
        var id = "renewal-" + Guid.NewGuid().ToString("N")[..8];
        var due = TimeSpan.FromDays(400);

        await h.Client.StartAsync(SampleHandler.HandlerName, id, $$"""{"intervalSeconds":{{due.TotalSeconds}},"repeat":1}""", CancellationToken.None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Running, drain: false);
        Assert.Equal(id, Assert.Single(await h.TimerIndexAsync()).GetString("InstanceId"));
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Completed, timeoutMs: 90_000);

        Assert.True(h.Pumped >= 1, "the pump never moved the timer");
        Assert.Equal(1, (await h.AppliedAsync(id)).Count(a => a == "tick"));
        Assert.Equal(["tick 1 of 1"], await h.EffectsAsync(id));
        var record = await h.ReadAsync(id);
        Assert.True(record!.LastUpdatedTime >= record.CreatedTime + due, $"fired at {record.LastUpdatedTime}, due {record.CreatedTime + due}");
    }

    [Fact]
    public async Task Timer_Cancelled_NeverFires()
    {
        var h = await CreateAsync(storage, speedup: 86_400); // a day a second
        var id = "cancel-" + Guid.NewGuid().ToString("N")[..8];

        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"intervalSeconds":86400,"repeat":1}""", CancellationToken.None);
        await h.Client.RaiseEventAsync(id, "cancel", null, "c1", requireExisting: false, CancellationToken.None);
        // The cancelled timer's message still comes due (from the index); it must arrive and be dropped as stale.
        await h.RunUntilAsync(() => Task.FromResult(h.Outcomes.Any(o => o.Outcome == ProcessOutcome.StaleTimer)), timeoutMs: 60_000);

        Assert.DoesNotContain("tick", await h.AppliedAsync(id));
        Assert.Empty(await h.EffectsAsync(id));
        Assert.Empty((await h.ReadAsync(id))!.Timers);
    }

    [Fact]
    public async Task Timer_Restarted_OnlyTheNewOneFires()
    {
        var h = await CreateAsync(storage, speedup: 86_400);
        var id = "restart-" + Guid.NewGuid().ToString("N")[..8];

        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"intervalSeconds":86400,"repeat":1}""", CancellationToken.None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Running, drain: false);
        await h.Client.RaiseEventAsync(id, "restart", "172800", "r1", requireExisting: false, CancellationToken.None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Completed, timeoutMs: 30_000);

        Assert.Equal(1, (await h.AppliedAsync(id)).Count(a => a == "tick"));
        Assert.Contains(h.Outcomes, o => o.Outcome == ProcessOutcome.StaleTimer);
        var record = await h.ReadAsync(id);
        Assert.True(record!.LastUpdatedTime >= record.CreatedTime + TimeSpan.FromDays(2), "the superseded one-day timer fired");
    }

    [Fact]
    public async Task ThousandsOfTimers_DueInTheSameMinute_AllFireOnce()
    {
        // Instances x 10 timers, all due within one minute a day from now. The clock stands still until every
        // instance has started and put its timers in the index (however slow the machine), then runs a day in
        // 36 real seconds, so all the timers come due together.
        // An Azurite of its own: Azurite scans every message of the account on each queue call, so ten thousand timer
        // messages in the shared one would slow every other test running meanwhile.
        await using var azurite = await PxFunctions.Storage.EmbeddedAzurite.StartAsync(dataPath: null, _ => { }, TestContext.Current.CancellationToken);
        var fanout = new FanoutHandler();
        var clock = new CompressedClock(Start, 2_400);
        clock.Pause();
        var h = await RuntimeHarness.CreateAsync(azurite.ConnectionString, partitions: 16, clock, new RuntimeOptions { TimerVisibility = clock.Visibility }, fanout);
        var ids = Enumerable.Range(0, Instances).Select(i => $"fan-{i:D4}").ToList();

        var started = 0;
        foreach (var chunk in ids.Chunk(50))
        {
            await Task.WhenAll(chunk.Select(id => h.Client.StartAsync(FanoutHandler.HandlerName, id, null, CancellationToken.None)));
            started += chunk.Length;
        }

        Assert.Equal(Instances, started);
        await h.RunUntilAsync(async () => (await h.TimerIndexAsync()).Count == Instances * FanoutHandler.TimersPerInstance, workers: 1, timeoutMs: 300_000, drain: false);
        clock.Resume();

        // Done when the index is empty and the queues hold nothing, hidden messages included: every timer fired.
        await h.RunUntilAsync(async () => (await h.TimerIndexAsync()).Count == 0, workers: 1, timeoutMs: 300_000);

        foreach (var id in ids)
        {
            var fired = FanoutHandler.Fired((await h.ReadAsync(id))!.State);
            Assert.Equal(Enumerable.Range(0, FanoutHandler.TimersPerInstance).Select(i => $"t{i}"), fired.Order());
        }

        var total = 0;
        string? token = null;
        do
        {
            var page = await h.Client.QueryAsync(new InstanceQuery([RuntimeStatus.Completed], PageSize: 1000, ContinuationToken: token), CancellationToken.None);
            total += page.Instances.Count;
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(Instances, total);
        // They all waited in the index, and timers due in the same second travelled together.
        Assert.Equal(Instances * FanoutHandler.TimersPerInstance, h.Pumped);
        Assert.Contains(h.Outcomes, o => o.Outcome == ProcessOutcome.Batch);
    }

    [Fact]
    public async Task TimerBatch_CrashOnOneTimer_OthersFireAndItRetriesAlone()
    {
        var clock = new CompressedClock(Start, 86_400); // a day a second
        var h = await RuntimeHarness.CreateAsync(storage, RuntimeOptions.DefaultPartitions, clock, new RuntimeOptions { TimerVisibility = clock.Visibility });
        var ids = Enumerable.Range(0, 3).Select(i => $"batch-{i}-{Guid.NewGuid():N}"[..20]).ToList();
        foreach (var id in ids)
        {
            await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"intervalSeconds":172800,"repeat":1}""", CancellationToken.None);
        }

        await h.RunUntilAsync(async () => (await h.TimerIndexAsync()).Count == ids.Count, drain: false);
        var timers = (await h.TimerIndexAsync()).Select(r => InstanceMessage.Parse(r.GetString("Message")!)).ToList();
        while (clock.GetUtcNow() < timers.Max(t => t.Due))
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        // The worker dies at the first storage call of the batch: one timer fails, the other two fire.
        var injector = new CrashInjector();
        injector.Attach(h.Counter);
        injector.Arm(crashAt: 1, afterSend: false);
        var outcome = await h.Processor.ProcessAsync(InstanceMessage.TimerBatchOf(timers, clock.GetUtcNow()).ToJson(), CancellationToken.None);
        Assert.True(injector.Fired);
        injector.Arm(crashAt: long.MaxValue, afterSend: false);

        Assert.Equal(ProcessOutcome.Batch, outcome);
        var statuses = await Task.WhenAll(ids.Select(h.StatusAsync));
        Assert.Equal(2, statuses.Count(s => s == RuntimeStatus.Completed));

        // The failed one was queued on its own (the pump also re-queues the index rows: duplicates, ignored).
        await h.RunUntilAsync(async () => (await Task.WhenAll(ids.Select(h.StatusAsync))).All(s => s == RuntimeStatus.Completed));
        foreach (var id in ids)
        {
            Assert.Equal(1, (await h.AppliedAsync(id)).Count(a => a == "tick"));
            Assert.Equal(["tick 1 of 1"], await h.EffectsAsync(id));
        }
    }

    /// <summary>Starts ten timers due in the same minute and completes when all have fired.</summary>
    private sealed class FanoutHandler : IInstanceHandler
    {
        public const string HandlerName = "fanout";
        public const int TimersPerInstance = 10;

        public string Name => HandlerName;

        public Transition Apply(InstanceView instance, InstanceEvent instanceEvent)
        {
            var state = instance.State is null ? new JsonObject { ["fired"] = new JsonArray() } : JsonNode.Parse(instance.State)!.AsObject();
            var fired = state["fired"]!.AsArray();
            if (instanceEvent.Kind == InstanceEventKind.Start)
            {
                var minute = Start.AddDays(1);
                return new Transition(
                    state.ToJsonString(),
                    Enumerable.Range(0, TimersPerInstance).Select(i => (InstanceEffect)new StartTimer($"t{i}", minute.AddSeconds((i * 7 + instance.InstanceId.Length) % 60))).ToList());
            }

            fired.Add(instanceEvent.Name);
            return new Transition(state.ToJsonString(), fired.Count == TimersPerInstance ? [new CompleteInstance(null)] : []);
        }

        public static List<string> Fired(string? state) =>
            JsonNode.Parse(state!)!["fired"]!.AsArray().Select(n => (string)n!).ToList();
    }
}
