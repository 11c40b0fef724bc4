using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace PxFunctions.Runtime;

/// <summary>What processing one instance message did (for logs, tests and benchmarks).</summary>
public enum ProcessOutcome
{
    Applied,
    Duplicate,
    Buffered,
    Late,
    StaleTimer,
    TimerHopped,
    Ignored,

    /// <summary>A timer batch was fanned out: each timer applied, or re-queued on its own after a failure.</summary>
    Batch,
}

/// <summary>
/// Applies one instance-queue message with the commit protocol described in this folder's README:
/// load the state row, compute the transition (pure), commit state + event marker + outbox rows in one
/// entity-group transaction guarded by the row's ETag, hand the outbox on, and only then return so the caller
/// deletes the message. Any number of workers may run this concurrently for the same instance.
/// </summary>
public sealed class InstanceProcessor(
    InstanceStore store,
    OutboxRelay relay,
    IEnumerable<IInstanceHandler> handlers,
    RuntimeOptions options,
    TimeProvider time,
    ILogger<InstanceProcessor> logger)
{
    private readonly Dictionary<string, IInstanceHandler> _handlers = handlers.ToDictionary(h => h.Name, StringComparer.Ordinal);
    private readonly InstanceLocks _locks = new();
    private readonly InstanceStateCache _cache = new(options.StateCacheSize);

    public async Task<ProcessOutcome> ProcessAsync(string messageText, CancellationToken cancellationToken)
    {
        var message = InstanceMessage.Parse(messageText);
        var now = time.GetUtcNow();
        if (message.Kind is InstanceMessageKind.Timer or InstanceMessageKind.TimerBatch && message.Due is { } due && due > now)
        {
            if (due - now > options.MaxEarlyWait)
            {
                // Arrived well before its time: a timer longer than a queue message can stay hidden. Re-queue it.
                await relay.EnqueueTimerAsync(message with { Hops = message.Hops + 1 }, cancellationToken);
                return ProcessOutcome.TimerHopped;
            }

            // Surfaced a moment early (the queue counts whole seconds): wait here rather than pay for a re-queue.
            await Task.Delay(due - now, time, cancellationToken);
        }

        if (message.Kind == InstanceMessageKind.TimerBatch)
        {
            await ProcessBatchAsync(message.Batch!, cancellationToken);
            return ProcessOutcome.Batch;
        }

        return await ProcessOneAsync(message, cancellationToken);
    }

    /// <summary>
    /// Applies each timer of a batch. One that fails is queued again on its own, so it retries (and, if it keeps
    /// failing, is poisoned) alone while the others are done. If even that fails the whole batch is retried: timers
    /// that fired already are then recognised (their ids are no longer held) and skipped.
    /// </summary>
    private async Task ProcessBatchAsync(IReadOnlyList<InstanceMessage> timers, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(
            timers,
            new ParallelOptions { MaxDegreeOfParallelism = BatchParallelism, CancellationToken = cancellationToken },
            async (timer, ct) =>
            {
                try
                {
                    await ProcessOneAsync(timer, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Timer {TimerId} of instance {InstanceId} failed in a batch; queued on its own", timer.TimerId, timer.InstanceId);
                    await relay.EnqueueAsync(timer.InstanceId, timer.ToJson(), ct);
                }
            });

    /// <summary>Timers of one batch applied at once (each takes its own instance's lock).</summary>
    private const int BatchParallelism = 8;

    private async Task<ProcessOutcome> ProcessOneAsync(InstanceMessage message, CancellationToken cancellationToken)
    {
        using var _ = await _locks.AcquireAsync(message.InstanceId, cancellationToken);
        var cached = _cache.TryGet(message.InstanceId);
        for (var attempt = 1; ; attempt++)
        {
            var record = cached ?? await store.GetAsync(message.InstanceId, cancellationToken);
            var decision = Decide(record, message);
            if (cached is not null && decision != Decision.Apply)
            {
                // A cached row may be stale; only the ETag-checked commit may trust it. Decide anything else afresh.
                cached = null;
                record = await store.GetAsync(message.InstanceId, cancellationToken);
                decision = Decide(record, message);
            }

            switch (decision)
            {
                case Decision.Buffer:
                    await store.AddIfAbsentAsync(BufferedRow(message), cancellationToken);

                    // The start or resume may have committed (and drained) between our read and our write:
                    // then nobody else will re-queue this row, so do it here.
                    if (await store.GetAsync(message.InstanceId, cancellationToken) is { Status: RuntimeStatus.Running })
                    {
                        await DrainBufferAsync(message.InstanceId, cancellationToken);
                    }

                    return ProcessOutcome.Buffered;
                case Decision.RecordLate:
                    await store.AddIfAbsentAsync(LateRow(message, record!.Status), cancellationToken);
                    logger.LogInformation("Event {EventId} for {Status} instance {InstanceId} recorded, not applied", message.EventId, record.Status, message.InstanceId);
                    return ProcessOutcome.Late;
                case Decision.Redrive:
                    await RedriveAsync(record!, cancellationToken);
                    return ProcessOutcome.Duplicate;
                case Decision.StaleTimer:
                    if (record is { Status: RuntimeStatus.Running })
                    {
                        // It may be a redelivered timer whose worker stopped after the commit, before the hand-on:
                        // timers carry no marker, so finish that hand-on here (idempotent; usually nothing is left).
                        await RedriveAsync(record, cancellationToken);
                    }

                    return ProcessOutcome.StaleTimer;
                case Decision.Ignore:
                    return ProcessOutcome.Ignored;
            }

            var now = time.GetUtcNow();
            await PrepareAsync(record, message, now, cancellationToken);
            var (next, outbox, drain) = Transition(record, message, now);
            // A timer needs no marker: the state row holds its id until it fires and drops it then, so a redelivered
            // timer is recognised as stale. Every other event gets one, first, so a redelivery fails the whole
            // transaction there, before anything else is written.
            var marked = message.Kind != InstanceMessageKind.Timer;
            var actions = new List<TableTransactionAction>(outbox.Count + 2);
            if (marked)
            {
                actions.Add(new(TableTransactionActionType.Add, new TableEntity(message.InstanceId, InstanceKeys.Marker(message.EventId)) { ["Version"] = next.Version }));
            }

            actions.Add(record is null
                ? new(TableTransactionActionType.Add, next.ToEntity())
                : new(TableTransactionActionType.UpdateReplace, next.ToEntity(), record.ETag));
            actions.AddRange(outbox.Select(o => new TableTransactionAction(TableTransactionActionType.Add, o.ToEntity())));

            // Whatever the commit's outcome, the cached row is no longer the instance's (or is about to be replaced).
            var fromCache = cached is not null;
            cached = null;
            _cache.Remove(message.InstanceId);
            try
            {
                var etag = await store.CommitAsync(actions, etagOf: marked ? 1 : 0, cancellationToken);
                _cache.Set(next with { ETag = etag });
            }
            catch (TableTransactionFailedException ex) when (fromCache && !(marked && ex.FailedTransactionActionIndex == 0))
            {
                // The cached row was stale (another worker committed, or the instance was purged): reload and retry.
                attempt--;
                continue;
            }
            catch (TableTransactionFailedException ex) when (marked && ex.Status == 409 && ex.FailedTransactionActionIndex == 0)
            {
                // Applied before (its marker exists) though the recent-event list no longer shows it.
                await RedriveAsync((await store.GetAsync(message.InstanceId, cancellationToken))!, cancellationToken);
                return ProcessOutcome.Duplicate;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < options.MaxCommitAttempts)
            {
                // Another worker committed first; reload and apply again on the new state.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), cancellationToken);
                continue;
            }

            await relay.HandOnAsync(message.InstanceId, outbox, cancellationToken);
            if (drain)
            {
                await DrainBufferAsync(message.InstanceId, cancellationToken);
            }

            return ProcessOutcome.Applied;
        }
    }

    private enum Decision
    {
        Apply,
        Buffer,
        RecordLate,
        Redrive,
        StaleTimer,
        Ignore,
    }

    private static Decision Decide(InstanceRecord? record, InstanceMessage message)
    {
        var notStarted = record is null || record.Status == RuntimeStatus.Pending;
        if (notStarted)
        {
            // Until the start is applied, everything else waits in the instance's buffer (a reply can race its start).
            // A timer, though, only exists for a started instance: with no state row the instance was purged.
            return message.Kind switch
            {
                InstanceMessageKind.Start => Decision.Apply,
                InstanceMessageKind.Timer => Decision.StaleTimer,
                _ => Decision.Buffer,
            };
        }

        if (record!.RecentEvents.Contains(message.EventId))
        {
            return Decision.Redrive;
        }

        if (message.Kind == InstanceMessageKind.Start)
        {
            return Decision.Ignore;
        }

        if (record.Status.IsTerminal())
        {
            return message.Kind is InstanceMessageKind.Event ? Decision.RecordLate : Decision.Ignore;
        }

        return message.Kind switch
        {
            InstanceMessageKind.Timer when !record.Timers.TryGetValue(message.Name ?? "", out var t) || t.Id != message.TimerId => Decision.StaleTimer,
            InstanceMessageKind.Event or InstanceMessageKind.Timer when record.Status == RuntimeStatus.Suspended => Decision.Buffer,
            InstanceMessageKind.Suspend when record.Status == RuntimeStatus.Suspended => Decision.Ignore,
            InstanceMessageKind.Resume when record.Status != RuntimeStatus.Suspended => Decision.Ignore,
            _ => Decision.Apply,
        };
    }

    /// <summary>The new state row, the outbox rows to commit with it, and whether buffered events should be re-queued.</summary>
    private (InstanceRecord Next, List<OutboxRow> Outbox, bool Drain) Transition(InstanceRecord? record, InstanceMessage message, DateTimeOffset now)
    {
        var version = (record?.Version ?? 0) + 1;
        var recent = (record?.RecentEvents ?? []).Append(message.EventId).TakeLast(InstanceRecord.RecentEventCapacity).ToList();
        var current = record ?? new InstanceRecord
        {
            InstanceId = message.InstanceId,
            Name = message.Name ?? "",
            Input = message.Data,
            CreatedTime = now,
        };

        switch (message.Kind)
        {
            case InstanceMessageKind.Terminate:
                return (current with
                {
                    Status = RuntimeStatus.Terminated,
                    Output = message.Data,
                    Timers = new Dictionary<string, TimerEntry>(),
                    Version = version,
                    RecentEvents = recent,
                    LastUpdatedTime = now,
                }, [], false);
            case InstanceMessageKind.Suspend:
                return (current with { Status = RuntimeStatus.Suspended, Version = version, RecentEvents = recent, LastUpdatedTime = now }, [], false);
            case InstanceMessageKind.Resume:
                return (current with { Status = RuntimeStatus.Running, Version = version, RecentEvents = recent, LastUpdatedTime = now }, [], true);
        }

        var timers = new Dictionary<string, TimerEntry>(current.Timers);
        var instanceEvent = EventOf(message, current.Input, now);
        if (message.Kind == InstanceMessageKind.Timer)
        {
            timers.Remove(message.Name!);
        }

        var next = current with
        {
            Status = RuntimeStatus.Running,
            Version = version,
            RecentEvents = recent,
            LastUpdatedTime = now,
        };
        var outbox = new List<OutboxRow>();
        try
        {
            if (!_handlers.TryGetValue(current.Name, out var handler))
            {
                throw new InvalidOperationException($"No handler is registered for instances named '{current.Name}'.");
            }

            var view = ViewOf(current, timers, now);
            var transition = handler.Apply(view, instanceEvent);
            next = ApplyEffects(next with { State = transition.State }, transition.Effects, timers, outbox);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Handlers are deterministic: retrying would fail the same way. Fail the instance and say why.
            logger.LogError(ex, "Instance {InstanceId} failed applying {Kind} {EventId}", current.InstanceId, message.Kind, message.EventId);
            outbox.Clear();
            next = current with
            {
                Status = RuntimeStatus.Failed,
                Output = $"{ex.GetType().Name}: {ex.Message}",
                Timers = new Dictionary<string, TimerEntry>(),
                Version = version,
                RecentEvents = recent,
                LastUpdatedTime = now,
            };
        }

        return (next, outbox, message.Kind == InstanceMessageKind.Start);
    }

    /// <summary>Lets a preparing handler load what its <c>Apply</c> will read (only for events it will apply).</summary>
    private async Task PrepareAsync(InstanceRecord? record, InstanceMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (message.Kind is not (InstanceMessageKind.Start or InstanceMessageKind.Event or InstanceMessageKind.Timer)
            || !_handlers.TryGetValue(record?.Name ?? message.Name ?? "", out var handler)
            || handler is not IPreparingInstanceHandler preparing)
        {
            return;
        }

        var current = record ?? new InstanceRecord { InstanceId = message.InstanceId, Name = message.Name ?? "", Input = message.Data };
        var timers = current.Timers.Where(t => message.Kind != InstanceMessageKind.Timer || t.Key != message.Name).ToDictionary(t => t.Key, t => t.Value);
        await preparing.PrepareAsync(ViewOf(current, timers, now), EventOf(message, current.Input, now), cancellationToken);
    }

    private static InstanceView ViewOf(InstanceRecord current, IReadOnlyDictionary<string, TimerEntry> timers, DateTimeOffset now) =>
        new(current.InstanceId, current.State, current.Input, now, timers.ToDictionary(t => t.Key, t => t.Value.Due));

    private static InstanceEvent EventOf(InstanceMessage message, string? input, DateTimeOffset now) => message.Kind switch
    {
        InstanceMessageKind.Timer => new InstanceEvent(InstanceEventKind.Timer, message.EventId, message.Name!, null, message.Due ?? now),
        InstanceMessageKind.Start => new InstanceEvent(InstanceEventKind.Start, message.EventId, InstanceEvent.StartName, input, message.At),
        _ => new InstanceEvent(InstanceEventKind.External, message.EventId, message.Name ?? "", message.Data, message.At),
    };

    private static InstanceRecord ApplyEffects(InstanceRecord next, IReadOnlyList<InstanceEffect> effects, Dictionary<string, TimerEntry> timers, List<OutboxRow> outbox)
    {
        if (effects.Count > InstanceLimits.MaxEffectsPerTransition)
        {
            throw new InvalidOperationException($"A transition may have at most {InstanceLimits.MaxEffectsPerTransition} effects; it had {effects.Count}.");
        }

        if (next.State is { Length: > InstanceLimits.MaxStateChars })
        {
            throw new InvalidOperationException($"Instance state may be at most {InstanceLimits.MaxStateChars} characters; it was {next.State.Length}.");
        }

        var id = next.InstanceId;
        for (var i = 0; i < effects.Count; i++)
        {
            if (next.Status.IsTerminal())
            {
                throw new InvalidOperationException($"Effect {i} ({effects[i].GetType().Name}) follows the instance's completion; completion must be last.");
            }

            switch (effects[i])
            {
                case SendMessage send:
                    outbox.Add(new OutboxRow(id, InstanceKeys.Outbox(next.Version, i), OutboxRow.SendKind, $"{id}/{next.Version}/{i}", send.Channel, send.Payload, null, null, null));
                    break;
                case StartTimer start:
                    timers[start.Name] = new TimerEntry(Guid.NewGuid().ToString("N"), start.DueAt);
                    if (timers.Count > InstanceLimits.MaxTimers)
                    {
                        throw new InvalidOperationException($"An instance may hold at most {InstanceLimits.MaxTimers} timers.");
                    }

                    break;
                case CancelTimer cancel:
                    timers.Remove(cancel.Name);
                    break;
                case SetCustomStatus status:
                    next = next with { CustomStatus = status.Json };
                    break;
                case CompleteInstance complete:
                    next = next with { Status = RuntimeStatus.Completed, Output = complete.Output };
                    timers.Clear();
                    break;
                case FailInstance fail:
                    next = next with { Status = RuntimeStatus.Failed, Output = fail.Reason };
                    timers.Clear();
                    break;
                default:
                    throw new InvalidOperationException($"Unknown effect {effects[i].GetType().Name}.");
            }
        }

        // Only timers still held after the whole transition get a message: one started and cancelled at once never fires.
        var index = effects.Count;
        foreach (var (name, entry) in timers.Where(t => !next.Timers.TryGetValue(t.Key, out var old) || old.Id != t.Value.Id))
        {
            outbox.Add(new OutboxRow(id, InstanceKeys.Outbox(next.Version, index++), OutboxRow.TimerKind, null, null, null, name, entry.Id, entry.Due));
        }

        return next with { Timers = timers };
    }

    /// <summary>
    /// A redelivered message: its transition is committed, but the worker that committed it may have stopped before
    /// handing on the outbox or re-queuing buffered events. Finish both (each is idempotent).
    /// </summary>
    private async Task RedriveAsync(InstanceRecord record, CancellationToken cancellationToken)
    {
        var rows = await store.RangeAsync(record.InstanceId, InstanceKeys.OutboxPrefix, 1000, cancellationToken);
        await relay.HandOnAsync(record.InstanceId, rows.Select(OutboxRow.FromEntity).ToList(), cancellationToken);
        if (record.Status == RuntimeStatus.Running)
        {
            await DrainBufferAsync(record.InstanceId, cancellationToken);
        }
    }

    /// <summary>Re-queues events that waited for the start or the resume, oldest first, then deletes their rows.</summary>
    private async Task DrainBufferAsync(string instanceId, CancellationToken cancellationToken)
    {
        var rows = await store.RangeAsync(instanceId, InstanceKeys.BufferPrefix, options.MaxDrainPerMessage, cancellationToken);
        foreach (var row in rows)
        {
            await relay.EnqueueAsync(instanceId, row.GetString("Message")!, cancellationToken);
        }

        await store.DeleteAllAsync(instanceId, rows.Select(r => r.RowKey).ToList(), cancellationToken);
    }

    private TableEntity BufferedRow(InstanceMessage message) =>
        new(message.InstanceId, InstanceKeys.Buffer(time.GetUtcNow(), message.EventId))
        {
            ["Message"] = message.ToJson(),
            ["EventId"] = message.EventId,
            ["Kind"] = message.Kind.ToString(),
        };

    private TableEntity LateRow(InstanceMessage message, RuntimeStatus status) =>
        new(message.InstanceId, InstanceKeys.Late(message.EventId))
        {
            ["Message"] = message.ToJson(),
            ["EventId"] = message.EventId,
            ["InstanceStatus"] = status.ToString(),
            ["ReceivedAt"] = time.GetUtcNow(),
        };
}
