using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Http;

/// <summary>
/// The standalone host's instance management, with the shape of the Durable Functions HTTP API so operators and
/// tools use what they know: <c>/runtime/webhooks/durabletask/instances/{id}</c> (status with custom status and,
/// with <c>showHistory=true</c>, history; raiseEvent, terminate, suspend, resume, purge), a query over instances, and
/// starting an instance. Under the Functions host the Durable extension serves this API itself (system key), so
/// these routes are not functions. Every route needs a key.
/// </summary>
public static class DurableManagementApi
{
    private const string Base = "/runtime/webhooks/durabletask";

    /// <summary>The status payload, with the Durable Functions field names.</summary>
    public sealed record StatusPayload(
        string Name,
        string InstanceId,
        string RuntimeStatus,
        JsonNode? Input,
        JsonNode? CustomStatus,
        JsonNode? Output,
        DateTimeOffset CreatedTime,
        DateTimeOffset LastUpdatedTime,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] JsonArray? HistoryEvents = null);

    /// <summary>Where to manage an instance (the payload Durable Functions returns from a start).</summary>
    public sealed record ManagementPayload(
        string Id,
        string StatusQueryGetUri,
        string SendEventPostUri,
        string TerminatePostUri,
        string SuspendPostUri,
        string ResumePostUri,
        string PurgeHistoryDeleteUri);

    public static IEndpointRouteBuilder MapDurableManagementApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Base).RequireFunctionKey();
        api.MapPost("/orchestrators/{functionName}/{instanceId?}", StartAsync);
        api.MapGet("/instances", QueryAsync);
        api.MapGet("/instances/{instanceId}", GetStatusAsync);
        api.MapDelete("/instances/{instanceId}", PurgeAsync);
        api.MapPost("/instances/{instanceId}/raiseEvent/{eventName}", RaiseEventAsync);
        api.MapPost("/instances/{instanceId}/terminate", (string instanceId, string? reason, IJourneyInstances client, CancellationToken ct) =>
            ControlAsync(instanceId, () => client.TerminateAsync(instanceId, reason, ct)));
        api.MapPost("/instances/{instanceId}/suspend", (string instanceId, string? reason, IJourneyInstances client, CancellationToken ct) =>
            ControlAsync(instanceId, () => client.SuspendAsync(instanceId, reason, ct)));
        api.MapPost("/instances/{instanceId}/resume", (string instanceId, string? reason, IJourneyInstances client, CancellationToken ct) =>
            ControlAsync(instanceId, () => client.ResumeAsync(instanceId, reason, ct)));
        return endpoints;
    }

    /// <summary>The orchestrators an instance may be started as through this API.</summary>
    public static readonly IReadOnlySet<string> Orchestrators = new HashSet<string>([JourneyFunctionNames.Orchestrator], StringComparer.OrdinalIgnoreCase);

    private static async Task<IResult> StartAsync(string functionName, string? instanceId, HttpRequest request, IJourneyInstances client, CancellationToken ct)
    {
        var input = await ReadJsonBodyAsync(request, ct);
        if (input.Problem is not null)
        {
            return input.Problem;
        }

        if (!Orchestrators.Contains(functionName))
        {
            return Problems.BadRequest("functionName", $"No orchestrator is named '{functionName}' (known: {string.Join(", ", Orchestrators)}).");
        }

        instanceId ??= Guid.NewGuid().ToString("N");
        return await WithValidIdAsync(instanceId, async () =>
        {
            // Check what the caller must give before the engine sees it, naming the field at fault.
            var body = input.Json is null ? null : JsonNode.Parse(input.Json) as JsonObject;
            if (body is null)
            {
                return Problems.BadRequest("body", "An OwnershipJourney input is a JSON object: {\"JourneyId\": \"...\", \"Version\": 1}.");
            }

            if (Field(body, "journeyId") is not JsonValue id || !id.TryGetValue<string>(out var journeyId) || string.IsNullOrWhiteSpace(journeyId))
            {
                return Problems.BadRequest("body.journeyId", "is required: the id of a published journey.");
            }

            if (Field(body, "version") is not JsonValue v || !v.TryGetValue<int>(out var version) || version < 1)
            {
                return Problems.BadRequest("body.version", "is required: a published version number (1 or more).");
            }

            var run = new JourneyRun { JourneyId = journeyId, Version = version };
            var created = await client.StartAsync(JourneyFunctionNames.Orchestrator, instanceId, run, ct);
            var payload = Links(request, instanceId);
            return created ? Results.Accepted(payload.StatusQueryGetUri, payload) : Results.Ok(payload);
        });
    }

    private static JsonNode? Field(JsonObject body, string name) =>
        body.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static async Task<IResult> GetStatusAsync(string instanceId, bool? showHistory, IJourneyInstances client, CancellationToken ct) =>
        await WithValidIdAsync(instanceId, async () =>
        {
            var status = await client.GetAsync(instanceId, ct);
            if (status is null)
            {
                return NotFound(instanceId);
            }

            // Durable Functions: 200 when completed, 202 while in progress, 400 when failed or terminated.
            var code = status.Status switch
            {
                InstanceStatus.Completed => StatusCodes.Status200OK,
                InstanceStatus.Failed or InstanceStatus.Terminated => StatusCodes.Status400BadRequest,
                _ => StatusCodes.Status202Accepted,
            };
            var payload = ToPayload(status);
            if (showHistory == true)
            {
                payload = payload with { HistoryEvents = new JsonArray((await client.HistoryAsync(instanceId, ct)).Select(e => (JsonNode)e).ToArray()) };
            }

            return Results.Json(payload, statusCode: code);
        });

    private static async Task<IResult> QueryAsync(HttpContext context, IJourneyInstances client, string? runtimeStatus, DateTimeOffset? createdTimeFrom, DateTimeOffset? createdTimeTo, int? top, CancellationToken ct)
    {
        var statuses = new List<InstanceStatus>();
        foreach (var name in (runtimeStatus ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<InstanceStatus>(name, ignoreCase: true, out var parsed))
            {
                return Problems.BadRequest("runtimeStatus", $"'{name}' is not one of {string.Join(", ", Enum.GetNames<InstanceStatus>())}.");
            }

            statuses.Add(parsed);
        }

        string? token = context.Request.Headers["x-ms-continuation-token"];
        var page = await client.QueryAsync(new InstanceQuery(statuses, createdTimeFrom, createdTimeTo, top ?? 100, string.IsNullOrEmpty(token) ? null : token), ct);
        if (page.ContinuationToken is not null)
        {
            context.Response.Headers["x-ms-continuation-token"] = page.ContinuationToken;
        }

        return Results.Ok(page.Instances.Select(ToPayload));
    }

    private static async Task<IResult> RaiseEventAsync(string instanceId, string eventName, string? eventId, HttpRequest request, IJourneyInstances client, CancellationToken ct)
    {
        var body = await ReadJsonBodyAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        // Callers that retry can make the event idempotent with an event id (query) or Idempotency-Key header.
        eventId ??= request.Headers["Idempotency-Key"].FirstOrDefault();
        JsonObject? data = null;
        if (body.Json is not null)
        {
            data = JsonNode.Parse(body.Json) as JsonObject;
            if (data is null)
            {
                return Problems.BadRequest("body", "An event's data must be a JSON object.");
            }
        }

        return await ControlAsync(instanceId, () => client.RaiseEventAsync(instanceId, eventName, data, eventId, ct));
    }

    private static Task<IResult> PurgeAsync(string instanceId, IJourneyInstances client, CancellationToken ct) =>
        WithValidIdAsync(instanceId, async () => await client.PurgeAsync(instanceId, ct) switch
        {
            InstanceOperation.Done => Results.Ok(new { instancesDeleted = 1 }),
            InstanceOperation.NotFound => NotFound(instanceId),
            _ => Problems.Status(StatusCodes.Status409Conflict, "The instance is still running.", $"Terminate '{instanceId}' before purging it.", "instanceId"),
        });

    private static Task<IResult> ControlAsync(string instanceId, Func<Task<InstanceOperation>> operation) =>
        WithValidIdAsync(instanceId, async () => await operation() switch
        {
            InstanceOperation.Accepted => Results.Accepted(),
            InstanceOperation.NotFound => NotFound(instanceId),
            _ => Problems.Status(StatusCodes.Status410Gone, "The instance has finished.", $"Instance '{instanceId}' is completed, failed or terminated.", "instanceId"),
        });

    private static async Task<IResult> WithValidIdAsync(string instanceId, Func<Task<IResult>> action)
    {
        if (InstanceIds.Problem(instanceId) is { } reason)
        {
            return Problems.BadRequest("instanceId", reason);
        }

        return await action();
    }

    private static IResult NotFound(string instanceId) =>
        Problems.Status(StatusCodes.Status404NotFound, "No such instance.", $"Instance '{instanceId}' does not exist.", "instanceId");

    private static async Task<(string? Json, IResult? Problem)> ReadJsonBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(ct);
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, null);
        }

        try
        {
            using var _ = JsonDocument.Parse(text);
            return (text, null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.BadRequest("body", $"The body must be JSON: {ex.Message}"));
        }
    }

    private static StatusPayload ToPayload(InstanceState s) =>
        new(s.Name, s.InstanceId, s.Status.ToString(), AsJson(s.Input), AsJson(s.CustomStatus), AsJson(s.Output), s.CreatedTime, s.LastUpdatedTime);

    private static JsonNode? AsJson(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static ManagementPayload Links(HttpRequest request, string instanceId)
    {
        // Instance ids are validated to URL-safe characters (letters, digits and . _ : @ -).
        var root = $"{request.Scheme}://{request.Host}{Base}/instances/{instanceId}";
        return new ManagementPayload(instanceId, root, root + "/raiseEvent/{eventName}", root + "/terminate?reason={text}", root + "/suspend?reason={text}", root + "/resume?reason={text}", root);
    }
}

/// <summary>Instance ids the API accepts: what the task hub can key, and what is safe in a URL.</summary>
public static class InstanceIds
{
    public const int MaxLength = 200;

    /// <summary>Why <paramref name="instanceId"/> is not a valid id, or null when it is.</summary>
    public static string? Problem(string instanceId) =>
        string.IsNullOrEmpty(instanceId) ? "An instance id is required."
        : instanceId.Length > MaxLength ? $"An instance id has at most {MaxLength} characters."
        : instanceId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '-') ? null
        : "An instance id may hold letters, digits and . _ : @ - only.";
}
