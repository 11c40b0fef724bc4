using System.Globalization;

namespace PxFunctions.Benchmarks;

/// <summary>The <c>runtime</c> benchmark's flags. Defaults finish in about four minutes on a 2-core machine.</summary>
internal sealed record RuntimeBenchmarkOptions
{
    /// <summary>
    /// Instances that wait on a long timer while the steppers run (the memory question): 100,000. State rows and
    /// start markers have per-instance row keys, which keeps Azurite's row-key lookups flat (seeding ~1,850/s here).
    /// </summary>
    public int Instances { get; init; } = 100_000;

    /// <summary>How many of <see cref="Instances"/> are started through the runtime; the rest are seeded in the same shape.</summary>
    public int Started { get; init; } = 1_000;

    /// <summary>Instances that step (timer, send, next timer) every <see cref="IntervalMs"/>.</summary>
    public int Steppers { get; init; } = 300;

    public int IntervalMs { get; init; } = 2_000;

    /// <summary>Length of the measured window, after the warm-up that follows seeding.</summary>
    public int Seconds { get; init; } = 60;

    public int WarmupSeconds { get; init; } = 15;

    /// <summary>A window before any waiting instance exists, so memory and rate can be compared at N = 0.</summary>
    public int BaselineSeconds { get; init; } = 20;

    /// <summary>
    /// A window in which the same steppers tick every <see cref="SaturationIntervalMs"/>, far more than the runtime can
    /// serve, to measure the most steps/s it sustains (0 to skip).
    /// </summary>
    public int SaturationSeconds { get; init; } = 30;

    public int SaturationIntervalMs { get; init; } = 250;

    /// <summary>Length of each bare-Azurite measurement.</summary>
    public int RawSeconds { get; init; } = 10;

    public int Partitions { get; init; } = 4;

    public int BatchSize { get; init; } = 16;

    public int PollMs { get; init; } = 100;

    public int MaxPollMs { get; init; } = 500;

    public bool ShowHelp { get; init; }

    /// <summary>
    /// Storage requests in flight at most: the instance queues' pollers each hand a batch of this many messages to the
    /// processor at once. The bare-Azurite measurements run with the same number of concurrent workers.
    /// </summary>
    public int Concurrency => Partitions * BatchSize;

    public const string Usage = """
        runtime [--instances N] [--started K] [--steppers M] [--interval-ms I] [--seconds S] [--warmup-seconds W]
                [--baseline-seconds B] [--raw-seconds R] [--partitions P] [--batch-size B] [--poll-ms P] [--max-poll-ms P]

          --instances N        instances waiting on a 30-day timer during the measured window (default 100000)
          --started K          how many of them are started through the runtime; the rest are seeded directly in the
                               exact rows a start leaves behind, checked against a started one (default 1000)
          --steppers M         instances that fire a timer, send one message and schedule the next timer (default 300)
          --interval-ms I      each stepper's timer period (default 2000)
          --seconds S          measured window (default 60)
          --warmup-seconds W   settling time before each window (default 15)
          --baseline-seconds B window before any waiting instance exists, 0 to skip (default 20)
          --saturation-seconds T  window with the steppers ticking every --saturation-interval-ms, to find the most
                               steps/s the runtime sustains, 0 to skip (default 30)
          --saturation-interval-ms I  the steppers' period in that window (default 250)
          --raw-seconds R      length of each bare-Azurite measurement (default 10)
          --partitions P       instance queue partitions, Px__Runtime__Partitions (default 4)
          --batch-size B       messages per receive, Px__Dispatcher__BatchSize (default 16)
          --poll-ms P          dispatcher poll interval, Px__Dispatcher__PollInterval (default 100)
          --max-poll-ms P      dispatcher idle back-off limit, Px__Dispatcher__MaxPollInterval (default 500)
        """;

    public static RuntimeBenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new RuntimeBenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                options = options with { ShowHelp = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            var value = args[++i];
            options = name switch
            {
                "--instances" => options with { Instances = Number(name, value, 0, 10_000_000) },
                "--started" => options with { Started = Number(name, value, 0, 10_000_000) },
                "--steppers" => options with { Steppers = Number(name, value, 1, 100_000) },
                "--interval-ms" => options with { IntervalMs = Number(name, value, 100, 3_600_000) },
                "--seconds" => options with { Seconds = Number(name, value, 1, 86_400) },
                "--warmup-seconds" => options with { WarmupSeconds = Number(name, value, 0, 3_600) },
                "--baseline-seconds" => options with { BaselineSeconds = Number(name, value, 0, 3_600) },
                "--saturation-seconds" => options with { SaturationSeconds = Number(name, value, 0, 3_600) },
                "--saturation-interval-ms" => options with { SaturationIntervalMs = Number(name, value, 10, 60_000) },
                "--raw-seconds" => options with { RawSeconds = Number(name, value, 1, 3_600) },
                "--partitions" => options with { Partitions = Number(name, value, 1, 16) },
                "--batch-size" => options with { BatchSize = Number(name, value, 1, 32) },
                "--poll-ms" => options with { PollMs = Number(name, value, 1, 60_000) },
                "--max-poll-ms" => options with { MaxPollMs = Number(name, value, 1, 60_000) },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }

        if (options.MaxPollMs < options.PollMs)
        {
            throw new ArgumentException("--max-poll-ms must not be less than --poll-ms.");
        }

        return options with { Started = Math.Min(options.Started, options.Instances) };
    }

    private static int Number(string name, string value, int min, int max) =>
        int.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max}; got '{value}'.");
}
