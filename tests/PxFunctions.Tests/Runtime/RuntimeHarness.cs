using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using PxFunctions.Configuration;
using PxFunctions.Runtime;
using PxFunctions.Storage;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Runtime;

/// <summary>
/// The runtime wired by hand against the test run's storage under a fresh prefix, with workers that play the
/// Functions host: take messages, call the processor or dispatcher, delete on success, make the message visible
/// again at once on failure (a crash). The host's own queue calls go through clients that are not counted, so a
/// failure injected at the k-th counted call always lands inside the runtime.
/// </summary>
public sealed class RuntimeHarness
{
    private readonly IReadOnlyList<QueueClient> _hostEvents;
    private readonly QueueClient _hostOutbox;

    private readonly RuntimeStorage _hostStorage;
    private readonly Func<InstanceProcessor> _newProcessor;
    private readonly InstanceStore _hostStore;

    private RuntimeHarness(StorageAccount account, StorageAccount hostAccount, RuntimeStorage storage, TimeProvider time, RuntimeOptions options, IInstanceHandler[] handlers)
    {
        // The harness's own reads (checks, polling) must not count as the runtime's calls, nor crash.
        _hostStorage = RuntimeStorageOf(hostAccount, storage.Events.Count);
        _hostStore = new InstanceStore(_hostStorage);
        Account = account;
        Storage = storage;
        Time = time;
        Store = new InstanceStore(storage);
        Relay = new OutboxRelay(storage, Store, options, time);
        Processor = new InstanceProcessor(Store, Relay, handlers, options, time, NullLogger<InstanceProcessor>.Instance);
        _newProcessor = () => new InstanceProcessor(Store, Relay, handlers, options, time, NullLogger<InstanceProcessor>.Instance);
        Client = new InstanceClient(storage, Store, Relay, handlers, time);
        Sink = new EffectLogSink(storage, time);
        Dispatcher = new EffectDispatcher(Sink);
        // The pump runs as the app's timer function; here it runs between batches on uncounted clients, so
        // injected crashes stay inside the commit protocol under test.
        Pump = new TimerPump(_hostStorage, new OutboxRelay(_hostStorage, _hostStore, options, time), options, time);
        _hostEvents = _hostStorage.Events;
        _hostOutbox = hostAccount.Queue(RuntimeStorage.OutboxQueue);
    }

    /// <summary>A processor of its own (its own locks and state cache), as another process would have.</summary>
    public InstanceProcessor NewProcessor() => _newProcessor();

    public StorageAccount Account { get; }
    public RuntimeStorage Storage { get; }
    public TimeProvider Time { get; }
    public InstanceStore Store { get; }
    public OutboxRelay Relay { get; }
    public InstanceProcessor Processor { get; }
    public InstanceClient Client { get; }
    public EffectLogSink Sink { get; }
    public EffectDispatcher Dispatcher { get; }
    public TimerPump Pump { get; }

    /// <summary>Timers the pump moved from the index to the queue.</summary>
    public int Pumped => _pumped;

    private int _pumped;
    public StorageRequestCounter Counter => Account.Counter;

    /// <summary>Every outcome the workers saw, with the clock's time when it happened.</summary>
    public ConcurrentQueue<(ProcessOutcome Outcome, DateTimeOffset At)> Outcomes { get; } = new();

    /// <summary>When set and true for a handled message, the host "loses" its delete: the message is delivered again.</summary>
    public Func<bool>? LoseDelete { get; set; }

    /// <summary>How many times processing threw (injected crashes included).</summary>
    public int Failures => _failures;

    private int _failures;

    public static Task<RuntimeHarness> CreateAsync(StorageFixture fixture, TimeProvider? time = null, RuntimeOptions? options = null, params IInstanceHandler[] handlers) =>
        CreateAsync(fixture, RuntimeOptions.DefaultPartitions, time, options, handlers);

    public static Task<RuntimeHarness> CreateAsync(StorageFixture fixture, int partitions, TimeProvider? time, RuntimeOptions? options, params IInstanceHandler[] handlers) =>
        CreateAsync(fixture.ConnectionString, partitions, time, options, handlers);

    /// <summary>The harness on storage of the caller's choosing (a test with heavy queue traffic brings its own Azurite).</summary>
    public static async Task<RuntimeHarness> CreateAsync(string connectionString, int partitions, TimeProvider? time, RuntimeOptions? options, params IInstanceHandler[] handlers)
    {
        var prefix = StorageFixture.NewPrefix();
        var settings = new StorageSettings { ConnectionString = connectionString };
        var account = new StorageAccount(settings, prefix);
        var host = new StorageAccount(settings, prefix);
        var storage = RuntimeStorageOf(account, partitions);
        var ct = TestContext.Current.CancellationToken;
        await host.Table(RuntimeStorage.InstancesTable).CreateIfNotExistsAsync(ct);
        await host.Table(RuntimeStorage.EffectsTable).CreateIfNotExistsAsync(ct);
        await host.Table(RuntimeStorage.TimerIndexTable).CreateIfNotExistsAsync(ct);
        foreach (var queue in storage.Events)
        {
            await host.Queue(queue.Name[(prefix.Length + 1)..]).CreateIfNotExistsAsync(cancellationToken: ct);
        }

        await host.Queue(RuntimeStorage.OutboxQueue).CreateIfNotExistsAsync(cancellationToken: ct);
        return new RuntimeHarness(account, host, storage, time ?? TimeProvider.System, options ?? new RuntimeOptions(), handlers.Length == 0 ? [new SampleHandler()] : handlers);
    }

