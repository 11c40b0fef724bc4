using PxFunctions.Benchmarks;

// dotnet run -c Release --project tests/PxFunctions.Benchmarks -- intake [webhooks] [concurrency]
// One command per benchmark; each prints progress lines and then exactly one JSON line, last.
// The old runtime's `-- runtime` benchmark went with the runtime; issue 12 brings `-- journeys` on Durable Functions.
if (args is ["intake", .. var intakeArgs])
{
    var count = intakeArgs.Length > 0 && int.TryParse(intakeArgs[0], out var n) && n > 0 ? n : 5_000;
    var senders = intakeArgs.Length > 1 && int.TryParse(intakeArgs[1], out var c) && c > 0 ? c : 16;
    Console.WriteLine((await IntakeBenchmark.RunAsync(count, senders, CancellationToken.None)).ToJsonString());
    return 0;
}

Console.Error.WriteLine("usage: PxFunctions.Benchmarks intake [webhooks] [concurrency]");
return 2;
