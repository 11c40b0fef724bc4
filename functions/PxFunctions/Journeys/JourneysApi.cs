using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Http;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Simulation;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Journeys;

/// <summary>
/// <c>/api/admin/journeys</c>: validate, save drafts, publish immutable versions, list them, simulate a journey
/// against a sample order, migrate running instances with an explicit step mapping, and the JSON Schema. Journey
/// documents are JSON or YAML. Invalid input is a 400 problem with every error as <c>{path, message}</c>, and nothing
/// is written.
/// </summary>
public static class JourneysApi
{
    private const string Base = "/api/admin/journeys";

    public static IEndpointRouteBuilder MapJourneysApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Base).RequireFunctionKey();
        api.MapPost("/validate", ValidateAsync).WithName("ValidateJourney");
        api.MapPost("/simulate", SimulateAsync).WithName("SimulateJourney");
        api.MapGet("/schema", () => Results.Text(JourneySchema.Text, "application/schema+json")).WithName("JourneySchema");
        api.MapPost("", SaveDraftAsync).WithName("SaveJourneyDraft");
        api.MapGet("", ListAsync).WithName("ListJourneys");
        api.MapGet("/{id}", GetAsync).WithName("GetJourney");
        api.MapPost("/{id}/publish", PublishAsync).WithName("PublishJourney");
        api.MapGet("/{id}/versions", VersionsAsync).WithName("ListJourneyVersions");
        api.MapGet("/{id}/versions/{version}", GetVersionAsync).WithName("GetJourneyVersion");
        api.MapPost("/{id}/migrate", MigrateAsync).WithName("MigrateJourneyInstances");
        return endpoints;
    }

    /// <summary>A 400 problem listing every error (path and reason); <c>field</c> names the first.</summary>
    public static IResult Invalid(string title, IReadOnlyList<JourneyError> errors) =>
        Results.Problem(
            title: title,
            detail: errors.Count == 1 ? $"{errors[0].Path}: {errors[0].Message}" : $"{errors.Count} errors; the first: {errors[0].Path}: {errors[0].Message}",
            statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?>
            {
                ["field"] = errors[0].Path,
                ["errors"] = errors.Select(e => new { path = e.Path, message = e.Message }).ToList(),
            });

    private static async Task<IResult> ValidateAsync(HttpRequest request, CancellationToken ct)
    {
        var (text, problem) = await ReadBodyAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (definition, errors) = JourneyValidator.Validate(text!);
        return definition is null
            ? Invalid("The journey is not valid.", errors)
            : Results.Ok(new { valid = true, id = definition.Id, name = definition.Name, steps = definition.Steps.Count, locales = definition.Locales });
    }

    private static async Task<IResult> SaveDraftAsync(HttpRequest request, JourneyCatalog catalog, CancellationToken ct)
    {
        var (text, problem) = await ReadBodyAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (definition, errors) = JourneyValidator.Validate(text!);
        if (definition is null)
        {
            return Invalid("The journey is not valid.", errors);
        }

        await catalog.SaveDraftAsync(definition, text!, ct);
        return Results.Created($"{Base}/{definition.Id}", new { id = definition.Id, name = definition.Name, draft = true });
    }

    private static async Task<IResult> ListAsync(JourneyCatalog catalog, CancellationToken ct) =>
        Results.Ok((await catalog.ListAsync(ct)).Select(j => new
        {
            id = j.Id,
            name = j.Latest?.Name ?? j.Draft?.Name,
            hasDraft = j.Draft is not null,
            latestVersion = j.Latest?.Version,
            publishedAt = j.Latest?.SavedAt,
        }));

    private static async Task<IResult> GetAsync(string id, JourneyCatalog catalog, CancellationToken ct)
    {
        var draft = await catalog.GetDraftAsync(id, ct);
        var versions = await catalog.VersionsAsync(id, ct);
        if (draft is null && versions.Count == 0)
        {
            return NotFound(id);
        }

        return Results.Ok(new
        {
            id,
            name = versions.LastOrDefault()?.Name ?? draft?.Name,
            draft = draft is null ? null : new { savedAt = draft.SavedAt, document = draft.Document },
            versions = versions.Select(v => new { version = v.Version, publishedAt = v.SavedAt }),
        });
    }

    private static async Task<IResult> PublishAsync(string id, JourneyCatalog catalog, CancellationToken ct)
    {
        var draft = await catalog.GetDraftAsync(id, ct);
        if (draft is null)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No draft to publish.", $"Journey '{id}' has no draft; save one with POST {Base}.", "id");
        }

        var (definition, errors) = JourneyValidator.Validate(draft.Document);
        if (definition is null)
        {
            return Invalid("The draft is not valid.", errors);
        }

        var (version, created) = await catalog.PublishAsync(definition, draft.Document, ct);
        var body = new { id, version, created };
        return created ? Results.Created($"{Base}/{id}/versions/{version}", body) : Results.Ok(body);
    }

    private static async Task<IResult> VersionsAsync(string id, JourneyCatalog catalog, CancellationToken ct)
    {
        var versions = await catalog.VersionsAsync(id, ct);
        return versions.Count == 0 && await catalog.GetDraftAsync(id, ct) is null
            ? NotFound(id)
            : Results.Ok(versions.Select(v => new { version = v.Version, name = v.Name, publishedAt = v.SavedAt }));
    }

    private static async Task<IResult> GetVersionAsync(string id, string version, JourneyCatalog catalog, CancellationToken ct)
    {
        if (!int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return Problems.BadRequest("version", $"'{version}' is not a version number (1, 2, ...).");
        }

        return await catalog.GetVersionAsync(id, number, ct) is { } stored
            ? Results.Ok(new { id, version = number, name = stored.Name, publishedAt = stored.SavedAt, document = stored.Document })
            : Problems.Status(StatusCodes.Status404NotFound, "No such version.", $"Journey '{id}' has no published version {number}.", "version");
    }

    private static async Task<IResult> SimulateAsync(HttpRequest request, JourneyCatalog catalog, JourneySimulation simulation, TimeProvider time, CancellationToken ct)
    {
        var (text, problem) = await ReadBodyAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (body, bodyError) = JourneyDocument.Parse(text!);
        if (bodyError is not null || body is not JsonObject simulationBody)
        {
            return Invalid("The simulation request is not valid.", [bodyError ?? new JourneyError("$", "must be an object.")]);
        }

        var parsed = SimulationRequest.Read(simulationBody, time.GetUtcNow());
        if (parsed.Errors.Count > 0)
        {
            return Invalid("The simulation request is not valid.", parsed.Errors);
        }

        var definition = parsed.Definition;
        var version = parsed.Version ?? 0;
        if (definition is null)
        {
            var stored = await catalog.GetPublishedAsync(parsed.JourneyId!, parsed.Version!.Value, ct);
            if (stored is null)
            {
                return Problems.Status(StatusCodes.Status404NotFound, "No such version.", $"Journey '{parsed.JourneyId}' has no published version {parsed.Version}.", "journeyId");
            }

            definition = stored;
        }

        var result = await simulation.RunAsync(definition, version, parsed, ct);
        return Results.Json(result, Json);
    }

    private static async Task<IResult> MigrateAsync(string id, HttpRequest request, JourneyCatalog catalog, IJourneyInstances client, CancellationToken ct)
    {
        var (text, problem) = await ReadBodyAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (body, error) = JourneyDocument.Parse(text!);
        var obj = body as JsonObject;
        var from = (int?)obj?["fromVersion"];
        var to = (int?)obj?["toVersion"];
        var map = obj?["steps"] as JsonObject;
        if (error is not null || from is null || to is null || map is null)
        {
            return Invalid("The migration is not valid.", [error ?? new JourneyError("$", "needs fromVersion, toVersion and steps (an object mapping every waiting step of the old version to a step of the new one).")]);
        }

        var source = await catalog.GetPublishedAsync(id, from.Value, ct);
        var target = await catalog.GetPublishedAsync(id, to.Value, ct);
        if (source is null || target is null)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No such version.", $"Journey '{id}' has no published version {(source is null ? from : to)}.", source is null ? "fromVersion" : "toVersion");
        }

        var errors = MigrationPlan.Check(source, target, map);
        if (errors.Count > 0)
        {
            return Invalid("The step mapping is not valid.", errors);
        }

        var migrated = 0;
        string? token = null;
        var data = new JsonObject { ["version"] = to.Value, ["steps"] = map.DeepClone() };
        do
        {
            var page = await client.QueryAsync(new InstanceQuery([InstanceStatus.Running, InstanceStatus.Pending, InstanceStatus.Suspended], PageSize: 500, ContinuationToken: token), ct);
            foreach (var instance in page.Instances.Where(i => i.Name == JourneyFunctionNames.Orchestrator && MigrationPlan.IsOn(i.CustomStatus, id, from.Value)))
            {
                // One event id per instance and target: a repeated call migrates nobody twice.
                await client.RaiseEventAsync(instance.InstanceId, JourneyInterpreter.Events.Migrate, data, $"migrate-{id}-{from}-{to}", ct);
                migrated++;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);

        return Results.Accepted(value: new { id, fromVersion = from, toVersion = to, instances = migrated });
    }

    private static IResult NotFound(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "No such journey.", $"Journey '{id}' does not exist.", "id");

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads the body as text, refusing empty and oversized ones.</summary>
    internal static async Task<(string? Text, IResult? Problem)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var (body, problem) = await RequestBody.ReadAsync(request, ct);
        if (problem is not null)
        {
            return (null, problem);
        }

        var text = Encoding.UTF8.GetString(body);
        return string.IsNullOrWhiteSpace(text)
            ? (null, Problems.BadRequest("body", "is empty: send a journey document (JSON or YAML)."))
            : (text, null);
    }
}
