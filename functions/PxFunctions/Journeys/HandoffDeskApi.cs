using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Channels.Desk;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Http;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Journeys;

/// <summary>
/// The handoff desk's admin API: the handoffs open now (or recently closed), one handoff with its conversation and
/// notes, assigning it and adding internal notes. Answering and closing are <see cref="HandoffApi"/>'s. Names and
/// addresses come from the purchase when asked for (the list shows first names only); the index holds none.
/// </summary>
public static class HandoffDeskApi
{
    public const int MaxAgentChars = 200;
    public const int MaxNoteChars = 2_000;
    private const int MaxClosedListed = 200;
    private const int MaxConversation = 100;

    public sealed record HandoffView(
        string InstanceId,
        string Status,
        string? CustomerKey,
        string? CustomerName,
        string JourneyId,
        int? Version,
        string? Stage,
        string? Step,
        string? Reason,
        DateTimeOffset OpenedAt,
        DateTimeOffset SlaDueAt,
        bool SlaBreached,
        string? Assignee,
        DateTimeOffset? LastCustomerMessageAt,
        string? LastCustomerChannel,
        DateTimeOffset? FirstAgentReplyAt,
        DateTimeOffset ResumesAt,
        DateTimeOffset? ClosedAt,
        string? ClosedBy);

    public sealed record CustomerView(string? Key, string? FirstName, string? LastName, string? Phone, string? Email);

    /// <param name="From"><c>customer</c>, <c>agent</c> or <c>journey</c> (the journey's own messages).</param>
    public sealed record ConversationEntry(DateTimeOffset At, string From, string? Channel, string Text, string? Status = null, string? Step = null);

    public sealed record JourneyView(string RuntimeStatus, JsonNode? CustomStatus);

    public sealed record HandoffDetail(HandoffView Handoff, CustomerView Customer, IReadOnlyList<ConversationEntry> Conversation, IReadOnlyList<HandoffNote> Notes, JourneyView? Journey);

