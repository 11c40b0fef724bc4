using PxFunctions.Configuration;

namespace PxFunctions.Hosting;

/// <summary>The standalone app's command line: run the server (default), or simulate a journey.</summary>
public static class PxCommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            if (args is ["simulate", .. var simulation])
            {
                return await Journeys.SimulateCommand.RunAsync(simulation, PxApp.ReadConfiguration(), Console.Out, Console.Error);
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
