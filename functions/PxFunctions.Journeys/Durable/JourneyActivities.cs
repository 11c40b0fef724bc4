using System.Collections.Concurrent;
using Microsoft.DurableTask;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Knowledge;
using PxFunctions.Journeys.Templates;
using PxFunctions.Journeys.Understanding;

namespace PxFunctions.Journeys.Durable;

/// <summary>The names the orchestrator and its activities are registered and called by (Functions and standalone alike).</summary>
public static class JourneyFunctionNames
{
    public const string Orchestrator = "OwnershipJourney";
    public const string LoadJourney = "LoadJourney";
    public const string SendMessage = "SendJourneyMessage";
    public const string ReadReply = "ReadJourneyReply";
    public const string RecordForTeam = "RecordJourneyNote";
    public const string RecordProgress = "RecordJourneyProgress";

    public static readonly IReadOnlyList<string> Activities = [LoadJourney, SendMessage, ReadReply, RecordForTeam, RecordProgress];
}

public sealed record LoadJourneyRequest(string InstanceId, string JourneyId, int Version);

/// <summary>The pinned definition's document and the purchase without personal data.</summary>
public sealed record LoadedJourney(string Document, JourneyContext Context);

/// <param name="OrderedAt">The orchestration's time when it asked (deterministic; not the activity's clock).</param>
/// <param name="Progress">Steps reached since the journey's last activity, recorded after the send.</param>
public sealed record SendMessageRequest(string InstanceId, MessageOrder Message, DateTimeOffset? OrderedAt = null, JourneyProgress? Progress = null);

public sealed record ReadReplyRequest(string InstanceId, string JourneyId, int Version, string? Step, bool ConfirmingHandoff, string Reference);

/// <param name="Progress">Steps reached since the journey's last activity, recorded after the record.</param>
public sealed record RecordRequest(string InstanceId, string RecordId, TeamRecord Record, JourneyProgress? Progress = null);

public sealed record RecordProgressRequest(string InstanceId, JourneyProgress Progress);

/// <summary>
/// Loads what an execution of the journey needs once: the pinned version's document (parsed by the orchestrator)
/// and the purchase context. Reads only; repeating it is harmless.
/// </summary>
public sealed class LoadJourneyActivity(IJourneyVersions journeys, IJourneyContexts contexts) : TaskActivity<LoadJourneyRequest, LoadedJourney>
{
    public override async Task<LoadedJourney> RunAsync(TaskActivityContext context, LoadJourneyRequest input)
    {
        var published = await journeys.GetPublishedAsync(input.JourneyId, input.Version, CancellationToken.None)
            ?? throw new InvalidOperationException($"Journey '{input.JourneyId}' version {input.Version} is not published.");
        var purchase = await contexts.GetAsync(input.InstanceId, CancellationToken.None);
        var journeyContext = purchase is null
            ? new JourneyContext(input.JourneyId, input.Version, null, [])
            : JourneyContext.Of(purchase) with { Version = input.Version };
        return new LoadedJourney(published.Document, journeyContext);
    }
}

/// <summary>
/// Renders a journey's message from its order and the purchase, and hands it to the messenger under the message's
/// stable id (<c>{instance}/m{number}</c>): repeated runs of this activity send it at most once. Its result says
/// sent, suppressed, failed or held until a time — never the text or the address.
/// </summary>
public sealed class SendJourneyMessageActivity(IJourneyVersions journeys, IJourneyContexts contexts, IReplyStore texts, IJourneyMessenger messenger, IJourneyProgress progress, IKnowledgeBases knowledge)
    : TaskActivity<SendMessageRequest, SendResult>
{
    public static string MessageId(string instanceId, int number) => $"{instanceId}/m{number}";

    public override async Task<SendResult> RunAsync(TaskActivityContext context, SendMessageRequest input)
    {
        var order = input.Message;
        var published = await journeys.GetPublishedAsync(order.JourneyId, order.Version, CancellationToken.None)
            ?? throw new InvalidOperationException($"Journey '{order.JourneyId}' version {order.Version} is not published.");
        var purchase = await contexts.GetAsync(input.InstanceId, CancellationToken.None)
            ?? new JourneyInput(order.JourneyId, order.Version, [], [], [], [], []);
        var literal = order.TextRef is { } reference ? (await texts.GetAsync(input.InstanceId, reference, CancellationToken.None))?.Text : null;
        MessageTemplates? answer = null;
        if (KnowledgePaths.TryParse(order.Template, out var baseId, out var version, out var entryId))
        {
            var entry = (await knowledge.GetPublishedAsync(baseId, version, CancellationToken.None))?.Base.Entry(entryId)
                ?? throw new InvalidOperationException($"Knowledge base '{baseId}' version {version} has no entry '{entryId}'.");
            answer = entry.Templates(order.Template);
        }

        var message = MessageRenderer.Render(published.Definition, order, purchase, literal, answer);
        var result = await messenger.SendAsync(input.InstanceId, MessageId(input.InstanceId, order.Number), message, input.OrderedAt, CancellationToken.None);
        if (input.Progress is { } reached)
        {
            await progress.RecordAsync(input.InstanceId, reached, CancellationToken.None);
        }

        return result;
    }
}

