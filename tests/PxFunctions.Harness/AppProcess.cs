using System.Diagnostics;
using System.Text;

namespace PxFunctions.Harness;

/// <summary>The built app (the executable the deploy package ships) run as a separate process.</summary>
public sealed class AppProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    private AppProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private static string Executable => Path.Combine(AppContext.BaseDirectory, "PxFunctions");

    /// <summary>Starts the app with exactly the given settings (none inherited that could point at storage).</summary>
    public static AppProcess Start(IEnumerable<string> args, IDictionary<string, string?> environment, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Px__", StringComparison.Ordinal) || k.StartsWith("Functions__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return new AppProcess(Process.Start(info) ?? throw new InvalidOperationException("The app did not start."));
    }

    public static async Task<(int ExitCode, string Output)> RunToEndAsync(IEnumerable<string> args, IDictionary<string, string?> environment, TimeSpan timeout)
    {
        using var app = Start(args, environment);
        using var cts = new CancellationTokenSource(timeout);
        await app.Process.WaitForExitAsync(cts.Token);
        app.Process.WaitForExit();
        return (app.Process.ExitCode, app.Output);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>SIGKILL: no shutdown code of the app runs.</summary>
    public void Kill()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: false);
            Process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit(10_000);
        }

        Process.Dispose();
    }
}
