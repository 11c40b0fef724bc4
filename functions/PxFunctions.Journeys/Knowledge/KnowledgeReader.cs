using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Templates;

namespace PxFunctions.Journeys.Knowledge;

/// <summary>
/// Reads and validates a knowledge-base document (YAML or JSON) the way journeys are: every problem with its path
/// and reason, all at once. A valid base has every entry's questions and answer in every locale it declares, unique
/// entry ids, known topics, and answers whose Liquid parses and names only fields every journey's messages have
/// (a base can serve many journeys, so a journey's own <c>answers</c> and <c>vars</c> are not available).
/// </summary>
public static partial class KnowledgeReader
{
    private static readonly string[] BaseFields = ["id", "name", "journeys", "locales", "synonyms", "entries"];
    private static readonly string[] EntryFields = ["id", "topic", "questions", "keywords", "answer", "subject", "handoff"];

    /// <summary>An answer longer than this is more than a text message should carry (two or three segments).</summary>
    public const int MaxAnswerChars = 480;

    public static (KnowledgeBase? Base, IReadOnlyList<JourneyError> Errors) Read(string text)
    {
        var (node, error) = JourneyDocument.Parse(text);
        return error is not null ? (null, [error]) : Read(node);
    }

    public static (KnowledgeBase? Base, IReadOnlyList<JourneyError> Errors) Read(JsonNode? node)
    {
        var r = new DocumentReader();
        var result = ReadBase(r, node);
        return r.Errors.Count > 0 ? (null, r.Errors) : (result, []);
    }

    private static KnowledgeBase? ReadBase(DocumentReader r, JsonNode? node)
    {
        const string path = "$";
        var obj = r.Object(node, path, BaseFields);
        if (obj is null)
        {
            return null;
        }

        var id = r.String(obj, "id", path, required: true, IdPattern(), "must be 2-64 lowercase letters, digits and '-', starting with a letter or digit");
        var name = r.String(obj, "name", path, required: true);
        var journeys = r.Strings(obj, "journeys", path, JourneysPattern(), "is not a journey id (or * for every journey)");
        if (journeys.Count == 0)
        {
            r.Error(DocumentReader.Child(path, "journeys"), "must name at least one journey id, or * for every journey.");
        }

        var locales = r.Strings(obj, "locales", path, LocalePattern(), "is not a locale such as en or es-MX");
        if (locales.Count == 0)
        {
            r.Error(DocumentReader.Child(path, "locales"), "must name at least one locale (every entry has its questions and answer in each).");
        }

        var synonyms = Synonyms(r, obj, path, locales);
        var entries = new List<KnowledgeEntry>();
        var array = r.Array(obj, "entries", path, required: true);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (array?.Count ?? 0); i++)
        {
            var at = DocumentReader.Item(DocumentReader.Child(path, "entries"), i);
            if (Entry(r, array![i], at, locales) is { } entry)
            {
                if (!seen.Add(entry.Id))
                {
                    r.Error(DocumentReader.Child(at, "id"), $"'{entry.Id}' is already the id of another entry.");
                }

                entries.Add(entry);
            }
        }

        if (array is { Count: 0 })
        {
            r.Error(DocumentReader.Child(path, "entries"), "must hold at least one entry.");
        }