/// <summary>
/// Reads a stored reply against the journey's current step and its knowledge bases (<see cref="ReplyUnderstanding"/>):
/// the reading (intent, decision, the entry to send) enters the history, never the text.
/// </summary>
public sealed class ReadJourneyReplyActivity(IJourneyVersions journeys, IReplyStore texts, IJourneyContexts contexts, IKnowledgeBases knowledge, IReplyModel model)
    : TaskActivity<ReadReplyRequest, ReplyReading>
{
    public override async Task<ReplyReading> RunAsync(TaskActivityContext context, ReadReplyRequest input)
    {
        var published = await journeys.GetPublishedAsync(input.JourneyId, input.Version, CancellationToken.None)
            ?? throw new InvalidOperationException($"Journey '{input.JourneyId}' version {input.Version} is not published.");
        var text = await texts.GetAsync(input.InstanceId, input.Reference, CancellationToken.None);
        if (text is null)
        {
            return ReplyReading.Nothing;
        }

        var locale = (string?)(await contexts.GetAsync(input.InstanceId, CancellationToken.None))?.Customer["locale"];
        var index = await knowledge.IndexForAsync(input.JourneyId, CancellationToken.None);
        var reading = Read(published.Definition, input.Step, input.ConfirmingHandoff, text.Text, locale, index);
        return await ConsultAsync(model, reading, text.Text, locale, index, CancellationToken.None);
    }

    /// <summary>Candidates the optional model may choose among: the best few entries by rank.</summary>
    public const int ModelCandidates = 5;

    /// <summary>
    /// Where the ranking found no entry sure enough for a question or a problem (not a complaint, an upset customer or
    /// an entry marked for a person), the optional model may pick one of the ranked candidates; the answer sent is that
    /// entry's own. A model that fails, picks nothing or names something that is not a candidate changes nothing.
    /// </summary>
    public static async Task<ReplyReading> ConsultAsync(IReplyModel model, ReplyReading reading, string text, string? locale, KnowledgeIndex index, CancellationToken cancellationToken)
    {
        if (reading.Decision != ReplyDecisions.Handoff || reading.Reason?.StartsWith(ReplyUnderstanding.UnsureReason, StringComparison.Ordinal) != true || model is NoReplyModel)
        {
            return reading;
        }

        var ranked = index.Rank(TextTerms.Fold(text), ModelCandidates);
        if (ranked.Count == 0)
        {
            return reading;
        }

        var language = ReplyUnderstanding.Language(TextTerms.Words(TextTerms.Fold(text)), locale);
        var candidates = ranked.Select(m => index.Entry(m) is { } e
                ? new ModelCandidate(e.Id, e.Topic, e.Handoff, e.Questions.TryGetValue(language, out var q) ? q : e.Questions.Values.First())
                : null)
            .OfType<ModelCandidate>()
            .ToList();
        string? picked;
        try
        {
            picked = await model.PickAsync(text, language, candidates, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return reading with { Reason = reading.Reason + "; the model failed" };
        }

        if (ranked.FirstOrDefault(m => m.EntryId == picked) is not { } match)
        {
            return reading;
        }

        var answerLocale = AnswerLocale(index, match, language, locale);
        return match.Handoff
            ? reading with { Knowledge = match.TemplatePath, Locale = answerLocale, Reason = "needs a person: " + match.EntryId + " (model)" }
            : reading with { Decision = ReplyDecisions.Knowledge, Knowledge = match.TemplatePath, Locale = answerLocale, Reason = null, Confidence = Math.Round(match.Confidence, 3) };
    }

    /// <summary>The reading of a reply (pure): the keyword reading of the journey, decided by the reply understanding.</summary>
    public static ReplyReading Read(JourneyDefinition definition, string? step, bool confirmingHandoff, string text, string? locale, KnowledgeIndex index)
    {
        var keywords = ReplyReader.Read(definition, step, confirmingHandoff, text);
        var pending = step is not null ? definition.Step(step) as AskStep : null;
        var understood = ReplyUnderstanding.Read(text, locale, definition, pending, index);
        var confirm = confirmingHandoff
            ? keywords.Confirm ?? ReplyUnderstanding.StepAnswer(ReplyReader.YesNoQuestion, text, TextTerms.Fold(text), TextTerms.Words(TextTerms.Fold(text)))?.Value
            : null;
        var answer = understood.Decision == ReplyDecisions.StepAnswer ? understood.StepAnswer : null;
        var entry = understood.Match is { } match && understood.Decision is ReplyDecisions.Knowledge or ReplyDecisions.Handoff && match.Confidence >= ReplyUnderstanding.Threshold
            ? match
            : null;
        var answerLocale = entry is null ? null : AnswerLocale(index, entry, understood.Language, locale);
        return new ReplyReading(answer?.Value, answer?.Number, confirm, understood.Decision == ReplyDecisions.Person, understood.Decision == ReplyDecisions.Faq ? understood.Faq : null)
        {
            Intent = understood.Intent,
            Decision = understood.Decision,
            Sentiment = understood.Sentiment,
            Knowledge = entry?.TemplatePath,
            Confidence = understood.Match is { } m ? Math.Round(m.Confidence, 3) : null,
            Locale = answerLocale,
            Reason = understood.Decision == ReplyDecisions.Handoff ? understood.Reason : null,
        };
    }

    /// <summary>The language the customer wrote in if the base has it, else their locale's, else the base's first.</summary>
    private static string AnswerLocale(KnowledgeIndex index, KnowledgeMatch match, string written, string? locale)
    {
        var locales = index.Bases.First(b => b.Base.Id == match.BaseId).Base.Locales;
        var language = (locale ?? "").Split('-', '_')[0].ToLowerInvariant();
        return locales.FirstOrDefault(l => l.Split('-')[0] == written)
            ?? locales.FirstOrDefault(l => l.Split('-')[0] == language)
            ?? locales[0];
    }
}

/// <summary>Keeps a record for the team once per record id.</summary>
public sealed class RecordJourneyNoteActivity(ITeamRecords records, IJourneyProgress progress) : TaskActivity<RecordRequest, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, RecordRequest input)
    {
        await records.AddAsync(input.InstanceId, input.RecordId, input.Record, CancellationToken.None);
        if (input.Progress is { } reached)
        {
            await progress.RecordAsync(input.InstanceId, reached, CancellationToken.None);
        }

        return true;
    }
}

/// <summary>Records a journey's end: its outcome, and the steps it reached that no other activity carried.</summary>
public sealed class RecordJourneyProgressActivity(IJourneyProgress progress) : TaskActivity<RecordProgressRequest, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, RecordProgressRequest input)
    {
        await progress.RecordAsync(input.InstanceId, input.Progress, CancellationToken.None);
        return true;
    }
}

/// <summary>Parsed definitions by document text: a memo of a pure function, so replays stay deterministic.</summary>
internal static class ParsedDefinitions
{
    private static readonly ConcurrentDictionary<string, JourneyDefinition> Parsed = new(StringComparer.Ordinal);

    public static JourneyDefinition Of(string document) =>
        Parsed.GetOrAdd(document, static d => JourneyReader.Read(d).Definition
            ?? throw new InvalidOperationException("A published journey document no longer reads."));
}
