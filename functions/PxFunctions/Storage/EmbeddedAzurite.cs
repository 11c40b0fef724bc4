using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PxFunctions.Storage;

/// <summary>
/// Starts the Azurite emulator pinned in the repo's <c>package.json</c> on free loopback ports and stops it
/// with its owner. Used by the standalone host when no storage is configured, and by the test fixture.
/// </summary>
/// <remarks>
/// Azurite runs under a small guard script that stops it when this process's end of its stdin pipe closes, which
/// the kernel does even when this process is killed with SIGKILL, so no emulator outlives its owner. It stops
/// gracefully, as on SIGTERM, because Azurite saves its LokiJS databases only every 5 s and on a graceful stop:
/// killed at once it would lose writes it had already acknowledged. <see cref="DisposeAsync"/> stops it the same way.
/// </remarks>
public sealed class EmbeddedAzurite : IAsyncDisposable
{
    // The emulator's account name; its key is made for each start (Azurite reads accounts from AZURITE_ACCOUNTS), so no
    // key is written anywhere and an Azurite left running accepts nobody else's requests.
    private const string DevAccount = "devstoreaccount1";

    /// <summary>Azurite's variable for its accounts (<c>name:base64key</c>); set by the caller, it is used as given.</summary>
    public const string AccountsVariable = "AZURITE_ACCOUNTS";

    // How long Azurite may take to close its servers and save its databases before it is ended anyway.
    private const int StopGraceSeconds = 15;

    // Loaded into Azurite's node process with --require, before Azurite's own main (process.argv[1]) runs.
    private const string GuardScript = """
        // Stops this Azurite gracefully when the process that started it is gone: that process's end of our stdin
        // closes when it exits, even on SIGKILL (and a re-parented process sees a new ppid). Gracefully, because
        // Azurite keeps its data in LokiJS and autosaves only every 5 s: its SIGINT/SIGTERM handler closes its
        // servers, and a server's close() resolves once its databases are closed, which saves what is unsaved.
        'use strict';
        const path = require('path');
        const parent = process.ppid;
        const graceMs = __GRACE_MS__;
        let stopping = false;
        let gone = false;

        // Our owner read stdout and stderr; once it is gone a write there (Azurite logs while closing) fails with
        // EPIPE, which must not end the process before it has saved.
        process.stdout.on('error', () => {});
        process.stderr.on('error', () => {});

        // Once every server Azurite started has closed, its data is on disk: end now rather than when its event
        // loop drains, which an owner that is stopping but still holds a keep-alive connection delays by seconds.
        const running = new Set();
        try {
          const base = require(path.join(path.dirname(process.argv[1]), 'common', 'ServerBase.js')).default;
          const { start, close } = base.prototype;
          base.prototype.start = async function (...args) {
            await start.apply(this, args);
            running.add(this);
          };
          base.prototype.close = async function (...args) {
            await close.apply(this, args);
            running.delete(this);
            if (stopping && running.size === 0) setImmediate(() => process.exit(0));
          };
        } catch {
          // Not the Azurite layout this was written for: its event loop drains, or the bound below ends it.
        }

        // Listeners run in the order added: Azurite's own (added once it listens) runs after this one.
        const azuriteHandles = (signal) => process.listenerCount(signal) > 1;
        const onSignal = (signal) => {
          if (!azuriteHandles(signal)) {
            process.exit(0); // still starting, or a second signal: end as if this listener were not here
          }
          if (!stopping) {
            stopping = true;
            setTimeout(() => process.exit(0), graceMs).unref(); // bounded: a stalled close does not keep it alive
          }
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);

        // Our owner is gone, or is stopping and closed our stdin: stop as on SIGTERM.
        const ownerGone = () => {
          if (gone) return;
          gone = true;
          const giveUp = Date.now() + graceMs;
          const stop = () => {
            if (stopping) return;
            if (azuriteHandles('SIGTERM')) process.emit('SIGTERM', 'SIGTERM');
            else if (Date.now() > giveUp) process.exit(0);
            else setTimeout(stop, 100); // still starting: it handles signals once it listens
          };
          stop();
        };
        process.stdin.on('end', ownerGone);
        process.stdin.on('error', ownerGone);
        process.stdin.resume();
        setInterval(() => { if (process.ppid !== parent) ownerGone(); }, 1000).unref();
        """;

    private readonly Process _process;

    private readonly string _account;
    private readonly string _key;

    private EmbeddedAzurite(Process process, (string Account, string Key) credentials, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        (_account, _key) = credentials;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }
    public int ProcessId => _process.Id;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={_account};AccountKey={_key};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{_account};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{_account};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{_account};";

