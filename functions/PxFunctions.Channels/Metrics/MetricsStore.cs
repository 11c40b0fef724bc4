using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Channels.Metrics;

/// <summary>
/// PX metrics kept current as events happen (table <c>PxMetrics</c>). Partition = UTC day (<c>d:2026-11-01</c>);
/// in it, one aggregate row for all journeys (<c>c|*</c>) and one per journey (<c>c|{journey}</c>), each a set of
/// counter, funnel and outcome columns (<see cref="MetricColumns"/>), and one marker row per event counted
/// (<c>e|{event id}</c>).
/// <para>Consistency: an event's marker and the counter rows it changes are written in one entity-group
/// transaction, the counter rows replaced only at the ETag they were read at. So an event is counted exactly once:
/// a second run of its handler fails on the marker (409: already counted, dropped); two writers at once make one
/// fail on the ETag (412), which reads again and retries. Nothing is half-written: the transaction is atomic.</para>
/// <para>Cost: a process writes one day's events one transaction at a time; events that arrive while one is in
/// flight go together in the next (group commit), and the counter rows are kept with the ETags the last
/// transaction returned, so a send usually costs one request (the transaction) and less under load, not a read of
/// each counter row first. Another process's write shows as a 412, after which the rows are read again.</para>
/// <para>Reads are point reads of the aggregate rows of each day asked for (never a scan of markers or messages).</para>
/// </summary>
public sealed class MetricsStore(TableClient table)
{
    public const string TableName = "PxMetrics";
    private const string AllRow = "c|*";
    private const int MaxActions = 100;
    private const int MaxCachedRows = 512;

    private readonly Lock _gate = new();
    private readonly Dictionary<DateOnly, List<Pending>> _queued = [];
    private readonly ConcurrentDictionary<(string Partition, string RowKey), TableEntity> _rows = new();

    public static string Partition(DateOnly day) => "d:" + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string JourneyRow(string journey) => "c|" + MessageLog.RowKeyOf(journey);

    private static string MarkerRow(string id) => "e|" + MessageLog.RowKeyOf(id);

    public Task RecordAsync(MetricEvent metric, CancellationToken cancellationToken) => RecordAsync([metric], cancellationToken);

