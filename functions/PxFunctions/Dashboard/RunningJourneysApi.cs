using System.Text.Json;
using PxFunctions.Http;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Dashboard;

/// <summary>
/// <c>GET /api/admin/running?journey=</c>: how many journeys are running now and at which step, counted from the
/// Durable instance store (each journey's custom status names its journey, version, stage and step: ids only).
/// The dashboard's live counts (overview tile, the map's "here now") come from here, through the admin API rather
/// than the Durable extension's own HTTP API, which in Azure takes the extension's system key.
/// <para>Cost: one instance-table query page per 1,000 running journeys; capped at <see cref="Cap"/> instances, with
/// <c>complete: false</c> when more run.</para>
/// </summary>
public static class RunningJourneysApi
{
    public const int Cap = 100_000;
    private const int PageSize = 1_000;

    public sealed record StepCount(string Journey, int? Version, string? Stage, string? Step, int Count);

    public sealed record Running(int Total, bool Complete, IReadOnlyList<StepCount> At);

    public static IEndpointRouteBuilder MapRunningJourneysApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/admin/running", GetAsync).WithName("GetRunningJourneys").RequireFunctionKey();
        return endpoints;
    }

    private static async Task<IResult> GetAsync(string? journey, IJourneyInstances instances, CancellationToken ct)
    {
        var counts = new Dictionary<(string, int?, string?, string?), int>();
        var total = 0;
        string? token = null;
        do
        {
            var page = await instances.QueryAsync(new InstanceQuery([InstanceStatus.Running], PageSize: PageSize, ContinuationToken: token), ct);
            foreach (var instance in page.Instances)
            {
                var at = Where(instance.CustomStatus);
                if (journey is not null && at.Journey != journey)
                {
                    continue;
                }

                total++;
                counts[at] = counts.GetValueOrDefault(at) + 1;
            }

            token = page.ContinuationToken;
        }
        while (token is not null && total < Cap);

        var rows = counts.Select(c => new StepCount(c.Key.Item1, c.Key.Item2, c.Key.Item3, c.Key.Item4, c.Value))
            .OrderBy(r => r.Journey, StringComparer.Ordinal).ThenBy(r => r.Version).ThenBy(r => r.Step, StringComparer.Ordinal).ToList();
        return Results.Ok(new Running(total, token is null, rows));
    }

    /// <summary>The journey, version, stage and step a journey's custom status names ("?" for a journey that has set none yet).</summary>
    private static (string Journey, int? Version, string? Stage, string? Step) Where(string? customStatus)
    {
        if (string.IsNullOrEmpty(customStatus))
        {
            return ("?", null, null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(customStatus);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ("?", null, null, null);
            }

            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            int? version = root.TryGetProperty("version", out var n) && n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out var i) ? i : null;
            return (Text("journey") ?? "?", version, Text("stage"), Text("step"));
        }
        catch (JsonException)
        {
            return ("?", null, null, null);
        }
    }
}
