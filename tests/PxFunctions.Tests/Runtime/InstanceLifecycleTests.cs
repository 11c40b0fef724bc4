using PxFunctions.Runtime;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Runtime;

public sealed class InstanceLifecycleTests(StorageFixture storage)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static string Id() => "i-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Start_SameIdTwice_SecondIsNoOpReturningTheFirst()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = Id();

        var first = await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0,"note":"first"}""", None);
        var second = await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0,"note":"second"}""", None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Running);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Status.CreatedTime, second.Status.CreatedTime);
        var status = await h.Client.GetStatusAsync(id, None);
        Assert.Contains("first", status!.Input, StringComparison.Ordinal);
        Assert.Equal(["$start"], await h.AppliedAsync(id));
    }

    [Fact]
    public async Task Start_UnknownHandlerOrBadId_IsRefusedUpFront()
    {
        var h = await RuntimeHarness.CreateAsync(storage);

        Assert.Throws<ArgumentException>(() => h.Client.StartAsync("nope", Id(), null, None).GetAwaiter().GetResult());
        Assert.Throws<ArgumentException>(() => h.Client.StartAsync(SampleHandler.HandlerName, "bad/id", null, None).GetAwaiter().GetResult());
    }

    [Fact]
    public async Task Journey_TimersEventsAndCompletion_RunToTheEndWithEachEffectOnce()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = Id();

        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"intervalSeconds":0,"repeat":2}""", None);
        await h.Client.RaiseEventAsync(id, "send", "hello", "evt-1", requireExisting: false, None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Completed);

        var status = await h.Client.GetStatusAsync(id, None);
        Assert.Equal("""{"sent":2}""", status!.Output);
        Assert.Equal("""{"stage":"waiting"}""", status.CustomStatus);
        var effects = await h.EffectsAsync(id);
        Assert.Equal(["hello", "tick 1 of 2", "tick 2 of 2"], effects.Order());
        Assert.Equal(1, (await h.AppliedAsync(id)).Count(a => a == "send:evt-1"));
    }

    [Fact]
    public async Task Event_RacingAheadOfStart_IsBufferedAndAppliedOnceAfterStart()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = Id();

        await h.Client.RaiseEventAsync(id, "early", null, "reply-1", requireExisting: false, None);
        await h.RunUntilAsync(async () => h.Outcomes.Any(o => o.Outcome == ProcessOutcome.Buffered));
        Assert.Null(await h.StatusAsync(id));

        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0}""", None);
        await h.RunUntilAsync(async () => (await h.AppliedAsync(id)).Contains("early:reply-1"));

        Assert.Equal(["$start", "early:reply-1"], await h.AppliedAsync(id));
    }

    [Fact]
    public async Task Event_ForFinishedInstance_IsRecordedNotApplied_AndManagementSaysGone()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = Id();
        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0}""", None);
        await h.Client.RaiseEventAsync(id, "finish", null, "fin", requireExisting: false, None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Completed);

        await h.Client.RaiseEventAsync(id, "late", null, "late-1", requireExisting: false, None);
        await h.RunUntilAsync(async () => h.Outcomes.Any(o => o.Outcome == ProcessOutcome.Late));

        Assert.DoesNotContain("late:late-1", await h.AppliedAsync(id));
        var late = await h.RowsAsync(id, InstanceKeys.LatePrefix);
        Assert.Equal("late-1", Assert.Single(late).GetString("EventId"));
        Assert.Equal(OperationResult.Gone, await h.Client.RaiseEventAsync(id, "x", null, null, requireExisting: true, None));
        Assert.Equal(OperationResult.NotFound, await h.Client.RaiseEventAsync(Id(), "x", null, null, requireExisting: true, None));
    }

    [Fact]
    public async Task Suspend_EventsWaitUntilResume_ThenApplyOnce()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = Id();
        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0}""", None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Running);

        Assert.Equal(OperationResult.Accepted, await h.Client.SuspendAsync(id, "investigating", None));
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Suspended);
        await h.Client.RaiseEventAsync(id, "while-suspended", null, "s-1", requireExisting: true, None);
        await h.RunUntilAsync(async () => h.Outcomes.Any(o => o.Outcome == ProcessOutcome.Buffered));
        Assert.DoesNotContain("while-suspended:s-1", await h.AppliedAsync(id));

        await h.Client.ResumeAsync(id, null, None);
        await h.RunUntilAsync(async () => (await h.AppliedAsync(id)).Contains("while-suspended:s-1"));

        Assert.Equal(RuntimeStatus.Running, await h.StatusAsync(id));
        Assert.Equal(1, (await h.AppliedAsync(id)).Count(a => a == "while-suspended:s-1"));
    }

    [Fact]
    public async Task Terminate_StopsTimersAndTakesNoMoreOperations()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = Id();
        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"intervalSeconds":2,"repeat":1}""", None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Running, drain: false);

        await h.Client.TerminateAsync(id, "order refunded", None);
        // Until the queues are empty: the 2-second timer's hidden message has come due and been handled.
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Terminated);

        var status = await h.Client.GetStatusAsync(id, None);
        Assert.Equal(RuntimeStatus.Terminated, status!.RuntimeStatus);
        Assert.Equal("order refunded", status.Output);
        Assert.Empty(await h.EffectsAsync(id));
        Assert.DoesNotContain("tick", await h.AppliedAsync(id));
        Assert.Equal(OperationResult.Gone, await h.Client.TerminateAsync(id, "again", None));
    }

    [Fact]
    public async Task Handler_Throwing_FailsTheInstanceWithTheReason()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = Id();
        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0}""", None);
        await h.Client.RaiseEventAsync(id, "fail", null, "boom", requireExisting: false, None);

        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Failed);

        Assert.Contains("asked to fail", (await h.Client.GetStatusAsync(id, None))!.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purge_FinishedInstance_RemovesEveryRow_RunningInstanceIsRefused()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var id = Id();
        await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0}""", None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Running);
        Assert.Equal(OperationResult.Conflict, await h.Client.PurgeAsync(id, None));

        await h.Client.TerminateAsync(id, null, None);
        await h.RunUntilAsync(async () => await h.StatusAsync(id) == RuntimeStatus.Terminated);
        Assert.Equal(OperationResult.Done, await h.Client.PurgeAsync(id, None));

        Assert.Equal(0, await CountRowsAsync(h, id));
        Assert.Equal(OperationResult.NotFound, await h.Client.PurgeAsync(id, None));

        // A timer message still in flight for the purged instance leaves nothing behind.
        await h.Relay.EnqueueTimerAsync(
            new InstanceMessage { Kind = InstanceMessageKind.Timer, InstanceId = id, EventId = "timer:x", Name = "tick", TimerId = "x", Due = DateTimeOffset.UtcNow },
            None);
        await h.RunUntilAsync(async () => h.Outcomes.Any(o => o.Outcome == ProcessOutcome.StaleTimer));
        Assert.Equal(0, await CountRowsAsync(h, id));
    }

    [Fact]
    public async Task Query_ByStatusAndCreatedTime_PagesThroughMatches()
    {
        var h = await RuntimeHarness.CreateAsync(storage);
        var ids = Enumerable.Range(0, 5).Select(_ => Id()).ToList();
        foreach (var id in ids)
        {
            await h.Client.StartAsync(SampleHandler.HandlerName, id, """{"repeat":0}""", None);
        }

        await h.Client.RaiseEventAsync(ids[0], "finish", null, null, requireExisting: false, None);
        await h.RunUntilAsync(async () => await h.StatusAsync(ids[0]) == RuntimeStatus.Completed && await h.StatusAsync(ids[4]) == RuntimeStatus.Running);

        var running = new List<InstanceStatus>();
        string? token = null;
        do
        {
            var page = await h.Client.QueryAsync(new InstanceQuery([RuntimeStatus.Running], PageSize: 2, ContinuationToken: token), None);
            running.AddRange(page.Instances);
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(ids.Skip(1).Order(), running.Select(r => r.InstanceId).Order());
        var completed = await h.Client.QueryAsync(new InstanceQuery([RuntimeStatus.Completed]), None);
        Assert.Equal(ids[0], Assert.Single(completed.Instances).InstanceId);
        var future = await h.Client.QueryAsync(new InstanceQuery(CreatedFrom: DateTimeOffset.UtcNow.AddDays(1)), None);
        Assert.Empty(future.Instances);
    }

    private static async Task<int> CountRowsAsync(RuntimeHarness h, string instanceId)
    {
        var rows = 0;
        await foreach (var _ in h.Storage.Instances.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == instanceId, cancellationToken: TestContext.Current.CancellationToken))
        {
            rows++;
        }

        return rows;
    }
}
