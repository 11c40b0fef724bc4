using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PxFunctions.Channels.Metrics;
using PxFunctions.Http;

namespace PxFunctions.Metrics;

/// <summary>
/// <c>GET /api/admin/metrics?from&amp;to&amp;journey</c>: the PX metrics of a range of UTC days (at most
/// <see cref="MaxDays"/>), all journeys' or one journey's, read from the aggregate rows <see cref="MetricsStore"/>
/// keeps, with the funnel, the outcomes and the answer rate of each question (ask step) from the journeys' rows;
/// <c>GET /api/admin/metrics.csv</c>: the same days, one row each. Bad input is a 400 problem naming the field.
/// </summary>
public static partial class MetricsApi
{
    public const int MaxDays = 400;

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/admin/metrics", GetAsync).WithName("GetMetrics").RequireFunctionKey();
        endpoints.MapGet("/api/admin/metrics.csv", GetCsvAsync).WithName("GetMetricsCsv").RequireFunctionKey();
        return endpoints;
    }

    private static async Task<IResult> GetAsync(HttpRequest request, MetricsStore store, CancellationToken ct)
    {
        if (Parse(request) is not { } query)
        {
            return Invalid(request);
        }

        var days = await store.ReadAsync(query.From, query.To, query.Journey, ct);
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        var series = new JsonArray();
        var funnel = new Dictionary<(string Journey, int Version, string Stage, string Step), long>();
        var outcomes = new Dictionary<(string Journey, string Outcome), long>();
        var questions = new Dictionary<(string Journey, int Version, string Step), (long Asked, long Answered)>();
        foreach (var day in days)
        {
            var counters = Counters(day.Totals);
            foreach (var (name, value) in counters)
            {
                totals[name] = totals.GetValueOrDefault(name) + value;
            }

            series.Add(new JsonObject { ["date"] = Date(day.Day), ["values"] = Values(MetricDefinitions.Compute(counters)) });
            foreach (var (journey, row) in day.Journeys)
            {
                foreach (var (column, value) in row)
                {
                    if (column.StartsWith(MetricColumns.FunnelPrefix, StringComparison.Ordinal) && value is long reached)
                    {
                        var (version, stage, step) = MetricColumns.ParseFunnel(column);
                        funnel[(journey, version, stage, step)] = funnel.GetValueOrDefault((journey, version, stage, step)) + reached;
                    }
                    else if (column.StartsWith(MetricColumns.OutcomePrefix, StringComparison.Ordinal) && value is long count)
                    {
                        var outcome = MetricColumns.Unhex(column[MetricColumns.OutcomePrefix.Length..]);
                        outcomes[(journey, outcome)] = outcomes.GetValueOrDefault((journey, outcome)) + count;
                    }
                    else if ((column.StartsWith(MetricColumns.AskedPrefix, StringComparison.Ordinal) || column.StartsWith(MetricColumns.AnsweredPrefix, StringComparison.Ordinal)) && value is long n)
                    {
                        var (version, step) = MetricColumns.ParseQuestion(column);
                        var (asked, answered) = questions.GetValueOrDefault((journey, version, step));
                        questions[(journey, version, step)] = column.StartsWith(MetricColumns.AskedPrefix, StringComparison.Ordinal) ? (asked + n, answered) : (asked, answered + n);
                    }
                }
            }
        }

        return Results.Json(new JsonObject
        {
            ["from"] = Date(query.From),
            ["to"] = Date(query.To),
            ["journey"] = query.Journey,
            ["totals"] = Values(MetricDefinitions.Compute(totals)),
            ["series"] = series,
            ["funnel"] = new JsonArray(funnel.OrderBy(f => f.Key.Journey, StringComparer.Ordinal).ThenBy(f => f.Key.Version).ThenByDescending(f => f.Value)
                .Select(f => (JsonNode)new JsonObject { ["journey"] = f.Key.Journey, ["version"] = f.Key.Version, ["stage"] = f.Key.Stage, ["step"] = f.Key.Step, ["reached"] = f.Value }).ToArray()),
            ["outcomes"] = new JsonArray(outcomes.OrderBy(o => o.Key.Journey, StringComparer.Ordinal).ThenBy(o => o.Key.Outcome, StringComparer.Ordinal)
                .Select(o => (JsonNode)new JsonObject { ["journey"] = o.Key.Journey, ["outcome"] = o.Key.Outcome, ["count"] = o.Value }).ToArray()),
            ["questions"] = new JsonArray(questions.OrderBy(q => q.Key.Journey, StringComparer.Ordinal).ThenBy(q => q.Key.Version).ThenBy(q => q.Key.Step, StringComparer.Ordinal)
                .Select(q => (JsonNode)new JsonObject
                {
                    ["journey"] = q.Key.Journey,
                    ["version"] = q.Key.Version,
                    ["step"] = q.Key.Step,
                    ["asked"] = q.Value.Asked,
                    ["answered"] = q.Value.Answered,
                    ["answer_rate"] = q.Value.Asked == 0 ? 0 : Math.Round((double)q.Value.Answered / q.Value.Asked, 6),
                }).ToArray()),
            ["definitions"] = new JsonObject(MetricDefinitions.Counters.Concat(MetricDefinitions.Derived).Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))),
        });
    }

    private static async Task<IResult> GetCsvAsync(HttpRequest request, MetricsStore store, CancellationToken ct)
    {
        if (Parse(request) is not { } query)
        {
            return Invalid(request);
        }

        var names = MetricDefinitions.Names.ToList();
        var csv = new StringBuilder("date,").AppendJoin(',', names).Append('\n');
        foreach (var day in await store.ReadAsync(query.From, query.To, query.Journey, ct))
        {
            var values = MetricDefinitions.Compute(Counters(day.Totals));
            csv.Append(Date(day.Day)).Append(',').AppendJoin(',', names.Select(n => values[n].ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        }

        return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private sealed record MetricsQuery(DateOnly From, DateOnly To, string? Journey);

    private static MetricsQuery? Parse(HttpRequest request)
    {
        var q = request.Query;
        if (!TryDate(q["from"], out var from) || !TryDate(q["to"], out var to) || to < from || to.DayNumber - from.DayNumber + 1 > MaxDays)
        {
            return null;
        }

        string? journey = q["journey"];
        return journey is null || JourneyId().IsMatch(journey) ? new MetricsQuery(from, to, journey) : null;
    }

    /// <summary>The problem for the first field at fault.</summary>
    private static IResult Invalid(HttpRequest request)
    {
        var q = request.Query;
        if (!TryDate(q["from"], out var from))
        {
            return Problems.BadRequest("from", "required: a UTC day as YYYY-MM-DD.");
        }

        if (!TryDate(q["to"], out var to))
        {
            return Problems.BadRequest("to", "required: a UTC day as YYYY-MM-DD.");
        }

        if (to < from)
        {
            return Problems.BadRequest("to", "must not be before from.");
        }

        if (to.DayNumber - from.DayNumber + 1 > MaxDays)
        {
            return Problems.BadRequest("to", $"the range is at most {MaxDays} days.");
        }

        return Problems.BadRequest("journey", "a journey id: letters, digits, '-', '_' or '.', at most 100 characters.");
    }

    private static bool TryDate(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    private static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static Dictionary<string, long> Counters(Azure.Data.Tables.TableEntity? row)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        if (row is not null)
        {
            foreach (var (column, value) in row)
            {
                if (column.StartsWith(MetricColumns.CounterPrefix, StringComparison.Ordinal) && value is long amount)
                {
                    counters[column[MetricColumns.CounterPrefix.Length..]] = amount;
                }
            }
        }

        return counters;
    }

    private static JsonObject Values(Dictionary<string, double> values) =>
        new(values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(Math.Round(v.Value, 6)))));

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex JourneyId();
}