        return id is null || name is null ? null : new KnowledgeBase(id, name, journeys, locales, synonyms, entries);
    }

    private static Dictionary<string, IReadOnlyList<IReadOnlyList<string>>> Synonyms(DocumentReader r, JsonObject obj, string path, List<string> locales)
    {
        var result = new Dictionary<string, IReadOnlyList<IReadOnlyList<string>>>(StringComparer.Ordinal);
        if (!obj.TryGetPropertyValue("synonyms", out var node) || node is null)
        {
            return result;
        }

        var at = DocumentReader.Child(path, "synonyms");
        var perLocale = r.Object(node, at, locales);
        foreach (var (locale, groupsNode) in perLocale ?? [])
        {
            var localeAt = DocumentReader.Child(at, locale);
            if (groupsNode is not JsonArray groups)
            {
                r.Error(localeAt, "must be a list of word groups such as [descale, limescale, scale].");
                continue;
            }

            var list = new List<IReadOnlyList<string>>();
            for (var i = 0; i < groups.Count; i++)
            {
                var words = groups[i] is JsonArray g ? g.Select(w => w is JsonValue v && v.TryGetValue<string>(out var s) ? s.Trim() : null).ToList() : null;
                if (words is null || words.Count < 2 || words.Any(string.IsNullOrWhiteSpace))
                {
                    r.Error(DocumentReader.Item(localeAt, i), "must be a list of at least two words or phrases.");
                    continue;
                }

                list.Add(words!);
            }

            result[locale] = list;
        }

        return result;
    }

    private static KnowledgeEntry? Entry(DocumentReader r, JsonNode? node, string at, List<string> locales)
    {
        var obj = r.Object(node, at, EntryFields);
        if (obj is null)
        {
            return null;
        }

        var id = r.String(obj, "id", at, required: true, IdPattern(), "must be 2-64 lowercase letters, digits and '-', starting with a letter or digit");
        var topic = r.String(obj, "topic", at, required: true);
        if (topic is not null && !KnowledgeTopics.All.Contains(topic))
        {
            r.Error(DocumentReader.Child(at, "topic"), $"'{topic}' is not a topic (use one of {string.Join(", ", KnowledgeTopics.All)}).");
        }

        var questions = PerLocaleLists(r, obj, "questions", at, locales, required: true);
        var keywords = PerLocaleLists(r, obj, "keywords", at, locales, required: false);
        var answer = PerLocaleTexts(r, obj, "answer", at, locales, required: true);
        var subject = PerLocaleTexts(r, obj, "subject", at, locales, required: false);
        foreach (var (locale, text) in answer)
        {
            var answerAt = DocumentReader.Child(DocumentReader.Child(at, "answer"), locale);
            Liquid(r, text, answerAt);
            if (text.Length > MaxAnswerChars)
            {
                r.Error(answerAt, $"is {text.Length} characters; an answer by text message should stay under {MaxAnswerChars}.");
            }
        }

        foreach (var (locale, text) in subject)
        {
            Liquid(r, text, DocumentReader.Child(DocumentReader.Child(at, "subject"), locale));
        }

        var handoff = r.Bool(obj, "handoff", at) ?? false;
        return id is null || topic is null ? null : new KnowledgeEntry(id, topic, questions, keywords, answer, subject, handoff, at);
    }

    private static Dictionary<string, IReadOnlyList<string>> PerLocaleLists(DocumentReader r, JsonObject obj, string key, string at, List<string> locales, bool required)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var keyAt = DocumentReader.Child(at, key);
        if (!obj.TryGetPropertyValue(key, out var node) || node is null)
        {
            if (required)
            {
                r.Error(keyAt, $"is required: per locale ({string.Join(", ", locales)}), a list of phrases.");
            }

            return result;
        }

        var perLocale = r.Object(node, keyAt, locales);
        foreach (var locale in locales)
        {
            var list = perLocale is not null ? r.Strings(perLocale, locale, keyAt) : [];
            if (list.Count > 0)
            {
                result[locale] = list;
            }
            else if (required && perLocale is not null)
            {
                r.Error(DocumentReader.Child(keyAt, locale), "is required: at least one phrase in this locale.");
            }
        }

        return result;
    }

    private static Dictionary<string, string> PerLocaleTexts(DocumentReader r, JsonObject obj, string key, string at, List<string> locales, bool required)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var keyAt = DocumentReader.Child(at, key);
        if (!obj.TryGetPropertyValue(key, out var node) || node is null)
        {
            if (required)
            {
                r.Error(keyAt, $"is required: per locale ({string.Join(", ", locales)}), the text.");
            }

            return result;
        }

        var perLocale = r.Object(node, keyAt, locales);
        foreach (var locale in locales)
        {
            if (perLocale is not null && r.String(perLocale, locale, keyAt, required: required) is { } text)
            {
                result[locale] = text;
            }
        }

        return result;
    }

    private static void Liquid(DocumentReader r, string source, string path)
    {
        if (!LiquidTemplates.TryParse(source, out var template, out var error))
        {
            r.Error(path, $"the Liquid answer does not parse: {error}");
            return;
        }

        var (paths, filters) = LiquidTemplates.References(template);
        foreach (var field in paths)
        {
            var normalized = LiquidTemplates.Normalize(field);
            var root = normalized.Split('.', '[')[0];
            if (root is "answers" or "vars")
            {
                r.Error(path, $"names '{field}': a knowledge base serves journeys that record different answers and vars, so answers use {string.Join(", ", TemplateModel.Roots.Where(x => x is not ("answers" or "vars")))} only.");
            }
            else if (!TemplateModel.Fields.Contains(normalized))
            {
                r.Error(path, $"names unknown variable '{field}'.");
            }
        }

        foreach (var filter in filters.Where(f => !LiquidTemplates.IsFilter(f)))
        {
            r.Error(path, $"uses unknown Liquid filter '{filter}'.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^(\*|[a-z0-9][a-z0-9-]{1,63})$")]
    private static partial Regex JourneysPattern();

    [GeneratedRegex("^[a-z]{2,3}(-[A-Z]{2})?$")]
    private static partial Regex LocalePattern();
}
