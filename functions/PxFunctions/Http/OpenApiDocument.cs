using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PxFunctions.Channels.Metrics;
using PxFunctions.Configuration;

namespace PxFunctions.Http;

/// <summary>
/// <c>GET /api/admin/openapi.json</c>: an OpenAPI 3.0 description of the admin API, built from the app's one route
/// table (<see cref="HttpFunctionRoutes"/>), so every admin route is in it by construction; routes with a richer
/// contract (the metrics) add their parameters and response shape.
/// </summary>
public static partial class OpenApiDocument
{
    public static IEndpointRouteBuilder MapOpenApiDocument(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/admin/openapi.json", (HttpContext context, PxSettings settings) => Results.Json(Build(new HttpFunctionRoutes(context.RequestServices, settings).Routes)))
            .WithName("AdminOpenApi").RequireFunctionKey();
        return endpoints;
    }

    public static JsonObject Build(IEnumerable<HttpFunctionRoute> routes)
    {
        var paths = new JsonObject();
        foreach (var route in routes.Where(r => r.Route.StartsWith("admin/", StringComparison.Ordinal)).OrderBy(r => r.Route, StringComparer.Ordinal))
        {
            var path = "/api/" + route.Route;
            if (paths[path] is not JsonObject item)
            {
                paths[path] = item = new JsonObject();
            }

            foreach (var method in route.Methods)
            {
                var parameters = new JsonArray(Parameter().Matches(route.Route).Select(m => (JsonNode)new JsonObject
                {
                    ["name"] = m.Groups[1].Value,
                    ["in"] = "path",
                    ["required"] = true,
                    ["schema"] = new JsonObject { ["type"] = "string" },
                }).ToArray());
                var operation = new JsonObject
                {
                    ["operationId"] = route.Name,
                    ["tags"] = new JsonArray(Tag(route.Route)),
                    ["security"] = new JsonArray(new JsonObject { ["functionKey"] = new JsonArray() }),
                    ["parameters"] = parameters,
                    ["responses"] = new JsonObject
                    {
                        ["200"] = new JsonObject { ["description"] = "OK" },
                        ["400"] = new JsonObject { ["description"] = "Bad input: a problem+json naming the field", ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Problem" } } } },
                        ["401"] = new JsonObject { ["description"] = "No or wrong admin key" },
                    },
                };
                if (route.Name is "GetMetrics" or "GetMetricsCsv")
                {
                    Metrics(operation, csv: route.Name == "GetMetricsCsv");
                }

                item[method] = operation;
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject { ["title"] = "PX Functions admin API", ["version"] = "1" },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject { ["functionKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "x-functions-key" } },
                ["schemas"] = new JsonObject
                {
                    ["Problem"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject { ["title"] = Str(), ["detail"] = Str(), ["status"] = new JsonObject { ["type"] = "integer" }, ["field"] = Str() },
                    },
                    ["Metrics"] = MetricsSchema(),
                },
            },
        };
    }

    private static void Metrics(JsonObject operation, bool csv)
    {
        var parameters = operation["parameters"]!.AsArray();
        parameters.Add(Query("from", true, "First UTC day, YYYY-MM-DD."));
        parameters.Add(Query("to", true, "Last UTC day, YYYY-MM-DD; at most 400 days after from."));
        parameters.Add(Query("journey", false, "A journey id: only that journey's figures."));
        operation["summary"] = csv ? "PX metrics, one CSV row per day and a column per metric." : "PX metrics: totals, daily series, stage funnel, outcomes and definitions.";
        operation["responses"]!["200"] = new JsonObject
        {
            ["description"] = "OK",
            ["content"] = csv
                ? new JsonObject { ["text/csv"] = new JsonObject { ["schema"] = Str() } }
                : new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Metrics" } } },
        };
    }

    private static JsonObject MetricsSchema()
    {
        var values = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject(MetricDefinitions.Counters.Concat(MetricDefinitions.Derived)
                .Select(d => KeyValuePair.Create(d.Key, (JsonNode?)new JsonObject { ["type"] = "number", ["description"] = d.Value }))),
        };
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["from"] = Str(),
                ["to"] = Str(),
                ["journey"] = new JsonObject { ["type"] = "string", ["nullable"] = true },
                ["totals"] = values,
                ["series"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["date"] = Str(), ["values"] = values.DeepClone() } } },
                ["funnel"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["journey"] = Str(), ["version"] = new JsonObject { ["type"] = "integer" }, ["stage"] = Str(), ["step"] = Str(), ["reached"] = new JsonObject { ["type"] = "integer" } } } },
                ["outcomes"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["journey"] = Str(), ["outcome"] = Str(), ["count"] = new JsonObject { ["type"] = "integer" } } } },
                ["questions"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["journey"] = Str(), ["version"] = new JsonObject { ["type"] = "integer" }, ["step"] = Str(), ["asked"] = new JsonObject { ["type"] = "integer" }, ["answered"] = new JsonObject { ["type"] = "integer" }, ["answer_rate"] = new JsonObject { ["type"] = "number" } } } },
                ["definitions"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = Str() },
            },
        };
    }

    private static JsonObject Query(string name, bool required, string description) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["required"] = required,
        ["description"] = description,
        ["schema"] = Str(),
    };

    private static JsonObject Str() => new() { ["type"] = "string" };

    private static string Tag(string route) => route.Split('/') is [_, var area, ..] ? area.Split('.')[0] : "admin";

    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex Parameter();
}
