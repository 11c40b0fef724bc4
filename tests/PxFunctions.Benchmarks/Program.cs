using PxFunctions.Benchmarks;

// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- journeys [waiting] [steppers] [seconds] [interval-seconds] [partitions] [extended|plain] [processes]
// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- lifetime [queue-usd-per-10k] [table-usd-per-10k]
// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- intake [webhooks] [concurrency]
// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- queue-scan [hidden-messages ...]
// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- soak [orders] [seconds] [seed]
// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- metrics [journeys] [messages] [requests]
// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- replies [corpus.jsonl] [misses]
// One command per benchmark; each prints progress lines and then exactly one JSON line, last.
if (args is ["journeys", .. var journeyArgs])
{
    Console.WriteLine((await JourneysBenchmark.RunAsync(JourneysBenchmarkOptions.Parse(journeyArgs), CancellationToken.None)).ToJsonString());
    return 0;
}

if (args is ["lifetime", .. var lifetimeArgs])
{
    Console.WriteLine((await LifetimeBenchmark.RunAsync(lifetimeArgs, CancellationToken.None)).ToJsonString());
    return 0;
}

if (args is ["intake", .. var intakeArgs])
{
    var count = intakeArgs.Length > 0 && int.TryParse(intakeArgs[0], out var n) && n > 0 ? n : 5_000;
    var senders = intakeArgs.Length > 1 && int.TryParse(intakeArgs[1], out var c) && c > 0 ? c : 16;
    Console.WriteLine((await IntakeBenchmark.RunAsync(count, senders, CancellationToken.None)).ToJsonString());
    return 0;
}

if (args is ["queue-scan", .. var scanArgs])
{
    Console.WriteLine((await QueueScanBenchmark.RunAsync(scanArgs, CancellationToken.None)).ToJsonString());
    return 0;
}

if (args is ["metrics", .. var metricsArgs])
{
    Console.WriteLine((await MetricsBenchmark.RunAsync(metricsArgs, CancellationToken.None)).ToJsonString());
    return 0;
}

if (args is ["replies", .. var repliesArgs])
{
    Console.WriteLine(RepliesBenchmark.Run(repliesArgs).ToJsonString());
    return 0;
}

if (args is ["soak", .. var soakArgs])
{
    var soak = await PxFunctions.Harness.Soak.SoakRun.RunAsync(PxFunctions.Harness.Soak.SoakOptions.Parse(soakArgs), Progress.Write, CancellationToken.None);
    Console.WriteLine(soak.ToJsonString());
    return 0;
}

Console.Error.WriteLine("usage: PxFunctions.Benchmarks journeys [waiting] [steppers] [seconds] [interval-seconds] [partitions] [extended|plain] [processes] | lifetime [queue-usd-per-10k] [table-usd-per-10k] | intake [webhooks] [concurrency] | queue-scan [hidden-messages ...] | soak [orders] [seconds] [seed] | metrics [journeys] [messages] [requests] | replies [corpus.jsonl] [misses]");
return 2;
