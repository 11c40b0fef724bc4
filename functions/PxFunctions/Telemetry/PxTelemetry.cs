using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PxFunctions.Telemetry;

/// <summary>The app's own trace source and meter; OpenTelemetry subscribes to both by <see cref="Name"/>.</summary>
public static class PxTelemetry
{
    public const string Name = "PxFunctions";

    public static ActivitySource Source { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    /// <summary>Function invocations by function and outcome (succeeded, failed, poisoned).</summary>
    public static Counter<long> Invocations { get; } = Meter.CreateCounter<long>("px.function.invocations");
}
