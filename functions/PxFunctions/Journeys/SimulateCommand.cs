using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Configuration;
using PxFunctions.Journeys.Simulation;

namespace PxFunctions.Journeys;

/// <summary>
/// <c>PxFunctions simulate journey.yaml sample.json [--replies replies.json] [--events events.json] [--start ISO]
/// [--horizon P400D] [--json]</c>: the timeline a customer would get, without storage or sending anything. The files
/// hold what the admin API's simulate request holds (<c>replies</c> and <c>events</c> as lists). It runs the admin
/// API's <see cref="JourneySimulation"/>, built from the app's settings: the same brand, links, quiet hours and cap.
/// </summary>
public static class SimulateCommand
{
    public const string Usage = "usage: PxFunctions simulate <journey.yaml|json> <sample.json> [--replies file] [--events file] [--start ISO-8601] [--horizon P400D] [--json]";

    /// <summary>A path as given, or else relative to the repo root (<c>dotnet run</c> starts in the project's folder).</summary>
    private static string Resolve(string path)
    {
        if (File.Exists(path) || Path.IsPathRooted(path) || Storage.EmbeddedAzurite.FindPackageRoot() is not { } root)
        {
            return path;
        }

        var fromRoot = Path.Combine(root, path);
        return File.Exists(fromRoot) ? fromRoot : path;
    }

    /// <param name="configuration">The app's configuration (<see cref="Hosting.PxApp.ReadConfiguration"/>): brand, quiet hours, cap.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        if (args.Count < 2)
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        JsonObject request;
        var json = false;
        try
        {
            request = new JsonObject
            {
                ["definition"] = await File.ReadAllTextAsync(Resolve(args[0])),
                ["sample"] = JsonNode.Parse(await File.ReadAllTextAsync(Resolve(args[1]))),
            };
            for (var i = 2; i < args.Count; i++)
            {
                switch (args[i])
                {
                    case "--json":
                        json = true;
                        break;
                    case "--replies" or "--events" when i + 1 < args.Count:
                        request[args[i][2..]] = JsonNode.Parse(await File.ReadAllTextAsync(Resolve(args[++i])));
                        break;
                    case "--start" or "--horizon" when i + 1 < args.Count:
                        request[args[i][2..]] = args[++i];
                        break;
                    default:
                        await error.WriteLineAsync($"Unknown option '{args[i]}'. {Usage}");
                        return 2;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            await error.WriteLineAsync($"Cannot read the simulation's files: {ex.Message}");
            return 2;
        }

        var parsed = SimulationRequest.Read(request, DateTimeOffset.UtcNow);
        if (parsed.Errors.Count > 0 || parsed.Definition is null)
        {
            foreach (var e in parsed.Errors)
            {
                await error.WriteLineAsync($"{e.Path}: {e.Message}");
            }

            return 1;
        }

        JourneySimulation simulation;
        try
        {
            simulation = JourneySimulation.From(ChannelSettings.Read(name => configuration[SettingNames.Key(name)] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null, underFunctionsHost: false));
        }
        catch (InvalidSettingException ex)
        {
            await error.WriteLineAsync($"Cannot simulate with these settings: {ex.Message}");
            return 2;
        }

        var result = await simulation.RunAsync(parsed.Definition, 1, parsed, CancellationToken.None);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(result, JourneysApi.Json));
            return 0;
        }

        await output.WriteLineAsync($"{result.JourneyId}: {result.Timeline.Count} entries from {result.Start:u}; {result.Status}{(result.Outcome is null ? "" : $" ({result.Outcome})")}");
        foreach (var e in result.Timeline)
        {
            var what = e.Kind switch
            {
                "message" => $"{e.Channel,-5} {e.Class,-9} {e.Step}: {Status(e)}{(e.Subject is null ? "" : $"[{e.Subject}] ")}{e.Text}",
                "reply" => $"{e.Channel,-5} customer  replies: {e.Text}",
                _ => $"{e.Kind,-15} {e.Step} {e.Detail}",
            };
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{e.At.UtcDateTime:yyyy-MM-dd HH:mm}Z  {e.Offset,-12} {e.Stage,-20} {what}"));
        }

        return 0;
    }

    /// <summary>Nothing for a message that went when asked; otherwise when it was asked for and why it went later, elsewhere, or not at all.</summary>
    private static string Status(TimelineEntry e) => (e.Status, e.Reason) switch
    {
        (null, _) => "",
        ("sent", null) when e.RequestedAt == e.At => "",
        _ => string.Create(CultureInfo.InvariantCulture, $"({e.Status}{(e.RequestedAt is { } asked && asked != e.At ? $", asked {asked.UtcDateTime:yyyy-MM-dd HH:mm}Z" : "")}{(e.Reason is null ? "" : ": " + e.Reason)}) "),
    };
}