    /// <summary>
    /// Counts each event once. Returns when every event is in the table (or was counted before); throws when the
    /// write failed, so the caller's handler retries (its events carry the same ids and are counted once).
    /// </summary>
    public async Task RecordAsync(IEnumerable<MetricEvent> events, CancellationToken cancellationToken)
    {
        var waits = new List<Task>();
        var start = new List<DateOnly>();
        lock (_gate)
        {
            foreach (var e in events.DistinctBy(e => e.Id))
            {
                var day = DateOnly.FromDateTime(e.At.UtcDateTime);
                var pending = new Pending(e, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                waits.Add(pending.Done.Task);
                if (_queued.TryGetValue(day, out var queue))
                {
                    queue.Add(pending);
                }
                else
                {
                    _queued[day] = [pending];
                    start.Add(day);
                }
            }
        }

        foreach (var day in start)
        {
            _ = Task.Run(() => DrainAsync(day), CancellationToken.None);
        }

        await Task.WhenAll(waits).WaitAsync(cancellationToken);
    }

    /// <summary>One writer per day and process: writes what is queued for the day, a transaction (up to 100 rows) at a time, until nothing is.</summary>
    private async Task DrainAsync(DateOnly day)
    {
        while (true)
        {
            List<Pending> batch;
            lock (_gate)
            {
                var queue = _queued[day];
                if (queue.Count == 0)
                {
                    _queued.Remove(day);
                    return;
                }

                batch = TakeBatch(queue);
            }

            try
            {
                // Callers may be counting the same event at once (a handler and its retry): one marker each per transaction.
                await RecordChunkAsync(day, batch.Select(p => p.Event).DistinctBy(e => e.Id).ToList(), CancellationToken.None);
                batch.ForEach(p => p.Done.TrySetResult());
            }
            catch (Exception ex)
            {
                batch.ForEach(p => p.Done.TrySetException(ex));
            }
        }
    }

    /// <summary>Takes from the queue the events that fit one transaction: a marker each, the all-journeys row and a row per journey.</summary>
    private static List<Pending> TakeBatch(List<Pending> queue)
    {
        var journeys = new HashSet<string>(StringComparer.Ordinal);
        var taken = 0;
        foreach (var pending in queue)
        {
            var extra = pending.Event.Journey is { } j && !journeys.Contains(j) ? 1 : 0;
            if (taken > 0 && taken + 1 + 1 + journeys.Count + extra > MaxActions)
            {
                break;
            }

            taken++;
            if (pending.Event.Journey is { } journey)
            {
                journeys.Add(journey);
            }
        }

        var batch = queue.GetRange(0, taken);
        queue.RemoveRange(0, taken);
        return batch;
    }

    private async Task RecordChunkAsync(DateOnly day, List<MetricEvent> events, CancellationToken cancellationToken)
    {
        var partition = Partition(day);
        var pending = events.ToList();
        for (var attempt = 0; attempt < 100 && pending.Count > 0; attempt++)
        {
            var rowKeys = new[] { AllRow }.Concat(pending.Where(e => e.Journey is not null).Select(e => JourneyRow(e.Journey!)).Distinct(StringComparer.Ordinal)).ToList();
            var rows = await Task.WhenAll(rowKeys.Select(async rk =>
            {
                if (_rows.TryGetValue((partition, rk), out var cached))
                {
                    return (RowKey: rk, Existing: (TableEntity?)cached);
                }

                var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, rk, cancellationToken: cancellationToken);
                return (RowKey: rk, Existing: found.HasValue ? found.Value : null);
            }));

            var actions = pending.Select(e => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, MarkerRow(e.Id)))).ToList();
            var written = new List<TableEntity>();
            foreach (var (rowKey, existing) in rows)
            {
                // A copy: the cached row changes only when the transaction is in the table.
                var entity = existing is null ? new TableEntity(partition, rowKey) : new TableEntity(existing) { ETag = existing.ETag };
                foreach (var e in pending.Where(e => rowKey == AllRow || (e.Journey is not null && JourneyRow(e.Journey) == rowKey)))
                {
                    foreach (var (column, amount) in e.Counters)
                    {
                        entity[column] = (entity.GetInt64(column) ?? 0) + amount;
                    }

                    if (rowKey == AllRow && e.Journey is { } journey)
                    {
                        entity[MetricColumns.Journey(journey)] = 1;
                    }
                }

                written.Add(entity);
                actions.Add(existing is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, existing.ETag));
            }

            try
            {
                var responses = (await table.SubmitTransactionAsync(actions, cancellationToken)).Value;
                Remember(written, responses.Skip(pending.Count).ToList());
                return;
            }
            catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex is { } index && index < pending.Count && ex.Status == 409)
            {
                // This event was counted before (its handler ran again): drop it and count the others.
                pending.RemoveAt(index);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another writer changed (or created) an aggregate row since it was read: read again and retry.
                Forget(partition);
                await Task.Delay(Random.Shared.Next(1, 5 + attempt * 5), cancellationToken);
            }
            catch
            {
                Forget(partition);
                throw;
            }
        }

        if (pending.Count > 0)
        {
            throw new RequestFailedException(412, $"The metrics of {partition} are too contended to record now; the event's handler retries.");
        }
    }

    /// <summary>Keeps the rows just written with the ETags the service returned (a row without one is read next time).</summary>
    private void Remember(List<TableEntity> written, List<Response> responses)
    {
        if (_rows.Count > MaxCachedRows)
        {
            _rows.Clear();
        }

        for (var i = 0; i < written.Count; i++)
        {
            var key = (written[i].PartitionKey, written[i].RowKey);
            if (i < responses.Count && responses[i].Headers.ETag is { } etag)
            {
                written[i].ETag = etag;
                _rows[key] = written[i];
            }
            else
            {
                _rows.TryRemove(key, out _);
            }
        }
    }

    private void Forget(string partition)
    {
        foreach (var key in _rows.Keys.Where(k => k.Partition == partition))
        {
            _rows.TryRemove(key, out _);
        }
    }

    private sealed record Pending(MetricEvent Event, TaskCompletionSource Done);

    /// <summary>The aggregate rows of each day from <paramref name="from"/> to <paramref name="to"/>: all journeys', or one journey's.</summary>
    public async Task<IReadOnlyList<MetricsDay>> ReadAsync(DateOnly from, DateOnly to, string? journey, CancellationToken cancellationToken)
    {
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(from.AddDays).ToList();
        return await Task.WhenAll(days.Select(async day =>
        {
            var partition = Partition(day);
            if (journey is not null)
            {
                var row = await GetAsync(partition, JourneyRow(journey), cancellationToken);
                return new MetricsDay(day, row, row is null ? [] : [(journey, row)]);
            }

            var all = await GetAsync(partition, AllRow, cancellationToken);
            var seen = all?.Keys.Where(k => k.StartsWith(MetricColumns.JourneyPrefix, StringComparison.Ordinal)).Select(k => MetricColumns.Unhex(k[MetricColumns.JourneyPrefix.Length..])).ToList() ?? [];
            var perJourney = await Task.WhenAll(seen.Select(async j => (Journey: j, Row: await GetAsync(partition, JourneyRow(j), cancellationToken))));
            return new MetricsDay(day, all, perJourney.Where(p => p.Row is not null).Select(p => (p.Journey, p.Row!)).ToList());
        }));
    }

    private async Task<TableEntity?> GetAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken);
        return found.HasValue ? found.Value : null;
    }
}

/// <summary>One day's aggregate rows: the row the totals come from, and each journey's row (for the funnel and outcomes).</summary>
public sealed record MetricsDay(DateOnly Day, TableEntity? Totals, IReadOnlyList<(string Journey, TableEntity Row)> Journeys);
