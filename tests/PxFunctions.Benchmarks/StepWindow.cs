namespace PxFunctions.Benchmarks;

/// <summary>What one measured window saw: steps, the app's storage requests, lateness and peak memory.</summary>
internal sealed record StepWindow(
    IReadOnlyList<StepSample> Samples,
    double Seconds,
    long TableTx,
    long QueueTx,
    long BlobTx,
    double PeakRssMb)
{
    public int Steps => Samples.Count;

    public double StepsPerSecond => Steps / Seconds;

    public double? TxPerStep => PerStep(TableTx + QueueTx + BlobTx);

    /// <summary>Blob requests (none expected) are counted with the table's.</summary>
    public double? TableTxPerStep => PerStep(TableTx + BlobTx);

    public double? QueueTxPerStep => PerStep(QueueTx);

    /// <summary>When the transition was applied minus when the timer was due.</summary>
    public Percentiles? Lateness => Percentiles.Of(Samples.Select(s => s.Applied - s.Due));

    /// <summary>When the send reached the sink minus when the timer was due.</summary>
    public Percentiles? DispatchLateness => Percentiles.Of(Samples.Select(s => s.Dispatched - s.Due));

    private double? PerStep(long requests) => Steps == 0 ? null : (double)requests / Steps;
}
