using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PxFunctions.Configuration;
using PxFunctions.Storage;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Triggers;

namespace PxFunctions.Tests;

public sealed class TimerSchedulerTests(StorageFixture storage)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Schedule_EveryTenSeconds_RunsEachOccurrenceOnceOnCompressedTime()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await AppHost.StartAsync(
            storage,
            new Dictionary<string, string?>(),
            s => s.AddSingleton<TimeProvider>(time).AddTimerFunction<RecordingTimerFunction>(RecordingTimerFunction.Name, "*/10 * * * * *"));
        await host.Services.GetRequiredService<StorageBootstrap>().Ready;
        var ticks = host.Services.GetRequiredService<RecordingTimerFunction>().Received;

        for (var second = 1; second <= 35; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            var expected = second / 10;
            await Eventually.TrueAsync(() => ticks.Count >= expected, $"{expected} ticks by second {second}");
        }

        Assert.Equal(
            [Start.AddSeconds(10), Start.AddSeconds(20), Start.AddSeconds(30)],
            ticks.Select(t => t.ScheduledFor!.Value));
        Assert.All(ticks, t => Assert.False(t.IsPastDue));
    }

    [Fact]
    public void NextAfter_AnOccurrenceCameDueWhileRunning_IsNotSkipped_ManyMissedRunOnce()
    {
        var schedule = TimerSchedule.Parse("t", "*/10 * * * * *");

        // The 10 s occurrence ran until 10:00:30: the 20 s one is missed, the 30 s one is due now and still runs.
        Assert.Equal(Start.AddSeconds(30), TimerScheduler.NextAfter(schedule, Start.AddSeconds(10), Start.AddSeconds(30)));
        // Ran until 10:00:25: the 20 s occurrence runs (late), not skipped.
        Assert.Equal(Start.AddSeconds(20), TimerScheduler.NextAfter(schedule, Start.AddSeconds(10), Start.AddSeconds(25)));
        // On time: the next one.
        Assert.Equal(Start.AddSeconds(20), TimerScheduler.NextAfter(schedule, Start.AddSeconds(10), Start.AddSeconds(11)));
    }

    [Fact]
    public async Task TryClaim_SameOccurrenceTwice_OnlyFirstWins()
    {
        await using var host = await AppHost.StartAsync(
            storage,
            new Dictionary<string, string?> { [SettingNames.DispatcherEnabled] = "false" },
            s => s.AddTimerFunction<RecordingTimerFunction>(RecordingTimerFunction.Name, "0 * * * * *"));
        await host.Services.GetRequiredService<StorageBootstrap>().Ready;
        var scheduler = ActivatorUtilities.CreateInstance<TimerScheduler>(host.Services);
        var ct = TestContext.Current.CancellationToken;

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => scheduler.TryClaimAsync(RecordingTimerFunction.Name, Start, ct)));

        Assert.Equal(1, claims.Count(c => c));
        Assert.False(await scheduler.TryClaimAsync(RecordingTimerFunction.Name, Start.AddMinutes(-1), ct));
        Assert.True(await scheduler.TryClaimAsync(RecordingTimerFunction.Name, Start.AddMinutes(1), ct));
    }

    [Fact]
    public void AddTimerFunction_InvalidSchedule_FailsAtRegistration()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddTimerFunction<RecordingTimerFunction>("Bad", "every minute"));

        Assert.Contains("Bad", ex.Message, StringComparison.Ordinal);
    }
}
