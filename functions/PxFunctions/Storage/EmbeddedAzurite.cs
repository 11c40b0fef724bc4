using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PxFunctions.Storage;

/// <summary>
/// Starts the Azurite emulator pinned in the repo's <c>package.json</c> on free loopback ports and stops it
/// with its owner. Used by the standalone host when no storage is configured, and by the test fixture.
/// </summary>
/// <remarks>
/// Azurite runs under a small guard script that ends it when this process's end of its stdin pipe closes,
/// which the kernel does even when this process is killed with SIGKILL, so no emulator outlives its owner.
/// </remarks>
public sealed class EmbeddedAzurite : IAsyncDisposable
{
    // Azurite's documented development account and key (public, emulator-only).
    private const string DevAccount = "devstoreaccount1";
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string GuardScript = """
        // Ends this Azurite when the process that started it is gone: its stdin pipe closes on exit, even on SIGKILL.
        const parent = process.ppid;
        process.stdin.on('end', () => process.exit(0));
        process.stdin.on('error', () => process.exit(0));
        process.stdin.resume();
        setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000).unref();
        """;

    private readonly Process _process;

    private EmbeddedAzurite(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }
    public int ProcessId => _process.Id;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{DevAccount};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{DevAccount};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{DevAccount};";

    /// <summary>
    /// Starts Azurite, installing the pinned package with <c>npm ci</c> first when it is missing.
    /// </summary>
    /// <param name="dataPath">Folder for Azurite's data; null keeps everything in memory (tests).</param>
    /// <param name="log">Receives progress lines (install, ports).</param>
    /// <param name="cancellationToken">Stops waiting for the install or the ports.</param>
    public static async Task<EmbeddedAzurite> StartAsync(string? dataPath, Action<string> log, CancellationToken cancellationToken)
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

            if (!File.Exists(guard) || await File.ReadAllTextAsync(guard, cancellationToken) != GuardScript)
            {
                await File.WriteAllTextAsync(guard, GuardScript, cancellationToken);
            }
        }

        // Ports are chosen free but could be taken before Azurite binds them; try again with new ones.
        for (var attempt = 1; ; attempt++)
        {
            var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
            var process = StartProcess(entry, guard, dataPath, blob, queue, table);
            var azurite = new EmbeddedAzurite(process, blob, queue, table);
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

    private static Process StartProcess(string entry, string guard, string? dataPath, int blob, int queue, int table)
    {
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
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

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

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

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
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