    public static IEndpointRouteBuilder MapHandoffDeskApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/admin/handoffs", ListAsync).WithName("ListHandoffs").RequireFunctionKey();
        endpoints.MapGet("/api/admin/handoffs/{instanceId}", GetAsync).WithName("GetHandoff").RequireFunctionKey();
        endpoints.MapPost("/api/admin/handoffs/{instanceId}/assign", AssignAsync).WithName("AssignHandoff").RequireFunctionKey();
        endpoints.MapPost("/api/admin/handoffs/{instanceId}/notes", AddNoteAsync).WithName("AddHandoffNote").RequireFunctionKey();
        return endpoints;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, HandoffDesk desk, TimeProvider time, CancellationToken ct)
    {
        var status = request.Query["status"].FirstOrDefault() is { Length: > 0 } s ? s : HandoffStatus.Open;
        if (status is not (HandoffStatus.Open or HandoffStatus.Closed))
        {
            return Problems.BadRequest("status", "must be open or closed.");
        }

        var assignee = request.Query["assignee"].FirstOrDefault()?.Trim();
        if (assignee is { Length: > MaxAgentChars })
        {
            return Problems.BadRequest("assignee", $"has at most {MaxAgentChars} characters.");
        }

        var handoffs = (await desk.ListAsync(status, ct))
            .Where(h => string.IsNullOrEmpty(assignee) || string.Equals(h.Assignee, assignee, StringComparison.OrdinalIgnoreCase));
        handoffs = status == HandoffStatus.Open
            ? handoffs.OrderBy(h => h.FirstAgentReplyAt is null ? 0 : 1).ThenBy(h => h.SlaDueAt)
            : handoffs.OrderByDescending(h => h.ClosedAt).Take(MaxClosedListed);
        var now = time.GetUtcNow();
        var views = await Task.WhenAll(handoffs.Select(async h => View(h, (await desk.CustomerAsync(h.InstanceId, ct))?.FirstName, now)));
        return Results.Ok(new { status, now, slaHours = desk.Options.Sla.TotalHours, handoffs = views });
    }

    private static async Task<IResult> GetAsync(string instanceId, HandoffDesk desk, JourneyTexts texts, MessageLog log, IJourneyInstances instances, TimeProvider time, CancellationToken ct)
    {
        var (handoff, problem) = await FindAsync(instanceId, desk, ct);
        if (handoff is null)
        {
            return problem!;
        }

        var customer = await desk.CustomerAsync(instanceId, ct);
        var conversation = new List<ConversationEntry>();
        var said = await texts.RecentAsync(instanceId, MaxConversation, ct);
        var sent = await MessagesAsync(log, handoff, customer, ct);
        var agentSends = sent.Where(m => m.Kind == "agent").OrderBy(m => m.CreatedAt).ToList();
        foreach (var text in said)
        {
            // An agent's answer with what became of it (the log's preview is the text's head).
            var send = text.From == "agent"
                ? agentSends.FirstOrDefault(m => m.CreatedAt >= text.At.AddMinutes(-1) && m.Preview is { } p && text.Text.StartsWith(p, StringComparison.Ordinal))
                : null;
            if (send is not null)
            {
                agentSends.Remove(send);
            }

            conversation.Add(new ConversationEntry(text.At, text.From == "agent" ? "agent" : "customer", send?.Channel ?? text.Channel, text.Text, send?.Status.ToString().ToLowerInvariant()));
        }

        conversation.AddRange(sent.Where(m => m.Kind != "agent").Select(m => new ConversationEntry(m.SentAt ?? m.CreatedAt, "journey", m.Channel, m.Preview ?? "", m.Status.ToString().ToLowerInvariant(), m.Step)));
        var state = await instances.GetAsync(instanceId, ct);
        return Results.Ok(new HandoffDetail(
            View(handoff, customer?.FirstName, time.GetUtcNow()),
            new CustomerView(handoff.CustomerId, customer?.FirstName, customer?.LastName, customer?.Phone, customer?.Email),
            conversation.OrderBy(c => c.At).TakeLast(MaxConversation).ToList(),
            await desk.NotesAsync(handoff, ct),
            state is null ? null : new JourneyView(state.Status.ToString(), state.CustomStatus is { } cs ? JsonNode.Parse(cs) : null)));
    }

    /// <summary>The journey's messages to this instance (the customer's partition of the message log).</summary>
    private static async Task<List<MessageRecord>> MessagesAsync(MessageLog log, Handoff handoff, HandoffCustomer? customer, CancellationToken ct)
    {
        var key = handoff.CustomerId is { Length: > 0 } id ? "c:" + id : (customer?.Phone ?? customer?.Email) is { } address ? "a:" + address : null;
        return key is null ? [] : (await log.ForCustomerAsync(key, ct)).Where(m => m.InstanceId == handoff.InstanceId).ToList();
    }

    private static async Task<IResult> AssignAsync(string instanceId, HttpRequest request, HandoffDesk desk, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await ReadObjectAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        if (!body!.TryGetPropertyValue("agent", out var node))
        {
            return Problems.BadRequest("agent", $"is required: the name or email of the agent (at most {MaxAgentChars} characters), or null to unassign.");
        }

        string? agent = null;
        if (node is not null)
        {
            agent = node is JsonValue v && v.TryGetValue<string>(out var text) ? text.Trim() : null;
            if (string.IsNullOrEmpty(agent) || agent.Length > MaxAgentChars || agent.Any(char.IsControl))
            {
                return Problems.BadRequest("agent", $"must be the name or email of the agent: 1 to {MaxAgentChars} characters, no control characters (null unassigns).");
            }
        }

        if (InstanceIds.Problem(instanceId) is { } invalid)
        {
            return Problems.BadRequest("instanceId", invalid);
        }

        return await desk.AssignAsync(instanceId, agent, ct) is { } handoff
            ? Results.Ok(View(handoff, (await desk.CustomerAsync(instanceId, ct))?.FirstName, time.GetUtcNow()))
            : NoHandoff(instanceId);
    }

    private static async Task<IResult> AddNoteAsync(string instanceId, HttpRequest request, HandoffDesk desk, PxSettings settings, CancellationToken ct)
    {
        var (body, problem) = await ReadObjectAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var text = body!["text"] is JsonValue t && t.TryGetValue<string>(out var s) ? s.Trim() : null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxNoteChars)
        {
            return Problems.BadRequest("text", $"is required: the note, 1 to {MaxNoteChars} characters (kept for the team, never sent to the customer).");
        }

        var author = body["author"] is JsonValue a && a.TryGetValue<string>(out var name) ? name.Trim() : null;
        if (body["author"] is not null && (string.IsNullOrEmpty(author) || author.Length > MaxAgentChars || author.Any(char.IsControl)))
        {
            return Problems.BadRequest("author", $"must be the name or email of the agent: 1 to {MaxAgentChars} characters.");
        }

        if (InstanceIds.Problem(instanceId) is { } invalid)
        {
            return Problems.BadRequest("instanceId", invalid);
        }

        // Signed in through App Service Authentication, the platform names the user; otherwise the note says who wrote it, or "admin".
        author ??= settings.AppServiceAuthentication && request.Headers["X-MS-CLIENT-PRINCIPAL-NAME"].FirstOrDefault() is { Length: > 0 and <= MaxAgentChars } principal ? principal : "admin";
        var noteId = request.Headers["Idempotency-Key"].FirstOrDefault() is { Length: > 0 and <= 200 } key ? "k:" + key : Guid.NewGuid().ToString("N");
        return await desk.AddNoteAsync(instanceId, noteId, author, text, ct) is { } added
            ? Results.Created($"/api/admin/handoffs/{instanceId}", added.Note)
            : NoHandoff(instanceId);
    }

    /// <summary>The instance's latest handoff, or the problem to answer (a bad id, or no handoff).</summary>
    private static async Task<(Handoff? Handoff, IResult? Problem)> FindAsync(string instanceId, HandoffDesk desk, CancellationToken ct)
    {
        if (InstanceIds.Problem(instanceId) is { } invalid)
        {
            return (null, Problems.BadRequest("instanceId", invalid));
        }

        return await desk.LatestAsync(instanceId, ct) is { } handoff ? (handoff, null) : (null, NoHandoff(instanceId));
    }

    private static IResult NoHandoff(string instanceId) =>
        Problems.Status(StatusCodes.Status404NotFound, "No handoff.", $"Journey '{instanceId}' never handed its customer to a person (or its handoffs were purged).", "instanceId");

    private static async Task<(JsonObject? Body, IResult? Problem)> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        var (bytes, tooLarge) = await RequestBody.ReadAsync(request, ct, 16_384);
        if (tooLarge is not null)
        {
            return (null, tooLarge);
        }

        try
        {
            return JsonNode.Parse(bytes) is JsonObject o ? (o, null) : (null, Problems.BadRequest("body", "must be a JSON object."));
        }
        catch (JsonException ex)
        {
            return (null, Problems.BadRequest("body", $"must be JSON: {ex.Message}"));
        }
    }

    public static HandoffView View(Handoff h, string? firstName, DateTimeOffset now) => new(
        h.InstanceId, h.Status, h.CustomerId, firstName, h.JourneyId, h.Version, h.Stage, h.Step, h.Reason, h.OpenedAt, h.SlaDueAt, h.SlaBreached(now),
        h.Assignee, h.LastCustomerMessageAt, h.LastCustomerChannel, h.FirstAgentReplyAt, h.ResumesAt, h.ClosedAt, h.ClosedBy);
}
