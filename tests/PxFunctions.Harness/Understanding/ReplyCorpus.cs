using System.Globalization;
using System.Text.Json.Nodes;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Knowledge;
using PxFunctions.Journeys.Understanding;

namespace PxFunctions.Harness.Understanding;

/// <summary>One labelled reply: what a customer wrote, where, and what should come of it.</summary>
/// <param name="Expect">A knowledge entry id (it should be answered with it), <c>handoff</c>, or null (nothing to answer).</param>
public sealed record LabelledReply(int Line, string Text, string Lang, string Journey, string? Step, string Intent, string? Expect);

/// <summary>What the app did with one labelled reply.</summary>
/// <param name="Outcome">The entry id answered with, <c>handoff</c>, <c>faq</c> (the journey's own FAQ), or null (nothing sent).</param>
public sealed record ReplyVerdict(LabelledReply Reply, string Intent, string Decision, string? Outcome, double? Confidence, string Reason);

/// <summary>
/// The labelled reply corpus and its score: every reply read exactly as the journey's reply activity reads it
/// (<see cref="ReadJourneyReplyActivity.Read"/> against the shipped journeys and knowledge bases), then intent
/// macro-F1 over every line, precision of the answers sent and recall of handoffs over the lines with an
/// expectation, and handoff recall over complaints.
/// </summary>
public static class ReplyCorpus
{
    public const string Handoff = "handoff";

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PxFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PxFunctions.sln not found above " + AppContext.BaseDirectory);
    }

    public static string DefaultPath => Path.Combine(RepositoryRoot(), "tests", "PxFunctions.Tests", "Understanding", "replies.jsonl");

    public static string HoldoutPath => Path.Combine(RepositoryRoot(), "tests", "PxFunctions.Tests", "Understanding", "replies-holdout.jsonl");

    public static List<LabelledReply> Load(string path)
    {
        var replies = new List<LabelledReply>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var o = JsonNode.Parse(line) as JsonObject ?? throw new FormatException($"{path}:{number}: not a JSON object");
            string Required(string name) => (string?)o[name] ?? throw new FormatException($"{path}:{number}: '{name}' is required");
            var intent = Required("intent");
            if (!ReplyIntents.All.Contains(intent))
            {
                throw new FormatException($"{path}:{number}: intent '{intent}' is not one of {string.Join(", ", ReplyIntents.All)}");
            }

            replies.Add(new LabelledReply(number, Required("text"), Required("lang"), Required("journey"), (string?)o["step"], intent, (string?)o["expect"]));
        }

        return replies;
    }

    /// <summary>The shipped journeys and knowledge bases (version 1 each), as the example loaders publish them.</summary>
    public static (Dictionary<string, JourneyDefinition> Journeys, List<PublishedKnowledge> Knowledge) Shipped()
    {
        var examples = Path.Combine(RepositoryRoot(), "functions", "PxFunctions.Journeys", "Examples");
        var journeys = new Dictionary<string, JourneyDefinition>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(examples, "*.yaml"))
        {
            var (definition, errors) = JourneyValidator.Validate(File.ReadAllText(file));
            journeys[definition?.Id ?? throw new InvalidOperationException($"{file}: {errors[0].Path} {errors[0].Message}")] = definition;
        }

        var knowledge = new List<PublishedKnowledge>();
        foreach (var file in Directory.GetFiles(Path.Combine(examples, "knowledge"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var document = File.ReadAllText(file);
            var (kb, errors) = KnowledgeReader.Read(document);
            knowledge.Add(new PublishedKnowledge(kb ?? throw new InvalidOperationException($"{file}: {errors[0].Path} {errors[0].Message}"), 1, document));
        }

        return (journeys, knowledge);
    }

    public static List<ReplyVerdict> Judge(IReadOnlyList<LabelledReply> replies)
    {
        var (journeys, knowledge) = Shipped();
        var indexes = new Dictionary<string, KnowledgeIndex>(StringComparer.Ordinal);
        var verdicts = new List<ReplyVerdict>();
        foreach (var reply in replies)
        {
            var definition = journeys.TryGetValue(reply.Journey, out var d) ? d : throw new InvalidOperationException($"line {reply.Line}: no shipped journey '{reply.Journey}'");
            if (!indexes.TryGetValue(reply.Journey, out var index))
            {
                index = indexes[reply.Journey] = new KnowledgeIndex(knowledge.Where(k => k.Base.Serves(reply.Journey)));
            }

            var pending = reply.Step is { } step ? definition.Step(step) as AskStep ?? throw new InvalidOperationException($"line {reply.Line}: '{step}' is not an ask step") : null;
            var understood = ReplyUnderstanding.Read(reply.Text, reply.Lang, definition, pending, index);
            var reading = ReadJourneyReplyActivity.Read(definition, reply.Step, false, reply.Text, reply.Lang, index);
            var outcome = reading.Decision switch
            {
                ReplyDecisions.Knowledge when reading.Knowledge is { } path && KnowledgePaths.TryParse(path, out _, out _, out var entry) => entry,
                ReplyDecisions.Handoff or ReplyDecisions.Person => Handoff,
                ReplyDecisions.Faq => "faq",
                _ => null,
            };
            verdicts.Add(new ReplyVerdict(reply, understood.Intent, understood.Decision, outcome, understood.Match?.Confidence, understood.Reason));
        }

        return verdicts;
    }

    /// <summary>The scores of a judged corpus as one JSON object.</summary>
    public static JsonObject Score(IReadOnlyList<ReplyVerdict> verdicts)
    {
        var perIntent = new JsonObject();
        var f1s = new List<double>();
        foreach (var intent in ReplyIntents.All)
        {
            var tp = verdicts.Count(v => v.Reply.Intent == intent && v.Intent == intent);
            var fp = verdicts.Count(v => v.Reply.Intent != intent && v.Intent == intent);
            var fn = verdicts.Count(v => v.Reply.Intent == intent && v.Intent != intent);
            if (tp + fp + fn == 0)
            {
                continue;
            }

            var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
            var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            f1s.Add(f1);
            perIntent[intent] = new JsonObject { ["precision"] = Round(precision), ["recall"] = Round(recall), ["f1"] = Round(f1), ["support"] = tp + fn };
        }

        var expecting = verdicts.Where(v => v.Reply.Expect is not null).ToList();
        var sent = expecting.Where(v => v.Outcome is not null and not Handoff).ToList();
        var sentRight = sent.Count(v => v.Outcome == v.Reply.Expect);
        var answerable = expecting.Count(v => v.Reply.Expect != Handoff);
        var handoffs = expecting.Where(v => v.Reply.Expect == Handoff).ToList();
        var complaints = verdicts.Where(v => v.Reply.Intent == ReplyIntents.Complaint).ToList();
        return new JsonObject
        {
            ["lines"] = verdicts.Count,
            ["intent_macro_f1"] = Round(f1s.Count == 0 ? 0 : f1s.Average()),
            ["intent_accuracy"] = Round(verdicts.Count == 0 ? 0 : (double)verdicts.Count(v => v.Intent == v.Reply.Intent) / verdicts.Count),
            ["answers_sent"] = sent.Count,
            ["answer_precision"] = Round(sent.Count == 0 ? 0 : (double)sentRight / sent.Count),
            ["answer_recall"] = Round(answerable == 0 ? 0 : (double)sentRight / answerable),
            ["handoff_recall"] = Round(handoffs.Count == 0 ? 0 : (double)handoffs.Count(v => v.Outcome == Handoff) / handoffs.Count),
            ["complaint_handoff_recall"] = Round(complaints.Count == 0 ? 0 : (double)complaints.Count(v => v.Outcome == Handoff) / complaints.Count),
            ["handoffs_expected"] = handoffs.Count,
            ["complaints"] = complaints.Count,
            ["per_intent"] = perIntent,
            ["per_language_intent_accuracy"] = new JsonObject(verdicts.GroupBy(v => v.Reply.Lang).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)Round((double)g.Count(v => v.Intent == v.Reply.Intent) / g.Count())))),
        };
    }

    /// <summary>Lines where the intent or the outcome differs from the label, for reading.</summary>
    public static IEnumerable<string> Misses(IReadOnlyList<ReplyVerdict> verdicts) =>
        verdicts.Where(v => v.Intent != v.Reply.Intent || (v.Reply.Expect is not null && v.Outcome != v.Reply.Expect && !(v.Reply.Expect == Handoff && v.Outcome == Handoff)))
            .Select(v => string.Create(CultureInfo.InvariantCulture,
                $"line {v.Reply.Line} [{v.Reply.Lang} {v.Reply.Journey}{(v.Reply.Step is null ? "" : " @" + v.Reply.Step)}] intent {v.Reply.Intent}->{v.Intent}, expect {v.Reply.Expect ?? "-"}->{v.Outcome ?? "-"} ({v.Confidence:0.00}; {v.Reason}): {v.Reply.Text}"));

    /// <summary>For lines expecting an entry or a handoff: how the top match's confidence separates right from wrong.</summary>
    public static IEnumerable<string> Calibration(IReadOnlyList<ReplyVerdict> verdicts)
    {
        var (journeys, knowledge) = Shipped();
        var rows = new List<(double Confidence, bool Right, bool Handoff, bool TopHandoff)>();
        foreach (var v in verdicts.Where(v => v.Reply.Expect is not null && v.Reply.Intent is ReplyIntents.Question or ReplyIntents.Problem))
        {
            var index = new KnowledgeIndex(knowledge.Where(k => k.Base.Serves(v.Reply.Journey)));
            var top = index.Rank(TextTerms.Fold(v.Reply.Text)).FirstOrDefault();
            rows.Add((top?.Confidence ?? 0, top is not null && top.EntryId == v.Reply.Expect, v.Reply.Expect == Handoff, top?.Handoff ?? false));
        }

        for (var t = 0.1; t < 0.75; t += 0.05)
        {
            var above = rows.Where(r => r.Confidence >= t).ToList();
            yield return string.Create(CultureInfo.InvariantCulture,
                $"threshold {t:0.00}: above {above.Count}, right {above.Count(r => r.Right)}, wrong entry {above.Count(r => !r.Right && !r.Handoff)}, handoff lines answered {above.Count(r => r.Handoff && !r.TopHandoff)}, handoff lines to a handoff entry {above.Count(r => r.Handoff && r.TopHandoff)}");
        }
    }

    private static double Round(double value) => Math.Round(value, 3);
}
