using System.Globalization;

namespace PxFunctions.Benchmarks;

/// <summary>
/// This process's resident memory from <c>/proc/self/status</c>. The peak (VmHWM) is reset at the start of a window
/// by writing 5 to <c>/proc/self/clear_refs</c>, so a window's peak excludes what seeding touched earlier; where the
/// reset is refused, the peak is the highest of the samples taken during the window.
/// </summary>
internal sealed class ProcessMemory
{
    private long _sampledPeakKb;
    private bool _resetWorked;

    public static double CurrentMb => Read("VmRSS:") / 1024.0;

    /// <summary>Starts a window: resets the kernel's peak if it may, and the sampled peak.</summary>
    public void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            _resetWorked = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _resetWorked = false;
        }

        Interlocked.Exchange(ref _sampledPeakKb, Read("VmRSS:"));
    }

    /// <summary>Called during the window (every progress tick) so the peak is known even without the kernel's.</summary>
    public void Sample()
    {
        var now = Read("VmRSS:");
        long seen;
        do
        {
            seen = Interlocked.Read(ref _sampledPeakKb);
            if (now <= seen)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _sampledPeakKb, now, seen) != seen);
    }

    /// <summary>The window's peak resident set, in MiB.</summary>
    public double PeakMb
    {
        get
        {
            Sample();
            var sampled = Interlocked.Read(ref _sampledPeakKb);
            return (_resetWorked ? Math.Max(Read("VmHWM:"), sampled) : sampled) / 1024.0;
        }
    }

    private static long Read(string field)
    {
        if (!File.Exists("/proc/self/status"))
        {
            return Environment.WorkingSet / 1024;
        }

        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
