using System.Text.Json;
using System.Text.Json.Serialization;

namespace PxFunctions.Benchmarks;

/// <summary>The benchmark's one JSON line. Rates are per second, times in milliseconds, memory in MiB.</summary>
internal sealed record RuntimeBenchmarkReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string Benchmark { get; init; } = "runtime";

    /// <summary>Where a step is counted: when its send reaches the effect sink (the last of its parts).</summary>
    public string StepCountedAt { get; init; } = "dispatch";

    public double StepsPerS { get; init; }
    public int Steps { get; init; }
    public double Seconds { get; init; }
    public double OfferedStepsPerS { get; init; }
    public double? StorageTxPerStep { get; init; }
    public double? TableTxPerStep { get; init; }
    public double? QueueTxPerStep { get; init; }
    public double? TimerLatenessP50Ms { get; init; }
    public double? TimerLatenessP99Ms { get; init; }
    public double? TimerLatenessMaxMs { get; init; }
    public double? DispatchLatenessP50Ms { get; init; }
    public double? DispatchLatenessP99Ms { get; init; }
    public double RawQueueCyclesPerS { get; init; }
    public double RawTableWritesPerS { get; init; }
    public int RawConcurrency { get; init; }
    public double RawMixedOpsPerS { get; init; }
    public double? CapacityStepsPerS { get; init; }
    public double? Efficiency { get; init; }

    /// <summary>Bare queue cycles/s with as many hidden messages resident as the steppers keep (Azurite slows with depth).</summary>
    public double? RawQueueCyclesAtDepthPerS { get; init; }
    public double? RawMixedOpsAtDepthPerS { get; init; }
    public int? RawDepth { get; init; }

    /// <summary>The most steps/s sustained when far more is offered (the saturation window), and what it cost.</summary>
    public double? SaturatedStepsPerS { get; init; }
    public double? SaturatedOfferedStepsPerS { get; init; }
    public double? SaturatedStorageTxPerStep { get; init; }

    /// <summary>What the bare emulators, at the runtime's queue depth, allow for the saturated step's requests.</summary>
    public double? SaturatedCapacityStepsPerS { get; init; }

    /// <summary><see cref="SaturatedStepsPerS"/> over <see cref="SaturatedCapacityStepsPerS"/> (target ≥ 0.6).</summary>
    public double? SaturatedEfficiency { get; init; }
    public int ActiveInstances { get; init; }
    public int WaitingInstances { get; init; }
    public int StepperInstances { get; init; }
    public int StartedWaitingInstances { get; init; }
    public int SeededWaitingInstances { get; init; }
    public double RssMb { get; init; }
    public double? BaselineRssMb { get; init; }
    public int? BaselineActiveInstances { get; init; }
    public double? BaselineStepsPerS { get; init; }
    public double? BaselineStorageTxPerStep { get; init; }
    public double? BaselineTimerLatenessP99Ms { get; init; }
    public double? BaselineEfficiency { get; init; }
    public int Partitions { get; init; }
    public int BatchSize { get; init; }
    public int IntervalMs { get; init; }
    public int PollMs { get; init; }
    public int MaxPollMs { get; init; }
    public double SeedSeconds { get; init; }
    public double? SeedInstancesPerS { get; init; }
    public double TotalSeconds { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
