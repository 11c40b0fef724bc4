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

    public override DateTimeOffset GetUtcNow()
    {
        lock (_elapsed)
        {
            return start + TimeSpan.FromTicks((long)(_elapsed.Elapsed.Ticks * Speedup));
        }
    }

    /// <summary>Stops the clock, so a test's setup takes no clock time however slow the machine is.</summary>
    public void Pause()
    {
        lock (_elapsed)
        {
            _elapsed.Stop();
        }
    }

    public void Resume()
    {
        lock (_elapsed)
        {
            _elapsed.Start();
        }
    }

    /// <summary>A delay on this clock as a real queue visibility timeout, in whole seconds (never early).</summary>
    public TimeSpan Visibility(TimeSpan delay) =>
        TimeSpan.FromSeconds(Math.Ceiling(Math.Max(0, delay.TotalSeconds / Speedup)));
}