    /// <summary>The account given in <see cref="AccountsVariable"/> (its first), else the emulator's name with a new random key.</summary>
    private static (string Account, string Key) Credentials()
    {
        if (Environment.GetEnvironmentVariable(AccountsVariable) is { Length: > 0 } given
            && given.Split(';', StringSplitOptions.RemoveEmptyEntries)[0].Split(':') is [var account, var key, ..])
        {
            return (account, key);
        }

        return (DevAccount, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)));
    }

    /// <summary>
    /// Starts Azurite, installing the pinned package with <c>npm ci</c> first when it is missing.
    /// </summary>
    /// <param name="dataPath">Folder for Azurite's data; null keeps everything in memory (tests).</param>
    /// <param name="log">Receives progress lines (install, ports).</param>
    /// <param name="cancellationToken">Stops waiting for the install or the ports.</param>
    /// <param name="ports">Ports to listen on (an emulator started again where clients already point), else free ones.</param>
    public static async Task<EmbeddedAzurite> StartAsync(string? dataPath, Action<string> log, CancellationToken cancellationToken, (int Blob, int Queue, int Table)? ports = null)
    {
        var root = FindPackageRoot()
            ?? throw new InvalidOperationException(
                "No storage is configured (AzureWebJobsStorage) and the repo's package.json, which pins Azurite, was not found " +
                "above the current folder. Set AzureWebJobsStorage or run from the repo.");
        var entry = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        var work = Directory.CreateDirectory(Path.Combine(root, ".px")).FullName;
        var guard = Path.Combine(work, "azurite-guard.cjs");

        // Several processes (parallel test assemblies, the app) may start at once: one installs, the others wait.
        await using (await AcquireLockAsync(Path.Combine(work, "azurite.lock"), cancellationToken))
        {
            if (!File.Exists(entry))
            {
                log($"Installing the pinned Azurite with npm ci in {root} ...");
                await RunToEndAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], root, cancellationToken);
                if (!File.Exists(entry))
                {
                    throw new InvalidOperationException($"npm ci finished but {entry} is still missing.");
                }
            }

            var script = GuardScript.Replace("__GRACE_MS__", Invariant(StopGraceSeconds * 1000), StringComparison.Ordinal);
            if (!File.Exists(guard) || await File.ReadAllTextAsync(guard, cancellationToken) != script)
            {
                await File.WriteAllTextAsync(guard, script, cancellationToken);
            }
        }

        // Ports are chosen free but could be taken before Azurite binds them; try again with new ones.
        for (var attempt = 1; ; attempt++)
        {
            var (blob, queue, table) = ports ?? (FreePort(), FreePort(), FreePort());
            var credentials = Credentials();
            var process = StartProcess(entry, guard, dataPath, credentials, blob, queue, table);
            var azurite = new EmbeddedAzurite(process, credentials, blob, queue, table);
            try
            {
                await azurite.WaitUntilListeningAsync(TimeSpan.FromSeconds(60), cancellationToken);
                log($"Azurite {process.Id} listening on 127.0.0.1: blob {blob}, queue {queue}, table {table}.");
                return azurite;
            }
            catch (Exception) when (attempt < 3 && !cancellationToken.IsCancellationRequested)
            {
                await azurite.DisposeAsync();
            }
            catch
            {
                await azurite.DisposeAsync();
                throw;
            }
        }
    }

    private static Process StartProcess(string entry, string guard, string? dataPath, (string Account, string Key) credentials, int blob, int queue, int table)
    {
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment[AccountsVariable] = $"{credentials.Account}:{credentials.Key}";
        foreach (var arg in new[] { "--require", guard, entry,
                     "--blobHost", "127.0.0.1", "--blobPort", Port(blob),
                     "--queueHost", "127.0.0.1", "--queuePort", Port(queue),
                     "--tableHost", "127.0.0.1", "--tablePort", Port(table),
                     "--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry", "--silent" })
        {
            info.ArgumentList.Add(arg);
        }

        if (dataPath is null)
        {
            info.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(dataPath);
            info.ArgumentList.Add("--location");
            info.ArgumentList.Add(dataPath);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("node could not be started; is Node.js installed?");
        // Drain output so a chatty emulator never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string Port(int port) => Invariant(port);

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before listening.");
                }

                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, cancellationToken);
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The nearest folder at or above the working directory (or the app's own) with a package.json naming azurite.</summary>
    public static string? FindPackageRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var manifest = Path.Combine(dir.FullName, "package.json");
                if (File.Exists(manifest) && File.ReadAllText(manifest).Contains("\"azurite\"", StringComparison.Ordinal))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, cancellationToken);
            }
        }
    }

    private static async Task RunToEndAsync(string file, string[] args, string workingDirectory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} could not be started.");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with exit code {process.ExitCode}: {await stderr}");
        }
    }

    /// <summary>
    /// Stops Azurite the way the guard does when this process dies: closing its stdin makes it close its servers and
    /// save its databases. Waits for that (bounded), and kills it only if it has not exited by then.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    _process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // It is exiting already: its end of the pipe is closed.
                }

                try
                {
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(StopGraceSeconds + 5));
                }
                catch (TimeoutException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }
}
