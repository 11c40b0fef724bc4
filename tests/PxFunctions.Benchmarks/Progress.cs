using System.Diagnostics;
using System.Globalization;

namespace PxFunctions.Benchmarks;

/// <summary>Progress lines on standard output, stamped with the time since the benchmark started.</summary>
internal static class Progress
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static TimeSpan Elapsed => Clock.Elapsed;

    public static void Write(string line) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Clock.Elapsed.TotalSeconds,7:F1}s] {line}"));
}
