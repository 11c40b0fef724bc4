using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Channels.Desk;
using PxFunctions.Http;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Journeys;

/// <summary>
/// What an agent does with a journey handed to them: answer the customer on the journey's channel, and hand the
/// journey back. The answer's text is stored beside the instance and the event carries its reference, so the
/// orchestration's history never holds it; the send activity renders and sends it under the usual rules. Both keep
/// the desk's handoff current (<see cref="HandoffDesk"/>): the first answer stops the SLA clock, the close marks the
/// handoff closed at once (the journey's own record of the close arrives later and changes nothing more).
/// </summary>
public static class HandoffApi
{
    public static IEndpointRouteBuilder MapHandoffApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/admin/handoffs/{instanceId}/reply", ReplyAsync).WithName("ReplyToHandoff").RequireFunctionKey();
        endpoints.MapPost("/api/admin/handoffs/{instanceId}/close", CloseAsync).WithName("CloseHandoff").RequireFunctionKey();
        return endpoints;
    }

    public const int MaxReplyChars = 1_600;

    private static async Task<IResult> ReplyAsync(string instanceId, HttpRequest request, IJourneyInstances instances, IReplyStore texts, HandoffDesk desk, TimeProvider time, CancellationToken ct)
    {
        var (body, tooLarge) = await RequestBody.ReadAsync(request, ct);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        JsonObject? reply;
        try
        {
            reply = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException ex)
        {
            return Problems.BadRequest("body", $"The body must be JSON: {ex.Message}");
        }

        var text = (string?)reply?["text"];
        var channel = (string?)reply?["channel"];
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxReplyChars)
        {
            return Problems.BadRequest("text", $"is required: the agent's answer, at most {MaxReplyChars} characters.");
        }

        if (channel is not null && PxFunctions.Journeys.Definitions.ChannelNames.Parse(channel) is null)
        {
            return Problems.BadRequest("channel", $"must be one of {PxFunctions.Journeys.Definitions.ChannelNames.List} (default: the channel the customer last wrote on).");
        }

        if (InstanceIds.Problem(instanceId) is { } problem)
        {
            return Problems.BadRequest("instanceId", problem);
        }

        if (await instances.GetAsync(instanceId, ct) is not { IsActive: true } state)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No running journey.", $"Instance '{instanceId}' does not exist or has finished.", "instanceId");
        }

        // One reply per Idempotency-Key (or per request, when none is given).
        var key = "agent:" + (request.Headers["Idempotency-Key"].FirstOrDefault() ?? Guid.NewGuid().ToString("N"));
        var at = time.GetUtcNow();
        var reference = await texts.SaveAsync(instanceId, key, new JourneyText("agent", channel, text, at), ct);
        var data = new JsonObject { ["ref"] = reference, ["channel"] = channel };
        await instances.RaiseEventAsync(state.InstanceId, JourneyInterpreter.Events.AgentReply, data, key, ct);
        await desk.AgentRepliedAsync(instanceId, reference, at, ct);
        return Results.Accepted(value: new { instanceId, reference });
    }

    private static async Task<IResult> CloseAsync(string instanceId, IJourneyInstances instances, HandoffDesk desk, CancellationToken ct)
    {
        if (InstanceIds.Problem(instanceId) is { } problem)
        {
            return Problems.BadRequest("instanceId", problem);
        }

        var raised = await instances.RaiseEventAsync(instanceId, JourneyInterpreter.Events.HandoffClosed, null, "close:" + instanceId + ":" + Guid.NewGuid().ToString("N"), ct);
        // The desk's handoff closes whether or not the journey still runs (a finished journey's handoff is over too).
        var closed = await desk.CloseByAgentAsync(instanceId, ct);
        return raised == InstanceOperation.Accepted || closed is not null
            ? Results.Accepted(value: new { instanceId, handoff = closed is null ? null : new { closed.Status, closed.ClosedAt, closed.ClosedBy } })
            : Problems.Status(StatusCodes.Status404NotFound, "No running journey.", $"Instance '{instanceId}' does not exist or has finished.", "instanceId");
    }
}
