using PxFunctions.Storage;

namespace PxFunctions.Benchmarks;

/// <summary>
/// The benchmark's storage: two fresh Azurites on loopback, tables (and blobs) from one kept in memory, queues from
/// one kept in a temporary folder, joined in one connection string. Both stop, and the folder goes, on dispose.
/// </summary>
/// <remarks>
/// Why not one in-memory Azurite: its in-memory queue store keeps every message in an extent of its own, and once a
/// minute a sweep removes the extents of deleted messages one by one from an indexed LokiJS collection, each
/// removal linear in the collection's size. After a minute of ~100 steps/s (about 12,000 queue messages) that sweep
/// held the emulator's only thread for 150 s (measured here), so every figure after the first minute was the
/// sweep's. On disk, messages share extent files and the sweep has a handful to look at. Tables stay in memory: on
/// disk, Azurite re-saves its whole table database every 5 s, which with 100,000 instances is the save's cost, not
/// the runtime's. The bare-capacity figures are measured against these same two emulators.
/// </remarks>
internal sealed class BenchmarkStorage : IAsyncDisposable
{
    private readonly EmbeddedAzurite _tables;
    private readonly EmbeddedAzurite _queues;
    private readonly DirectoryInfo _queueData;

    private BenchmarkStorage(EmbeddedAzurite tables, EmbeddedAzurite queues, DirectoryInfo queueData)
    {
        _tables = tables;
        _queues = queues;
        _queueData = queueData;
        ConnectionString = string.Join(';', Settings(tables.ConnectionString)
            .Select(s => s.Key == "QueueEndpoint" ? new KeyValuePair<string, string>(s.Key, Settings(queues.ConnectionString)[s.Key]) : s)
            .Select(s => $"{s.Key}={s.Value}")) + ";";
    }

    public string ConnectionString { get; }

    public static async Task<BenchmarkStorage> StartAsync(CancellationToken cancellationToken)
    {
        // The emulators inherit this: a larger young generation lets node collect the table emulator's short-lived
        // objects less often while it holds 200,000 entities (measured: p99 timer lateness 2.83 s -> 2.42 s with
        // 100,000 waiting instances; no change at 300). A tuning of the emulator, applied to its bare figures too.
        if (Environment.GetEnvironmentVariable("NODE_OPTIONS") is null)
        {
            Environment.SetEnvironmentVariable("NODE_OPTIONS", "--max-semi-space-size=64");
        }

        // One connection string joins the two emulators, so both take the same account: a key made for this run.
        if (Environment.GetEnvironmentVariable(EmbeddedAzurite.AccountsVariable) is not { Length: > 0 })
        {
            Environment.SetEnvironmentVariable(
                EmbeddedAzurite.AccountsVariable,
                "devstoreaccount1:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)));
        }

        var queueData = Directory.CreateTempSubdirectory("px-benchmark-queues-");
        EmbeddedAzurite? tables = null;
        try
        {
            tables = await EmbeddedAzurite.StartAsync(dataPath: null, line => Progress.Write("tables: " + line), cancellationToken);
            var queues = await EmbeddedAzurite.StartAsync(queueData.FullName, line => Progress.Write("queues: " + line), cancellationToken);
            return new BenchmarkStorage(tables, queues, queueData);
        }
        catch
        {
            if (tables is not null)
            {
                await tables.DisposeAsync();
            }

            queueData.Delete(recursive: true);
            throw;
        }
    }

    private static Dictionary<string, string> Settings(string connectionString) =>
        connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _queues.DisposeAsync();
        await _tables.DisposeAsync();
        try
        {
            _queueData.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the emulator as it exits; the temporary folder is the system's to clear.
        }
    }
}
