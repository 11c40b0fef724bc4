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
/// <para>Reads are point reads of the aggregate rows of each day asked for (never a scan of markers or messages).</para>
/// </summary>
public sealed class MetricsStore(TableClient table)
{
    public const string TableName = "PxMetrics";
    private const string AllRow = "c|*";
    private const int MaxActions = 100;

    public static string Partition(DateOnly day) => "d:" + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string JourneyRow(string journey) => "c|" + MessageLog.RowKeyOf(journey);

    private static string MarkerRow(string id) => "e|" + MessageLog.RowKeyOf(id);

    public Task RecordAsync(MetricEvent metric, CancellationToken cancellationToken) => RecordAsync([metric], cancellationToken);

    /// <summary>Counts each event once, in as few transactions as the days and journeys allow (up to 100 rows each).</summary>
    public async Task RecordAsync(IEnumerable<MetricEvent> events, CancellationToken cancellationToken)
    {
        foreach (var day in events.DistinctBy(e => e.Id).GroupBy(e => DateOnly.FromDateTime(e.At.UtcDateTime)))
        {
            var chunk = new List<MetricEvent>();
            var journeys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in day)
            {
                var extra = e.Journey is { } j && !journeys.Contains(j) ? 1 : 0;
                if (chunk.Count + 1 + 1 + journeys.Count + extra > MaxActions)
                {
                    await RecordChunkAsync(day.Key, chunk, cancellationToken);
                    (chunk, journeys) = ([], new HashSet<string>(StringComparer.Ordinal));
                }

                chunk.Add(e);
                if (e.Journey is { } journey)
                {
                    journeys.Add(journey);
                }
            }

            if (chunk.Count > 0)
            {
                await RecordChunkAsync(day.Key, chunk, cancellationToken);
            }
        }
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
                var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, rk, cancellationToken: cancellationToken);
                return (RowKey: rk, Existing: found.HasValue ? found.Value : null);
            }));

            var actions = pending.Select(e => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, MarkerRow(e.Id)))).ToList();
            foreach (var (rowKey, existing) in rows)
            {
                var entity = existing ?? new TableEntity(partition, rowKey);
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

                actions.Add(existing is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, existing.ETag));
            }

            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
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
                await Task.Delay(Random.Shared.Next(1, 5 + attempt * 5), cancellationToken);
            }
        }

        if (pending.Count > 0)
        {
            throw new RequestFailedException(412, $"The metrics of {partition} are too contended to record now; the event's handler retries.");
        }
    }

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
