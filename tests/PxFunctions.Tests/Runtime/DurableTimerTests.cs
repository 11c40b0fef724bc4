using System.Text.Json.Nodes;
using PxFunctions.Runtime;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Runtime;

/// <summary>Timers on a compressed clock against Azurite's real visibility timeouts.</summary>
public sealed class DurableTimerTests(StorageFixture storage)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    // 100 instances x 10 timers in CI. PX_TEST_FANOUT_INSTANCES=1000 asks for the 10,000 timers; Azurite's
    // queues slow down with their length (every receive scans the queue), so that takes far longer locally than
    // the same load would on Azure Storage. See the runtime README's figures.
    private static readonly int Instances = int.TryParse(Environment.GetEnvironmentVariable("PX_TEST_FANOUT_INSTANCES"), out var n) ? n : 100;

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
        await h.RunForAsync(TimeSpan.FromSeconds(3));

        Assert.DoesNotContain("tick", await h.AppliedAsync(id));
        Assert.Empty(await h.EffectsAsync(id));
        Assert.Contains(h.Outcomes, o => o.Outcome == ProcessOutcome.StaleTimer);
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
        // Instances x 10 timers, all due within one minute an hour from now (an hour is 3 real seconds).
        var fanout = new FanoutHandler();
        var clock = new CompressedClock(Start, 1_200);
        var h = await RuntimeHarness.CreateAsync(storage, partitions: 16, clock, new RuntimeOptions { TimerVisibility = clock.Visibility }, fanout);
        var ids = Enumerable.Range(0, Instances).Select(i => $"fan-{i:D4}").ToList();

        var started = 0;
        foreach (var chunk in ids.Chunk(50))
        {
            await Task.WhenAll(chunk.Select(id => h.Client.StartAsync(FanoutHandler.HandlerName, id, null, CancellationToken.None)));
            started += chunk.Length;
        }

        Assert.Equal(Instances, started);
        await h.RunUntilAsync(
            async () => h.Outcomes.Count(o => o.Outcome == ProcessOutcome.Applied) >= Instances * (1 + FanoutHandler.TimersPerInstance),
            workers: 1,
            timeoutMs: 300_000);

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
                var minute = Start.AddHours(1);
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
