using PxFunctions.Configuration;
using PxFunctions.Triggers;

namespace PxFunctions.Hosting;

/// <summary>The app's command line: run the server (default), write the deploy manifest, or simulate a journey.</summary>
public static class PxCommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            if (args is ["manifest", var directory, .. var rest])
            {
                await using var manifestApp = await PxApp.BuildAsync(rest, forManifest: true);
                var manifest = FunctionManifest.For(manifestApp);
                await manifest.WriteAsync(directory, CancellationToken.None);
                Console.WriteLine($"Wrote host.json and {manifest.Functions().Count} function folders to {Path.GetFullPath(directory)}.");
                return 0;
            }

            if (args is ["simulate", .. var simulation])
            {
                return await Journeys.SimulateCommand.RunAsync(simulation, Console.Out, Console.Error);
            }

            await using var app = await PxApp.BuildAsync(args);
            await app.RunAsync();
            return 0;
        }
        catch (InvalidSettingException ex)
        {
            await Console.Error.WriteLineAsync($"PX Functions cannot start: {ex.Message}");
            return 2;
        }
    }
}
