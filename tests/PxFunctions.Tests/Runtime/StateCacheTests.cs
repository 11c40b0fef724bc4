using PxFunctions.Runtime;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Runtime;

/// <summary>
/// The per-worker state cache saves the read of a busy instance's row; the ETag check must make a stale entry
/// harmless. Messages are handed to processors directly, as two processes would take them off the queue.
/// </summary>
public sealed class StateCacheTests(StorageFixture storage)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task NextEvent_SameWorker_CommitsWithoutReadingTheRow()
    {
        var (h, id) = await StartedAsync();
        var tablesBefore = h.Counter.Tables;

        Assert.Equal(ProcessOutcome.Applied, await h.Processor.ProcessAsync(Note(id, "e1"), None));

        // One entity-group transaction and nothing else: the row came from the cache.
        Assert.Equal(1, h.Counter.Tables - tablesBefore);
        Assert.Equal(["$start", "note:e1"], await h.AppliedAsync(id));
    }

    [Fact]
    public async Task StaleEntry_AnotherWorkerCommitted_ReloadsAndAppliesOnTop()
    {
        var (h, id) = await StartedAsync();
        var other = h.NewProcessor();

        Assert.Equal(ProcessOutcome.Applied, await other.ProcessAsync(Note(id, "e1"), None));
        // The first worker's cache still holds the row as it was after the start.
        Assert.Equal(ProcessOutcome.Applied, await h.Processor.ProcessAsync(Note(id, "e2"), None));
        Assert.Equal(ProcessOutcome.Applied, await other.ProcessAsync(Note(id, "e3"), None));

        Assert.Equal(["$start", "note:e1", "note:e2", "note:e3"], await h.AppliedAsync(id));
        Assert.Equal(4, (await h.ReadAsync(id))!.Version);
    }

    [Fact]
    public async Task StaleEntry_EventAlreadyAppliedElsewhere_IsADuplicate()
    {
        var (h, id) = await StartedAsync();
        var other = h.NewProcessor();

        Assert.Equal(ProcessOutcome.Applied, await other.ProcessAsync(Note(id, "e1"), None));
        Assert.Equal(ProcessOutcome.Duplicate, await h.Processor.ProcessAsync(Note(id, "e1"), None));

        Assert.Equal(["$start", "note:e1"], await h.AppliedAsync(id));
    }

    [Fact]
    public async Task StaleEntry_InstancePurgedElsewhere_EventWaitsInsteadOfResurrectingIt()
    {
        var (h, id) = await StartedAsync();
        var other = h.NewProcessor();
        var terminate = new InstanceMessage { Kind = InstanceMessageKind.Terminate, InstanceId = id, EventId = "t1", At = DateTimeOffset.UtcNow }.ToJson();
        Assert.Equal(ProcessOutcome.Applied, await other.ProcessAsync(terminate, None));
        Assert.Equal(OperationResult.Done, await h.Client.PurgeAsync(id, None));

        // The first worker still caches the running row; the commit must not bring the instance back.
        Assert.Equal(ProcessOutcome.Buffered, await h.Processor.ProcessAsync(Note(id, "e1"), None));

        Assert.Null(await h.ReadAsync(id));
    }

    private async Task<(RuntimeHarness H, string Id)> StartedAsync()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = "cache-" + Guid.NewGuid().ToString("N")[..8];
        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0}""", None);
        var start = new InstanceMessage
        {
            Kind = InstanceMessageKind.Start,
            InstanceId = id,
            EventId = InstanceKeys.StartEventId(id),
            Name = SampleHandler.HandlerName,
            Data = """{"repeat":0}""",
            At = DateTimeOffset.UtcNow,
        }.ToJson();
        Assert.Equal(ProcessOutcome.Applied, await h.Processor.ProcessAsync(start, None));
        return (h, id);
    }

    private static string Note(string instanceId, string eventId) => new InstanceMessage
    {
        Kind = InstanceMessageKind.Event,
        InstanceId = instanceId,
        EventId = eventId,
        Name = "note",
        At = DateTimeOffset.UtcNow,
    }.ToJson();
}
