using PxFunctions.Hosting;

// Started by the Azure Functions host: the isolated worker and its [Function]s. Otherwise the standalone host
// (README's run command): the same HTTP handlers, queue functions and orchestration, on the Durable Task Framework.
return FunctionsHost.IsLaunchedByHost(args)
    ? await FunctionsHost.RunAsync(args)
    : await PxCommandLine.RunAsync(args);
