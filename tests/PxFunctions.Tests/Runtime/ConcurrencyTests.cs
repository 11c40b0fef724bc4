using PxFunctions.Runtime;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Runtime;

public sealed class ConcurrencyTests(StorageFixture storage)
{
    [Fact]
    public async Task ManyEvents_OneInstance_FourWorkers_EachAppliedOnceInOneOrder()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = "hot-" + Guid.NewGuid().ToString("N")[..8];
        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0}""", CancellationToken.None);
        var ids = Enumerable.Range(0, 150).Select(i => $"e{i}").ToList();

        // Every event is raised twice (a redelivering sender) from many callers at once.
        await Task.WhenAll(ids.Concat(ids).Select(e => h.Client.RaiseEventAsync(id, "note", null, e, requireExisting: false, CancellationToken.None)));
        await h.RunUntilAsync(async () => (await h.AppliedAsync(id)).Count >= 1 + ids.Count, workers: 4, timeoutMs: 120_000);

        var applied = await h.AppliedAsync(id);
        var record = await h.ReadAsync(id);
        Assert.Equal("$start", applied[0]);
        Assert.Equal(ids.Order(), applied.Skip(1).Select(a => a["note:".Length..]).Order());
        // One committed transition per applied event, none lost to a concurrent overwrite.
        Assert.Equal(applied.Count, record!.Version);
        Assert.Contains(h.Outcomes, o => o.Outcome == ProcessOutcome.Duplicate);
    }
}
