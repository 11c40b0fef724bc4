using System.Diagnostics;

namespace PxFunctions.Tests.Runtime;

/// <summary>
/// A clock that runs <see cref="Speedup"/> times faster than real time from a fixed start, so a year-long journey
/// runs in seconds against a real queue whose visibility timeouts are real: the runtime's timer visibility is
/// divided by the same factor (<see cref="Visibility"/>).
/// </summary>
public sealed class CompressedClock(DateTimeOffset start, double speedup) : TimeProvider
{
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();

    public double Speedup { get; } = speedup;

    public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks((long)(_elapsed.Elapsed.Ticks * Speedup));

    /// <summary>A delay on this clock as a real queue visibility timeout, in whole seconds (never early).</summary>
    public TimeSpan Visibility(TimeSpan delay) =>
        TimeSpan.FromSeconds(Math.Ceiling(Math.Max(0, delay.TotalSeconds / Speedup)));
}
