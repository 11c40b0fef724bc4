using PxFunctions.Configuration;

namespace PxFunctions.Hosting;

/// <summary>The standalone app's command line: run the server (default), simulate a journey, or run the demo store.</summary>
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

            if (args is ["demo", .. var rest])
            {
                // Development (the dashboard is open without an admin key), the dev outbox even where ACS is configured.
                await using var demo = await PxApp.BuildAsync(["--environment", "Development", .. rest], builder =>
                {
                    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                    {
                        [SettingNames.Key(SettingNames.AcsConnectionString)] = "",
                        [SettingNames.Key(SettingNames.AcsEndpoint)] = "",
                    });
                    builder.Services.AddHostedService<Demo.DemoStore>();
                });
                await demo.RunAsync();
                return 0;
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
