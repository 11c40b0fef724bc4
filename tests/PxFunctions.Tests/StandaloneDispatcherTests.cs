using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Configuration;
using PxFunctions.Storage;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Triggers;

namespace PxFunctions.Tests;

/// <summary>The standalone host's dispatcher polls the real queues and calls the same handlers the host would.</summary>
public sealed class StandaloneDispatcherTests(StorageFixture storage)
{
    private static async Task<AppHost> StartAsync(StorageFixture storage, long failUntilAttempt = 0)
    {
        var host = await AppHost.StartAsync(
            storage,
            new Dictionary<string, string?> { [SettingNames.QueuesMaxDequeueCount] = "3", [SettingNames.QueuesRetryDelay] = "00:00:00" },
            s => s.AddQueueFunction<RecordingQueueFunction>(RecordingQueueFunction.Name, RecordingQueueFunction.Queue));
        host.Services.GetRequiredService<RecordingQueueFunction>().FailUntilAttempt = failUntilAttempt;
        await host.Services.GetRequiredService<StorageBootstrap>().Ready;
        return host;
    }

    [Fact]
    public async Task Message_OnQueue_IsDeliveredOnceAndDeleted()
    {
        await using var host = await StartAsync(storage);
        var function = host.Services.GetRequiredService<RecordingQueueFunction>();
        var queue = host.Storage.Queue(RecordingQueueFunction.Queue);

        foreach (var i in Enumerable.Range(0, 20))
        {
            await queue.SendMessageAsync($"m{i}", TestContext.Current.CancellationToken);
        }

        await Eventually.TrueAsync(() => function.Received.Count >= 20, "20 messages delivered");
        await Eventually.TrueAsync(() => queue.GetProperties().Value.ApproximateMessagesCount == 0, "queue emptied");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}").Order(), function.Received.Select(r => r.Message).Order());
    }

    [Fact]
    public async Task Message_FailingTwice_IsRetriedAndSucceedsOnThirdAttempt()
    {
        await using var host = await StartAsync(storage, failUntilAttempt: 3);
        var function = host.Services.GetRequiredService<RecordingQueueFunction>();

        await host.Storage.Queue(RecordingQueueFunction.Queue).SendMessageAsync("flaky", TestContext.Current.CancellationToken);

        await Eventually.TrueAsync(() => function.Received.Count >= 3, "three attempts");
        Assert.Equal([1L, 2L, 3L], function.Received.Select(r => r.DequeueCount));
        Assert.Empty(await host.Services.GetRequiredService<PoisonMessageStore>().ListAsync(10, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Message_FailingEveryAttempt_IsPoisonedWithReasonAndRemoved()
    {
        await using var host = await StartAsync(storage);
        var queue = host.Storage.Queue(RecordingQueueFunction.Queue);
        var poisonStore = host.Services.GetRequiredService<PoisonMessageStore>();

        await queue.SendMessageAsync("always-fail", TestContext.Current.CancellationToken);

        PoisonMessage? poison = null;
        await Eventually.TrueAsync(
            () => (poison = poisonStore.ListAsync(10, CancellationToken.None).GetAwaiter().GetResult().SingleOrDefault()) is not null,
            "poison recorded");
        Assert.Equal(3, poison!.DequeueCount);
        Assert.Contains("InvalidOperationException", poison.Reason, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => queue.GetProperties().Value.ApproximateMessagesCount == 0, "message removed from the work queue");
        Assert.Equal(3, host.Services.GetRequiredService<RecordingQueueFunction>().Received.Count);
    }
}
