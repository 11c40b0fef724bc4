using System.Text.Json;
using Azure.Data.Tables;
using PxFunctions.Runtime;

namespace PxFunctions.Benchmarks;

/// <summary>
/// Writes waiting instances straight into storage, in exactly the rows a start through the runtime leaves once it
/// has been applied and handed on: the state row (Running, version 1, the start in its recent events, one pending
/// timer), the start's marker row, and the timer's row in the timer index (the timer is beyond the horizon, so it is
/// indexed, not queued). Starting 100,000 instances through the queue costs about seven requests each, which on the
/// 2-core emulator takes far longer than the benchmark may; writing the end state costs one transaction per
/// instance plus one per hundred index rows.
/// </summary>
/// <remarks>
/// The rows are built with the runtime's own types (<see cref="InstanceRecord"/>, <see cref="InstanceKeys"/>,
/// <see cref="InstanceMessage"/>, <see cref="TimerPump.Bucket"/>) and the state comes from the handler itself.
/// <see cref="VerifyAgainstAsync"/> compares them with an instance the runtime started, and the benchmark refuses to
/// run when they differ, so the seeded instances cannot drift from what the runtime writes.
/// </remarks>
internal sealed class WaitingInstanceSeeder(RuntimeStorage storage, IInstanceHandler handler, RuntimeOptions options, TimeProvider time)
{

    /// <summary>The rows one waiting instance consists of.</summary>
    public sealed record Rows(TableEntity State, TableEntity Marker, TableEntity Index);

    public Rows RowsFor(string instanceId, string input)
    {
        var now = time.GetUtcNow();
        var transition = handler.Apply(
            new InstanceView(instanceId, null, input, now, new Dictionary<string, DateTimeOffset>()),
            new InstanceEvent(InstanceEventKind.Start, InstanceKeys.StartEventId(instanceId), InstanceEvent.StartName, input, now));
        if (transition.Effects is not [StartTimer timer] || timer.DueAt - now <= options.TimerHorizon)
        {
            throw new InvalidOperationException(
                $"Only a start that sets one timer beyond the horizon ({options.TimerHorizon}) can be seeded; {handler.Name} did something else.");
        }

        var timerId = Guid.NewGuid().ToString("N");
        var record = new InstanceRecord
        {
            InstanceId = instanceId,
            Name = handler.Name,
            Status = RuntimeStatus.Running,
            Input = input,
            State = transition.State,
            CreatedTime = now,
            LastUpdatedTime = now,
            Version = 1,
            Timers = new Dictionary<string, TimerEntry> { [timer.Name] = new(timerId, timer.DueAt) },
            RecentEvents = [InstanceKeys.StartEventId(instanceId)],
        };
        var message = new InstanceMessage
        {
            Kind = InstanceMessageKind.Timer,
            InstanceId = instanceId,
            EventId = "timer:" + timerId,
            Name = timer.Name,
            TimerId = timerId,
            Due = timer.DueAt,
            At = now,
        };
        return new Rows(
            record.ToEntity(),
            new TableEntity(instanceId, InstanceKeys.Marker(InstanceKeys.StartEventId(instanceId))) { ["Version"] = record.Version },
            new TableEntity(TimerPump.Bucket(timer.DueAt), timerId) { ["Message"] = message.ToJson(), ["Due"] = timer.DueAt, ["InstanceId"] = instanceId });
    }

