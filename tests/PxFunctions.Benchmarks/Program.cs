using PxFunctions.Benchmarks;

// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- runtime [options]
// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- intake [webhooks] [concurrency]
// One command per benchmark; each prints progress lines and then exactly one JSON line, last.
if (args is ["intake", .. var intakeArgs])
{
    var count = intakeArgs.Length > 0 && int.TryParse(intakeArgs[0], out var n) && n > 0 ? n : 5_000;
    var senders = intakeArgs.Length > 1 && int.TryParse(intakeArgs[1], out var c) && c > 0 ? c : 16;
    Console.WriteLine((await IntakeBenchmark.RunAsync(count, senders, CancellationToken.None)).ToJsonString());
    return 0;
}

if (args is not ["runtime", .. var rest])
{
    Console.Error.WriteLine("usage: PxFunctions.Benchmarks runtime [options] (runtime --help lists them) | intake [webhooks] [concurrency]");
    return 2;
}

RuntimeBenchmarkOptions options;
try
{
    options = RuntimeBenchmarkOptions.Parse(rest);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(RuntimeBenchmarkOptions.Usage);
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(RuntimeBenchmarkOptions.Usage);
    return 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var report = await RuntimeBenchmark.RunAsync(options, stop.Token);
Console.WriteLine(report.ToJson());
return 0;
