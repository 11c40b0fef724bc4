using System.Text.Json.Nodes;
using PxFunctions.Http;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Knowledge;
using PxFunctions.Journeys.Understanding;

namespace PxFunctions.Knowledge;

/// <summary>
/// <c>/api/admin/knowledge</c>: validate knowledge bases, save drafts, publish immutable versions, read them, and try
/// how a reply would be understood against a journey's published bases. Documents are JSON or YAML; an invalid one is
/// a 400 problem listing every error as <c>{path, message}</c>, and nothing is written.
/// </summary>
public static class KnowledgeApi
{
    private const string Base = "/api/admin/knowledge";

    public static IEndpointRouteBuilder MapKnowledgeApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Base).RequireFunctionKey();
        api.MapPost("/validate", ValidateAsync).WithName("ValidateKnowledge");
        api.MapPost("/try", TryAsync).WithName("TryKnowledge");
        api.MapPost("", SaveDraftAsync).WithName("SaveKnowledgeDraft");
        api.MapGet("", ListAsync).WithName("ListKnowledge");
        api.MapGet("/{id}", GetAsync).WithName("GetKnowledge");
        api.MapPost("/{id}/publish", PublishAsync).WithName("PublishKnowledge");
        api.MapGet("/{id}/versions/{version}", GetVersionAsync).WithName("GetKnowledgeVersion");
        return endpoints;
    }

    private static async Task<IResult> ValidateAsync(HttpRequest request, CancellationToken ct)
    {
        var (text, problem) = await JourneysApi.ReadBodyAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (knowledge, errors) = KnowledgeReader.Read(text!);
        return knowledge is null
            ? JourneysApi.Invalid("The knowledge base is not valid.", errors)
            : Results.Ok(new { valid = true, id = knowledge.Id, name = knowledge.Name, entries = knowledge.Entries.Count, locales = knowledge.Locales, journeys = knowledge.Journeys });
    }

    private static async Task<IResult> SaveDraftAsync(HttpRequest request, KnowledgeCatalog catalog, CancellationToken ct)
    {
        var (text, problem) = await JourneysApi.ReadBodyAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (knowledge, errors) = KnowledgeReader.Read(text!);
        if (knowledge is null)
        {
            return JourneysApi.Invalid("The knowledge base is not valid.", errors);
        }

        await catalog.Documents.SaveDraftAsync(knowledge.Id, knowledge.Name, text!, ct);
        return Results.Created($"{Base}/{knowledge.Id}", new { id = knowledge.Id, name = knowledge.Name, draft = true });
    }

    private static async Task<IResult> ListAsync(KnowledgeCatalog catalog, CancellationToken ct) =>
        Results.Ok((await catalog.Documents.ListAsync(ct)).Select(k => new
        {
            id = k.Id,
            name = k.Latest?.Name ?? k.Draft?.Name,
            hasDraft = k.Draft is not null,
            latestVersion = k.Latest?.Version,
            publishedAt = k.Latest?.SavedAt,
        }));

    private static async Task<IResult> GetAsync(string id, KnowledgeCatalog catalog, CancellationToken ct)
    {
        var draft = await catalog.Documents.GetDraftAsync(id, ct);
        var versions = await catalog.Documents.VersionsAsync(id, ct);
        if (draft is null && versions.Count == 0)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No such knowledge base.", $"Knowledge base '{id}' does not exist.", "id");
        }

        var latest = versions.LastOrDefault() is { Version: { } v } ? await catalog.GetPublishedAsync(id, v, ct) : null;
        return Results.Ok(new
        {
            id,
            name = versions.LastOrDefault()?.Name ?? draft?.Name,
            draft = draft is null ? null : new { savedAt = draft.SavedAt, document = draft.Document },
            versions = versions.Select(x => new { version = x.Version, publishedAt = x.SavedAt }),
            journeys = latest?.Base.Journeys,
            entries = latest?.Base.Entries.Select(e => new { id = e.Id, topic = e.Topic, handoff = e.Handoff, locales = e.Answer.Keys }),
        });
    }

    private static async Task<IResult> PublishAsync(string id, KnowledgeCatalog catalog, CancellationToken ct)
    {
        var draft = await catalog.Documents.GetDraftAsync(id, ct);
        if (draft is null)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No draft to publish.", $"Knowledge base '{id}' has no draft; save one with POST {Base}.", "id");
        }

        var (knowledge, errors) = KnowledgeReader.Read(draft.Document);
        if (knowledge is null)
        {
            return JourneysApi.Invalid("The draft is not valid.", errors);
        }

        var (version, created) = await catalog.PublishAsync(knowledge, draft.Document, ct);
        var body = new { id, version, created };
        return created ? Results.Created($"{Base}/{id}/versions/{version}", body) : Results.Ok(body);
    }

    private static async Task<IResult> GetVersionAsync(string id, string version, KnowledgeCatalog catalog, CancellationToken ct)
    {
        if (!int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return Problems.BadRequest("version", $"'{version}' is not a version number (1, 2, ...).");
        }

        return await catalog.Documents.GetVersionAsync(id, number, ct) is { } stored
            ? Results.Ok(new { id, version = number, name = stored.Name, publishedAt = stored.SavedAt, document = stored.Document })
            : Problems.Status(StatusCodes.Status404NotFound, "No such version.", $"Knowledge base '{id}' has no published version {number}.", "version");
    }

    /// <summary>
    /// <c>{"journey", "version"?, "step"?, "locale"?, "text"}</c> → how the reply would be read: intent, sentiment,
    /// decision, and the best entries with their confidence. Reads only.
    /// </summary>
    private static async Task<IResult> TryAsync(HttpRequest request, JourneyCatalog journeys, KnowledgeCatalog knowledge, CancellationToken ct)
    {
        var (text, problem) = await JourneysApi.ReadBodyAsync(request, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (node, error) = JourneyDocument.Parse(text!);
        if (error is not null || node is not JsonObject body)
        {
            return Problems.BadRequest("body", "must be a JSON object: {\"journey\", \"text\", \"step\"?, \"locale\"?, \"version\"?}.");
        }

        var journeyId = (string?)body["journey"];
        var reply = (string?)body["text"];
        if (string.IsNullOrWhiteSpace(journeyId))
        {
            return Problems.BadRequest("journey", "is required: the id of a published journey.");
        }

        if (string.IsNullOrWhiteSpace(reply) || reply.Length > 2_000)
        {
            return Problems.BadRequest("text", "is required: the customer's message, at most 2,000 characters.");
        }

        var versions = await journeys.VersionsAsync(journeyId, ct);
        var wanted = body["version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : versions.LastOrDefault()?.Version;
        if (wanted is null || await journeys.GetPublishedAsync(journeyId, wanted.Value, ct) is not { } definition)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No such journey.", $"Journey '{journeyId}' has no published version {wanted?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""}.".Replace(" .", ".", StringComparison.Ordinal), "journey");
        }

        var step = (string?)body["step"];
        if (step is not null && definition.Step(step) is not AskStep)
        {
            return Problems.BadRequest("step", $"'{step}' is not an ask step of journey '{journeyId}'.");
        }

        var index = await knowledge.IndexForAsync(journeyId, ct);
        var locale = (string?)body["locale"];
        var understood = ReplyUnderstanding.Read(reply, locale, definition, step is null ? null : (AskStep)definition.Step(step)!, index);
        var reading = ReadJourneyReplyActivity.Read(definition, step, false, reply, locale, index);
        return Results.Ok(new
        {
            intent = understood.Intent,
            sentiment = understood.Sentiment,
            language = understood.Language,
            decision = understood.Decision,
            reason = understood.Reason,
            answer = reading.Answer,
            knowledge = reading.Knowledge,
            locale = reading.Locale,
            matches = index.Rank(TextTerms.Fold(reply)).Select(m => new { entry = m.EntryId, knowledgeBase = m.BaseId, version = m.Version, m.Handoff, confidence = Math.Round(m.Confidence, 3), coverage = Math.Round(m.Coverage, 3), margin = Math.Round(m.Margin, 3) }),
            bases = index.Bases.Select(b => new { id = b.Base.Id, version = b.Version }),
        });
    }
}
