using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Journeys.Knowledge;

/// <summary>
/// What a brand knows about a product (care, setup, troubleshooting, policies), as data: entries that customers'
/// replies are matched to, each with the answer to send per locale, or a mark that a person must deal with it.
/// Published in versions like journeys; a journey's reply is read against the latest version that serves it.
/// </summary>
/// <param name="Journeys">The journey ids it serves; <c>*</c> serves every journey.</param>
/// <param name="Synonyms">Per locale, groups of words customers use for the same thing (first word = the group's name).</param>
public sealed record KnowledgeBase(
    string Id,
    string Name,
    IReadOnlyList<string> Journeys,
    IReadOnlyList<string> Locales,
    IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<string>>> Synonyms,
    IReadOnlyList<KnowledgeEntry> Entries)
{
    public const string EveryJourney = "*";

    public bool Serves(string journeyId) => Journeys.Contains(EveryJourney) || Journeys.Contains(journeyId);

    public KnowledgeEntry? Entry(string id) => Entries.FirstOrDefault(e => e.Id == id);
}

/// <summary>What a knowledge entry is about.</summary>
public static class KnowledgeTopics
{
    public static readonly IReadOnlyList<string> All = ["care", "setup", "troubleshooting", "policies", "product"];
}

/// <param name="Questions">Per locale, ways customers ask it (the text replies are ranked against).</param>
/// <param name="Keywords">Per locale, distinctive words that weigh more than the questions' words.</param>
/// <param name="Answer">The reply per locale: SMS text and email body (Liquid), with <see cref="KnowledgeEntry.Subject"/> for email.</param>
/// <param name="Handoff">A person must deal with it: the answer acknowledges and the journey hands the customer over.</param>
public sealed record KnowledgeEntry(
    string Id,
    string Topic,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Questions,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Keywords,
    IReadOnlyDictionary<string, string> Answer,
    IReadOnlyDictionary<string, string> Subject,
    bool Handoff,
    string Path)
{
    /// <summary>The entry's answer as message templates (path <c>kb:{base}@{version}/{entry}</c>) for the renderer.</summary>
    public MessageTemplates Templates(string templatePath) => new()
    {
        Path = templatePath,
        Sms = Answer,
        Email = Answer.ToDictionary(
            a => a.Key,
            a => new EmailTemplate(Subject.GetValueOrDefault(a.Key) ?? "", "", a.Value)),
    };
}

/// <summary>A published version of a knowledge base.</summary>
public sealed record PublishedKnowledge(KnowledgeBase Base, int Version, string Document);

/// <summary>Template paths of knowledge answers: <c>kb:{base}@{version}/{entry}</c>.</summary>
public static class KnowledgePaths
{
    public const string Prefix = "kb:";

    public static string Of(string baseId, int version, string entryId) => $"{Prefix}{baseId}@{version}/{entryId}";

    public static bool TryParse(string path, out string baseId, out int version, out string entryId)
    {
        (baseId, version, entryId) = ("", 0, "");
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var at = path.IndexOf('@', StringComparison.Ordinal);
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (at < 0 || slash < at || !int.TryParse(path.AsSpan(at + 1, slash - at - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version))
        {
            return false;
        }

        baseId = path[Prefix.Length..at];
        entryId = path[(slash + 1)..];
        return baseId.Length > 0 && entryId.Length > 0;
    }
}
