using CsCheck;
using PxFunctions.Runtime;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Runtime;

/// <summary>
/// Random interleavings: events with repeated ids raised in random order, crashes at random storage calls, lost
/// deletes (redelivery after success) and 1-3 concurrent workers. Whatever happens, every distinct event is applied
/// exactly once, every send is dispatched exactly once, and the version counts the applied events.
/// </summary>
public sealed class InterleavingPropertyTests(StorageFixture storage)
{
    private sealed record Scenario(
        (string Id, bool Send)[] Events,
        long[] CrashAt,
        int Workers,
        int LoseEveryNth)
    {
        public override string ToString() =>
            $"events [{string.Join(' ', Events.Select(e => (e.Send ? "send:" : "note:") + e.Id))}] crash at [{string.Join(',', CrashAt)}] workers {Workers} lose every {LoseEveryNth}";
    }

    private static readonly Gen<Scenario> Scenarios =
        from count in Gen.Int[2, 10]
        from ids in Gen.Int[0, 6].Array[count]
        from sends in Gen.Bool.Array[count]
        from crashes in Gen.Long[1, 80].Array[0, 3]
        from workers in Gen.Int[1, 3]
        from lose in Gen.Int[2, 7]
        select new Scenario(ids.Select((id, i) => ($"e{id}", sends[i])).ToArray(), crashes, workers, lose == 2 ? 0 : lose);

    [Fact]
    public async Task RandomInterleavings_EveryEventOnce_EverySendOnce()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var injector = new CrashInjector();
        injector.Attach(h.Counter);
        var run = 0;

        await Scenarios.SampleAsync(
            async scenario =>
            {
                var id = $"prop-{Interlocked.Increment(ref run)}";
                var handled = 0;
                h.LoseDelete = scenario.LoseEveryNth == 0 ? null : () => Interlocked.Increment(ref handled) % scenario.LoseEveryNth == 0;
                injector.ArmMany(scenario.CrashAt);

                // The same id always carries the same event (a redelivery), whichever position it takes.
                var events = scenario.Events.GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.First().Send);
                await h.RetryAsync(() => h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0}""", CancellationToken.None));
                foreach (var (eventId, _) in scenario.Events)
                {
                    var send = events[eventId];
                    await h.RetryAsync(() => h.Client.RaiseEventAsync(id, send ? "send" : "note", eventId, eventId, requireExisting: false, CancellationToken.None));
                }

                await h.RunUntilAsync(
                    async () => (await h.AppliedAsync(id)).Count >= 1 + events.Count && (await h.EffectsAsync(id)).Count >= events.Count(e => e.Value),
                    workers: scenario.Workers,
                    timeoutMs: 30_000);

                var applied = await h.AppliedAsync(id);
                var record = await h.ReadAsync(id);
                foreach (var (eventId, send) in events)
                {
                    Assert.Equal(1, applied.Count(a => a == (send ? "send:" : "note:") + eventId));
                }

                Assert.Equal(1 + events.Count, applied.Count);
                Assert.Equal(applied.Count, record!.Version);
                Assert.Equal(events.Where(e => e.Value).Select(e => e.Key).Order(), (await h.EffectsAsync(id)).Order());
            },
            iter: 60,
            threads: 1);
    }
}
