using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Runtime;
using PxFunctions.Triggers;

namespace PxFunctions.Http;

/// <summary>
/// Instance management with the shape of the Durable Functions HTTP API, so operators can use what they know:
/// <c>/runtime/webhooks/durabletask/instances/{id}</c> (status, raiseEvent, terminate, suspend, resume, purge),
/// a query over instances, and starting an instance — also under <c>/api/runtime/...</c>, the form deployed to
/// Azure. Every route needs a key.
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
        DateTimeOffset LastUpdatedTime);

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
        // The Functions host reserves routes that start with "runtime" (its own extension webhooks), so in Azure the
        // API is deployed under /api/runtime/webhooks/durabletask. Standalone serves both; only the /api routes are
        // functions in the deploy manifest.
        MapInstanceRoutes(endpoints.MapGroup("/api" + Base), named: true);
        MapInstanceRoutes(endpoints.MapGroup(Base), named: false);

        endpoints.MapGet("/api/admin/poison", async (PoisonMessageStore poison, int? top, CancellationToken ct) =>
            Results.Ok(await poison.ListAsync(Math.Clamp(top ?? 100, 1, 1000), ct)))
            .WithName("ListPoisonMessages").RequireFunctionKey();
        return endpoints;
    }

    private static void MapInstanceRoutes(RouteGroupBuilder api, bool named)
    {
        api.RequireFunctionKey();
        void Name(RouteHandlerBuilder route, string name)
        {
            if (named)
            {
                route.WithName(name);
            }
        }

        Name(api.MapPost("/orchestrators/{functionName}/{instanceId?}", StartAsync), "StartInstance");
        Name(api.MapGet("/instances", QueryAsync), "QueryInstances");
        Name(api.MapGet("/instances/{instanceId}", GetStatusAsync), "GetInstanceStatus");
        Name(api.MapDelete("/instances/{instanceId}", PurgeAsync), "PurgeInstance");
        Name(api.MapPost("/instances/{instanceId}/raiseEvent/{eventName}", RaiseEventAsync), "RaiseInstanceEvent");
        Name(api.MapPost("/instances/{instanceId}/terminate", (string instanceId, string? reason, InstanceClient client, CancellationToken ct) =>
            ControlAsync(instanceId, () => client.TerminateAsync(instanceId, reason, ct))), "TerminateInstance");
        Name(api.MapPost("/instances/{instanceId}/suspend", (string instanceId, string? reason, InstanceClient client, CancellationToken ct) =>
            ControlAsync(instanceId, () => client.SuspendAsync(instanceId, reason, ct))), "SuspendInstance");
        Name(api.MapPost("/instances/{instanceId}/resume", (string instanceId, string? reason, InstanceClient client, CancellationToken ct) =>
            ControlAsync(instanceId, () => client.ResumeAsync(instanceId, reason, ct))), "ResumeInstance");
    }

    private static async Task<IResult> StartAsync(string functionName, string? instanceId, HttpRequest request, InstanceClient client, CancellationToken ct)
    {
        var input = await ReadJsonBodyAsync(request, ct);
        if (input.Problem is not null)
        {
            return input.Problem;
        }

        instanceId ??= Guid.NewGuid().ToString("N");
        try
        {
            var (status, created) = await client.StartAsync(functionName, instanceId, input.Json, ct);
            var payload = Links(request, status.InstanceId);
            return created ? Results.Accepted(payload.StatusQueryGetUri, payload) : Results.Ok(payload);
        }
        catch (ArgumentException ex)
        {
            return Problems.BadRequest(ex.ParamName == "name" ? "functionName" : "instanceId", ex.Message);
        }
    }

    private static async Task<IResult> GetStatusAsync(string instanceId, InstanceClient client, CancellationToken ct) =>
        await WithValidIdAsync(instanceId, async () =>
        {
            var status = await client.GetStatusAsync(instanceId, ct);
            if (status is null)
            {
                return NotFound(instanceId);
            }

            // Durable Functions: 200 when completed, 202 while in progress, 400 when failed or terminated.
            var code = status.RuntimeStatus switch
            {
                RuntimeStatus.Completed => StatusCodes.Status200OK,
                RuntimeStatus.Failed or RuntimeStatus.Terminated => StatusCodes.Status400BadRequest,
                _ => StatusCodes.Status202Accepted,
            };
            return Results.Json(ToPayload(status), statusCode: code);
        });

    private static async Task<IResult> QueryAsync(HttpContext context, InstanceClient client, string? runtimeStatus, DateTimeOffset? createdTimeFrom, DateTimeOffset? createdTimeTo, int? top, CancellationToken ct)
    {
        var statuses = new List<RuntimeStatus>();
        foreach (var name in (runtimeStatus ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<RuntimeStatus>(name, ignoreCase: true, out var parsed))
            {
                return Problems.BadRequest("runtimeStatus", $"'{name}' is not one of {string.Join(", ", Enum.GetNames<RuntimeStatus>())}.");
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

    private static async Task<IResult> RaiseEventAsync(string instanceId, string eventName, string? eventId, HttpRequest request, InstanceClient client, CancellationToken ct)
    {
        var body = await ReadJsonBodyAsync(request, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        // Callers that retry can make the event idempotent with an event id (query) or Idempotency-Key header.
        eventId ??= request.Headers["Idempotency-Key"].FirstOrDefault();
        return await ControlAsync(instanceId, () => client.RaiseEventAsync(instanceId, eventName, body.Json, eventId, requireExisting: true, ct));
    }

    private static Task<IResult> PurgeAsync(string instanceId, InstanceClient client, CancellationToken ct) =>
        WithValidIdAsync(instanceId, async () => await client.PurgeAsync(instanceId, ct) switch
        {
            OperationResult.Done => Results.Ok(new { instancesDeleted = 1 }),
            OperationResult.NotFound => NotFound(instanceId),
            _ => Problems.Status(StatusCodes.Status409Conflict, "The instance is still running.", $"Terminate '{instanceId}' before purging it.", "instanceId"),
        });

    private static Task<IResult> ControlAsync(string instanceId, Func<Task<OperationResult>> operation) =>
        WithValidIdAsync(instanceId, async () => await operation() switch
        {
            OperationResult.Accepted => Results.Accepted(),
            OperationResult.NotFound => NotFound(instanceId),
            _ => Problems.Status(StatusCodes.Status410Gone, "The instance has finished.", $"Instance '{instanceId}' is completed, failed or terminated.", "instanceId"),
        });

    private static async Task<IResult> WithValidIdAsync(string instanceId, Func<Task<IResult>> action)
    {
        try
        {
            InstanceKeys.ValidateInstanceId(instanceId);
        }
        catch (ArgumentException ex)
        {
            return Problems.BadRequest("instanceId", ex.Message);
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

    private static StatusPayload ToPayload(InstanceStatus s) =>
        new(s.Name, s.InstanceId, s.RuntimeStatus.ToString(), AsJson(s.Input), AsJson(s.CustomStatus), AsJson(s.Output), s.CreatedTime, s.LastUpdatedTime);

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
        var prefix = request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) ? "/api" : "";
        var root = $"{request.Scheme}://{request.Host}{prefix}{Base}/instances/{instanceId}";
        return new ManagementPayload(instanceId, root, root + "/raiseEvent/{eventName}", root + "/terminate?reason={text}", root + "/suspend?reason={text}", root + "/resume?reason={text}", root);
    }
}
