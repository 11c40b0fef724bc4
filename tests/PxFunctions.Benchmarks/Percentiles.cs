namespace PxFunctions.Benchmarks;

/// <summary>Nearest-rank percentiles of a set of durations, in milliseconds.</summary>
internal sealed record Percentiles(double P50, double P99, double Max)
{
    public static Percentiles? Of(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Select(v => v.TotalMilliseconds).Order().ToArray();
        return sorted.Length == 0 ? null : new Percentiles(Rank(sorted, 0.50), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
