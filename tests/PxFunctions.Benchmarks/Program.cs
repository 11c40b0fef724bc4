using PxFunctions.Benchmarks;

// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- runtime [options]
// One command per benchmark; each prints progress lines and then exactly one JSON line, last.
if (args is not ["runtime", .. var rest])
{
    Console.Error.WriteLine("usage: PxFunctions.Benchmarks runtime [options]   (runtime --help lists them)");
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
