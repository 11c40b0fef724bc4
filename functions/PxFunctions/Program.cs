using PxFunctions.Hosting;

// The same server is the Azure Functions custom handler (FUNCTIONS_CUSTOMHANDLER_PORT set by the host)
// and the standalone host used locally and in containers. `manifest <dir>` writes the deploy package's
// host.json and function.json files from the functions this app registers.
return await PxCommandLine.RunAsync(args);