    private static RuntimeStorage RuntimeStorageOf(StorageAccount account, int partitions) => new(
        account.Table(RuntimeStorage.InstancesTable),
        Enumerable.Range(0, partitions).Select(i => account.Queue(RuntimeStorage.EventsQueueName(i))).ToList(),
        account.Queue(RuntimeStorage.OutboxQueue),
        account.Table(RuntimeStorage.EffectsTable),
        account.Table(RuntimeStorage.TimerIndexTable));

    /// <summary>Reads an instance's state row without touching the runtime's counted clients.</summary>
    public Task<InstanceRecord?> ReadAsync(string instanceId) => _hostStore.GetAsync(instanceId, CancellationToken.None);

    /// <summary>Rows of one kind in an instance's partition, read without the runtime's counted clients.</summary>
    public Task<List<Azure.Data.Tables.TableEntity>> RowsAsync(string instanceId, string prefix) => _hostStore.RangeAsync(instanceId, prefix, 1000, CancellationToken.None);

    /// <summary>Every row of the timer index.</summary>
    public async Task<List<Azure.Data.Tables.TableEntity>> TimerIndexAsync()
    {
        var rows = new List<Azure.Data.Tables.TableEntity>();
        await foreach (var row in _hostStorage.TimerIndex.QueryAsync<Azure.Data.Tables.TableEntity>(cancellationToken: CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Calls a client operation the way a caller that retries on errors would (crashes are injected there too).</summary>
    public async Task<T> RetryAsync<T>(Func<Task<T>> operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation();
            }
            catch (Exception) when (attempt < 5)
            {
                Interlocked.Increment(ref _failures);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="workers"/> workers until <paramref name="done"/> holds and (with <paramref name="drain"/>)
    /// the queues hold no message, hidden timers included; fails the test when the time runs out.
    /// </summary>
    public async Task RunUntilAsync(Func<Task<bool>> done, int workers = 2, int timeoutMs = 60_000, bool drain = true)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // Each worker after the first plays another process: its own processor, so its own instance locks and state
        // cache, which go stale whenever another worker commits.
        var running = Enumerable.Range(0, workers)
            .Select(i => WorkAsync(i == 0 ? Processor : _newProcessor(), stop.Token))
            .Append(PumpLoopAsync(stop.Token))
            .ToList();
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        try
        {
            while (true)
            {
                if (await done() && (!drain || await QueuesEmptyAsync()))
                {
                    return;
                }

                Assert.True(
                    DateTime.UtcNow < deadline,
                    $"The runtime did not reach the expected state in time ({Outcomes.Count} messages processed: " +
                    string.Join(", ", Outcomes.GroupBy(o => o.Outcome).Select(g => $"{g.Key} {g.Count()}")) + $"; {Failures} failures; {Pumped} pumped).");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
        }
    }

    public async Task<bool> QueuesEmptyAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var queue in _hostEvents.Append(_hostOutbox))
        {
            if ((await queue.GetPropertiesAsync(ct)).Value.ApproximateMessagesCount > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The pump is a timer function in the app (every 5 s); here it runs every 200 ms of real time.</summary>
    private async Task PumpLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Interlocked.Add(ref _pumped, await Pump.PumpAsync(stop));
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One poller per queue per worker, backing off while its queue is empty (as the app's dispatcher does).</summary>
    private Task WorkAsync(InstanceProcessor processor, CancellationToken stop) =>
        Task.WhenAll(_hostEvents
            .Select(queue => PollAsync(queue, async text => Outcomes.Enqueue((await processor.ProcessAsync(text, CancellationToken.None), Time.GetUtcNow())), stop))
            .Append(PollAsync(_hostOutbox, text => Dispatcher.DispatchAsync(text, CancellationToken.None), stop)));

    private async Task PollAsync(QueueClient queue, Func<string, Task> handle, CancellationToken stop)
    {
        var idle = 10;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (await DrainOnceAsync(queue, handle))
                {
                    idle = 10;
                    continue;
                }

                await Task.Delay(idle, stop);
                idle = Math.Min(idle * 2, 200);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<bool> DrainOnceAsync(QueueClient queue, Func<string, Task> handle)
    {
        var messages = (await queue.ReceiveMessagesAsync(16, TimeSpan.FromSeconds(30))).Value;
        await Task.WhenAll(messages.Select(async m =>
        {
            try
            {
                await handle(m.Body.ToString());
                if (LoseDelete?.Invoke() == true)
                {
                    await queue.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                    return;
                }

                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
            }
            catch (Exception)
            {
                // A crash: the host would retry the message; make it visible again at once.
                Interlocked.Increment(ref _failures);
                await queue.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }
        }));
        return messages.Length > 0;
    }

    /// <summary>The sample handler's applied list for an instance.</summary>
    public async Task<IReadOnlyList<string>> AppliedAsync(string instanceId) =>
        SampleHandler.Applied((await ReadAsync(instanceId))?.State);

    /// <summary>Effects the sink recorded for an instance.</summary>
    public async Task<List<string>> EffectsAsync(string instanceId)
    {
        var rows = new List<string>();
        await foreach (var row in _hostStorage.Effects.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == instanceId))
        {
            rows.Add(row.GetString("Payload") ?? "");
        }

        return rows;
    }

    public async Task<RuntimeStatus?> StatusAsync(string instanceId) =>
        (await ReadAsync(instanceId))?.Status;
}
