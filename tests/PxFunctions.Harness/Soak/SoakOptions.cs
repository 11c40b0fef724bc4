using System.Globalization;

namespace PxFunctions.Harness.Soak;

/// <summary>
/// What the fault soak does (<c>-- soak [orders] [seconds] [seed]</c>): <see cref="Orders"/> customers order and get
/// their delivery over the first two thirds of a <see cref="Seconds"/>-long window in which faults are injected;
/// then the run drains (no more faults) until every message that may go has gone, or <see cref="DrainSeconds"/>.
/// </summary>
public sealed record SoakOptions
{
    public int Orders { get; init; } = 40;

    public int Seconds { get; init; } = 90;

    public int Seed { get; init; } = Environment.TickCount;

    /// <summary>Time between app kills (SIGKILL, restarted at once), drawn between these bounds.</summary>
    public (double Min, double Max) KillEverySeconds { get; init; } = (10, 25);

    /// <summary>Graceful Azurite restarts in the window (at evenly spread moments, each down for 1-3 s).</summary>
    public int AzuriteRestarts { get; init; } = 2;

    /// <summary>ACS stalls in the window: every request hangs for <see cref="StallSeconds"/>.</summary>
    public int AcsStalls { get; init; } = 1;

    public int StallSeconds { get; init; } = 8;

    /// <summary>Shares of ACS requests answered 429 (Retry-After: 1) and 500/503.</summary>
    public double Throttled { get; init; } = 0.10;

    public double Failed { get; init; } = 0.05;

    /// <summary>Shares of customers: who answer the question, who text STOP after the welcome.</summary>
    public double Repliers { get; init; } = 0.5;

    public double Stoppers { get; init; } = 0.2;

    /// <summary>Shares of webhooks sent twice (the same webhook id) and of deliveries sent before their order.</summary>
    public double Duplicates { get; init; } = 0.3;

    public double Reordered { get; init; } = 0.3;

    public int DrainSeconds { get; init; } = 240;

    public static SoakOptions Parse(IReadOnlyList<string> args)
    {
        int At(int i, int fallback) => args.Count > i && int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
        var defaults = new SoakOptions();
        return defaults with { Orders = At(0, defaults.Orders), Seconds = At(1, defaults.Seconds), Seed = At(2, defaults.Seed) };
    }
}
