using Azure.Data.Tables;

namespace PxFunctions.Runtime;

/// <summary>
/// Hands committed effects on: timer rows become instance-queue messages hidden until due (or until the longest
/// hop), send rows become effect-queue messages. Rows are deleted only after every message is accepted, so a crash
/// in between hands some on twice, which the receivers absorb (timer ids, effect ids), and never loses one.
/// </summary>
public sealed class OutboxRelay(RuntimeStorage storage, InstanceStore store, RuntimeOptions options, TimeProvider time)
{
    /// <summary>Queue messages never expire on their own: a year-long timer must survive.</summary>
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    public async Task HandOnAsync(string instanceId, IReadOnlyList<OutboxRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await Task.WhenAll(rows.Select(row => row.Kind == OutboxRow.TimerKind
            ? ScheduleTimerAsync(
                new InstanceMessage
                {
                    Kind = InstanceMessageKind.Timer,
                    InstanceId = row.InstanceId,
                    EventId = "timer:" + row.TimerId,
                    Name = row.TimerName,
                    TimerId = row.TimerId,
                    Due = row.Due,
                    At = time.GetUtcNow(),
                },
                cancellationToken)
            : storage.Outbox.SendMessageAsync(
                new EffectMessage(row.EffectId!, row.InstanceId, row.Channel ?? "", row.Payload ?? "").ToJson(),
                visibilityTimeout: null,
                timeToLive: NeverExpires,
                cancellationToken)));
        await store.DeleteAllAsync(instanceId, rows.Select(r => r.RowKey).ToList(), cancellationToken);
    }

    /// <summary>
    /// A timer due within the horizon is queued hidden until due; a later one is written to the timer index
    /// (idempotent by timer id), which keeps the queue short however many instances wait on long timers.
    /// </summary>
    public Task ScheduleTimerAsync(InstanceMessage timer, CancellationToken cancellationToken)
    {
        var due = timer.Due ?? time.GetUtcNow();
        if (due - time.GetUtcNow() <= options.TimerHorizon)
        {
            return EnqueueTimerAsync(timer, cancellationToken);
        }

        return storage.TimerIndex.UpsertEntityAsync(
            new TableEntity(TimerPump.Bucket(due), timer.TimerId) { ["Message"] = timer.ToJson(), ["Due"] = due, ["InstanceId"] = timer.InstanceId },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    /// <summary>Queues a timer message hidden until it is due, or for the longest hop when it is due later than that.</summary>
    public Task EnqueueTimerAsync(InstanceMessage timer, CancellationToken cancellationToken)
    {
        var remaining = (timer.Due ?? time.GetUtcNow()) - time.GetUtcNow();
        var hidden = remaining > options.MaxTimerHop ? options.MaxTimerHop : remaining;
        return storage.EventsFor(timer.InstanceId).SendMessageAsync(
            timer.ToJson(),
            visibilityTimeout: options.TimerVisibility(hidden < TimeSpan.Zero ? TimeSpan.Zero : hidden),
            timeToLive: NeverExpires,
            cancellationToken);
    }

    /// <summary>Queues a message for an instance, visible at once.</summary>
    public Task EnqueueAsync(string instanceId, string instanceMessage, CancellationToken cancellationToken) =>
        storage.EventsFor(instanceId).SendMessageAsync(instanceMessage, visibilityTimeout: null, timeToLive: NeverExpires, cancellationToken);
}