    /// <summary>Seeds the instances <paramref name="ids"/>, <paramref name="concurrency"/> transactions at a time.</summary>
    public async Task SeedAsync(IReadOnlyList<string> ids, string input, int concurrency, CancellationToken cancellationToken)
    {
        long done = 0;
        long reported = 0;
        using var report = new Timer(
            _ =>
            {
                var now = Interlocked.Read(ref done);
                Progress.Write($"seeded {now:N0} of {ids.Count:N0} waiting instances ({(now - Interlocked.Exchange(ref reported, now)) / 10.0:F0}/s in the last 10 s)");
            },
            null,
            TimeSpan.FromSeconds(10),
            TimeSpan.FromSeconds(10));

        // A hundred instances at a time: their state transactions in parallel, then their index rows in one batch
        // per due minute (the runtime writes index rows one by one; the rows are the same either way).
        await Parallel.ForEachAsync(
            ids.Chunk(100),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency / 8), CancellationToken = cancellationToken },
            async (chunk, ct) =>
            {
                var rows = chunk.Select(id => RowsFor(id, input)).ToList();
                await Parallel.ForEachAsync(
                    rows,
                    new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                    async (r, ct2) => await storage.Instances.SubmitTransactionAsync(
                        [new TableTransactionAction(TableTransactionActionType.Add, r.Marker), new TableTransactionAction(TableTransactionActionType.Add, r.State)],
                        ct2));
                foreach (var bucket in rows.Select(r => r.Index).GroupBy(e => e.PartitionKey))
                {
                    await storage.TimerIndex.SubmitTransactionAsync(
                        bucket.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct);
                }

                Interlocked.Add(ref done, chunk.Length);
            });
    }

    /// <summary>
    /// Throws unless the rows of <paramref name="startedId"/>, an instance the runtime started with
    /// <paramref name="input"/> and has finished handing on, match what <see cref="RowsFor"/> writes: the same rows,
    /// properties and property types, and the same values wherever a value does not depend on the id or the clock.
    /// </summary>
    public async Task VerifyAgainstAsync(string startedId, string input, CancellationToken cancellationToken)
    {
        var seeded = RowsFor(startedId, input);
        var partition = new List<TableEntity>();
        await foreach (var row in storage.Instances.QueryAsync<TableEntity>(
                           TableClient.CreateQueryFilter($"PartitionKey eq {startedId}"), cancellationToken: cancellationToken))
        {
            partition.Add(row);
        }

        var problems = new List<string>();
        var keys = partition.Select(r => r.RowKey).Order(StringComparer.Ordinal).ToList();
        var expectedKeys = new[] { seeded.Marker.RowKey, seeded.State.RowKey }.Order(StringComparer.Ordinal).ToList();
        if (!keys.SequenceEqual(expectedKeys))
        {
            problems.Add($"row keys: started [{string.Join(", ", keys)}], seeded [{string.Join(", ", expectedKeys)}]");
        }

        var state = partition.FirstOrDefault(r => r.RowKey == InstanceRecord.RowKeyFor(r.PartitionKey));
        var marker = partition.FirstOrDefault(r => r.RowKey == seeded.Marker.RowKey);
        if (state is not null)
        {
            Compare("state row", state, seeded.State, ["Name", "Status", "Input", "State", "CustomStatus", "Output", "Version", "RecentEvents"], problems);
            var timers = InstanceRecord.FromEntity(state).Timers;
            var seededTimers = InstanceRecord.FromEntity(seeded.State).Timers;
            if (!timers.Keys.Order(StringComparer.Ordinal).SequenceEqual(seededTimers.Keys.Order(StringComparer.Ordinal)))
            {
                problems.Add($"timers: started [{string.Join(", ", timers.Keys)}], seeded [{string.Join(", ", seededTimers.Keys)}]");
            }

            foreach (var (_, timer) in timers)
            {
                var index = await storage.TimerIndex.GetEntityIfExistsAsync<TableEntity>(TimerPump.Bucket(timer.Due), timer.Id, cancellationToken: cancellationToken);
                if (!index.HasValue)
                {
                    problems.Add($"the started instance's timer {timer.Id} is not in the timer index");
                    continue;
                }

                Compare("index row", index.Value!, seeded.Index, [], problems);
                var started = InstanceMessage.Parse(index.Value!.GetString("Message")!);
                var expected = InstanceMessage.Parse(seeded.Index.GetString("Message")!);
                if (started.Kind != expected.Kind || started.Name != expected.Name || started.Hops != expected.Hops ||
                    started.EventId != "timer:" + started.TimerId || started.TimerId != timer.Id || started.InstanceId != startedId)
                {
                    problems.Add($"index message: started {started.ToJson()}, seeded {expected.ToJson()}");
                }
            }
        }

        if (marker is not null)
        {
            Compare("marker row", marker, seeded.Marker, ["Version"], problems);
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                "Seeded waiting instances would not look like started ones; fix the seeder to match the runtime:\n  " + string.Join("\n  ", problems));
        }
    }

    private static void Compare(string what, TableEntity started, TableEntity seeded, IReadOnlyList<string> sameValues, List<string> problems)
    {
        // Timestamp and the ETag are the service's; what the runtime writes is everything else.
        static Dictionary<string, Type?> Shape(TableEntity e) =>
            e.Keys.Where(k => k is not ("Timestamp" or "odata.etag" or "PartitionKey" or "RowKey"))
                .ToDictionary(k => k, k => Normalise(e[k])?.GetType(), StringComparer.Ordinal);

        var a = Shape(started);
        var b = Shape(seeded);
        foreach (var key in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            // A null property is not stored, so a null the seeder sets and an absent one are the same row.
            var x = a.GetValueOrDefault(key);
            var y = b.GetValueOrDefault(key);
            if (x != y)
            {
                problems.Add($"{what} property {key}: started {x?.Name ?? "absent"}, seeded {y?.Name ?? "absent"}");
            }
        }

        foreach (var key in sameValues)
        {
            var x = JsonSerializer.Serialize(Normalise(started.TryGetValue(key, out var sv) ? sv : null));
            var y = JsonSerializer.Serialize(Normalise(seeded.TryGetValue(key, out var dv) ? dv : null));
            if (x != y)
            {
                problems.Add($"{what} {key}: started {x}, seeded {y}");
            }
        }
    }

    /// <summary>Values as read back from the service: dates come back as <see cref="DateTimeOffset"/>.</summary>
    private static object? Normalise(object? value) => value is DateTime d ? new DateTimeOffset(d) : value;
}
