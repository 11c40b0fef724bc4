using System.Globalization;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Journeys.Understanding;

/// <summary>What a customer's message is (the labels of the reply corpus).</summary>
public static class ReplyIntents
{
    public const string Answer = "answer";
    public const string Question = "question";
    public const string Problem = "problem";
    public const string Complaint = "complaint";
    public const string Praise = "praise";
    public const string Person = "person";
    public const string Other = "other";

    public static readonly IReadOnlyList<string> All = [Answer, Question, Problem, Complaint, Praise, Person, Other];
}

/// <summary>What the journey does with a message.</summary>
public static class ReplyDecisions
{
    /// <summary>It answers the question the journey asked.</summary>
    public const string StepAnswer = "answer";

    /// <summary>The customer asked for a person: confirm, then hand over.</summary>
    public const string Person = "person";

    /// <summary>A person must deal with it: acknowledge and hand over.</summary>
    public const string Handoff = "handoff";

    /// <summary>A knowledge entry answers it.</summary>
    public const string Knowledge = "knowledge";

    /// <summary>The journey's own FAQ (keywords in its definition) answers it.</summary>
    public const string Faq = "faq";

    /// <summary>Nothing to do but keep it for the team (praise, thanks, chatter).</summary>
    public const string Keep = "keep";
}

/// <param name="Sentiment">From -1 (angry) to 1 (delighted).</param>
/// <param name="Language">The language the message is written in (en, es, fr), or the hint when unclear.</param>
/// <param name="Match">The best knowledge entry, whether or not it is sure enough to send.</param>
/// <param name="Reason">Why a handoff (for the ticket), or why this decision.</param>
public sealed record Understanding(
    string Intent,
    double Sentiment,
    string Language,
    Answer? StepAnswer,
    KnowledgeMatch? Match,
    string? Faq,
    string Decision,
    string Reason);

/// <summary>
/// Reads a customer's message the way a support agent would, deterministically and locally: is it the answer to
/// the question the journey asked, a request for a person, a complaint, a problem, a question, praise or chatter;
/// how do they feel; and which knowledge entry answers it, how surely. A knowledge answer is sent only above
/// <see cref="Threshold"/>; below it, and for complaints, requests for a person, entries marked for a person and
/// angry messages, a person takes over. English, Spanish and French; typos and stretched letters tolerated.
/// </summary>
public static class ReplyUnderstanding
{
    /// <summary>The confidence a knowledge answer needs to be sent (a wrong answer is worse than a handoff).</summary>
    public const double Threshold = 0.55;

    /// <summary>A message with no sign of its intent that matches an entry this well is about the product.</summary>
    private const double SaysSomethingAbove = 0.25;

    /// <summary>How the reason of a handoff for want of a sure answer starts (the optional model may still find one).</summary>
    public const string UnsureReason = "no confident answer";

    /// <summary>Below this sentiment a problem goes to a person even when an entry answers it.</summary>
    public const double AngryBelow = -0.6;

    public static Understanding Read(string text, string? localeHint, JourneyDefinition? definition, AskStep? pending, KnowledgeIndex? index)
    {
        var folded = TextTerms.Fold(text);
        var padded = " " + folded + " ";
        var words = TextTerms.Words(folded);
        var stems = words.Select(TextTerms.Stem).ToList();
        var language = Language(words, localeHint);

        var person = IntentLexicon.Person.Count(p => padded.Contains(p, StringComparison.Ordinal))
            + (definition?.Replies.HandoffKeywords.Count(k => padded.Contains(" " + TextTerms.Fold(k) + " ", StringComparison.Ordinal)) ?? 0);
        var complaint = IntentLexicon.Score(IntentLexicon.Complaint, padded, stems);
        var problem = IntentLexicon.Score(IntentLexicon.Problem, padded, stems);
        var praise = IntentLexicon.Score(IntentLexicon.Praise, padded, stems) + IntentLexicon.Emoji(text);
        var negated = IntentLexicon.NegatedPraise(words);
        praise = Math.Max(0, praise - (2 * negated));
        var question = folded.Contains('?', StringComparison.Ordinal) || IntentLexicon.QuestionStarts.Any(q => padded.StartsWith(q, StringComparison.Ordinal))
            || IntentLexicon.QuestionAnywhere.Any(q => padded.Contains(q, StringComparison.Ordinal));
        var chatter = IntentLexicon.Chatter.Any(c => padded.Contains(c, StringComparison.Ordinal)) || words.Length == 0;
        var shouting = words.Length >= 3 && text.Count(char.IsUpper) > 0.6 * text.Count(char.IsLetter) && text.Count(char.IsLetter) > 10;
        var exclaimed = text.Contains("!!", StringComparison.Ordinal);

        var negative = (2.0 * complaint) + (0.4 * problem) + (2.0 * negated) + (shouting ? 1 : 0) + (exclaimed && complaint + problem > 0 ? 0.5 : 0);
        var sentiment = Math.Round(Math.Tanh((praise - negative) / 3.0), 3);

        var answer = pending is null ? null : StepAnswer(pending, text, folded, words);
        var matches = index is { IsEmpty: false } ? index.Rank(folded) : [];
        var match = matches.FirstOrDefault();
        // The journey's own keyword FAQ answers only where no knowledge base serves it (the bases supersede it).
        var faq = matches.Count > 0 || index is { IsEmpty: false } ? null : definition?.Replies.Faq.FirstOrDefault(f => f.Match.Any(m => padded.Contains(" " + TextTerms.Fold(m) + " ", StringComparison.Ordinal)))?.Reply.Path;
        var confident = match is { Confidence: >= Threshold };

        string intent;
        if (complaint >= 2 || (complaint >= 1 && (shouting || exclaimed || sentiment <= AngryBelow)))
        {
            intent = person > 0 && complaint < 3 ? ReplyIntents.Person : ReplyIntents.Complaint;
        }
        else if (person > 0)
        {
            intent = ReplyIntents.Person;
        }
        else if (answer is not null && Answers(answer, words, question, problem, pending!))
        {
            intent = ReplyIntents.Answer;
        }
        else if (chatter && problem == 0)
        {
            intent = ReplyIntents.Other;
        }
        else if (problem > 0 && problem >= praise && !(question && problem <= 2 && AsksFirst(padded)))
        {
            intent = ReplyIntents.Problem;
        }
        else if (question)
        {
            intent = ReplyIntents.Question;
        }
        else if (praise > 0)
        {
            intent = ReplyIntents.Praise;
        }
        else if (answer is not null)
        {
            intent = ReplyIntents.Answer;
        }
        else if (confident || faq is not null || match is { Confidence: >= SaysSomethingAbove })
        {
            // No sign of what it is, but it is about something the knowledge base knows: a statement about the
            // product is most often a problem.
            intent = ReplyIntents.Problem;
        }
        else
        {
            intent = ReplyIntents.Other;
        }

        var (decision, reason) = intent switch
        {
            ReplyIntents.Answer => (ReplyDecisions.StepAnswer, "answers " + pending!.Id),
            ReplyIntents.Person => (ReplyDecisions.Person, "customer asked for a person"),
            ReplyIntents.Complaint => (ReplyDecisions.Handoff, "complaint"),
            ReplyIntents.Question or ReplyIntents.Problem when sentiment <= AngryBelow => (ReplyDecisions.Handoff, "upset customer: " + intent),
            ReplyIntents.Question or ReplyIntents.Problem when confident && match!.Handoff => (ReplyDecisions.Handoff, "needs a person: " + match.EntryId),
            ReplyIntents.Question or ReplyIntents.Problem when confident => (ReplyDecisions.Knowledge, "answered by " + match!.TemplatePath),
            ReplyIntents.Question or ReplyIntents.Problem when faq is not null => (ReplyDecisions.Faq, "answered by the journey's FAQ"),
            ReplyIntents.Question or ReplyIntents.Problem => (ReplyDecisions.Handoff, $"{UnsureReason} to a {intent}"
                + (match is null ? "" : $" (best {match.EntryId} at {match.Confidence.ToString("0.00", CultureInfo.InvariantCulture)})")),
            _ => (ReplyDecisions.Keep, intent),
        };

        return new Understanding(intent, sentiment, language, answer, match, faq, decision, reason);
    }

    /// <summary>Whether the message opens as a question ("how", "is it normal", "¿por qué") rather than reporting first.</summary>
    private static bool AsksFirst(string padded) =>
        IntentLexicon.QuestionStarts.Any(q => padded.StartsWith(q, StringComparison.Ordinal)) || padded.StartsWith(" ? ", StringComparison.Ordinal);

    /// <summary>Whether a recognised answer is what the message is: a number or yes/no always; a word match only in a short message.</summary>
    private static bool Answers(Answer answer, string[] words, bool question, int problem, AskStep pending)
    {
        if (pending.Expect is AnswerKind.Rating or AnswerKind.YesNo)
        {
            return words.Length <= 8 || !question;
        }

        var numbered = words.Length > 0 && int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out _);
        return numbered || words.Length <= 5 || (!question && problem == 0);
    }

    /// <summary>The answer to the pending question: the journey's reader first, then words of other languages and typos.</summary>
    public static Answer? StepAnswer(AskStep ask, string text, string folded, string[] words)
    {
        if (AnswerReader.Read(ask, text) is { } direct)
        {
            return direct;
        }

        switch (ask.Expect)
        {
            case AnswerKind.YesNo:
                var head = string.Join(' ', words.Take(3));
                if (IntentLexicon.Yes.Any(y => (" " + head + " ").Contains(" " + y + " ", StringComparison.Ordinal)) && !IntentLexicon.No.Any(n => (" " + head + " ").Contains(" " + n + " ", StringComparison.Ordinal)))
                {
                    return new Answer("yes", 1, null);
                }

                return IntentLexicon.No.Any(n => (" " + head + " ").StartsWith(" " + n + " ", StringComparison.Ordinal)) ? new Answer("no", 0, null) : null;
            case AnswerKind.Rating:
                foreach (var word in words.Take(4))
                {
                    if (IntentLexicon.NumberWords.TryGetValue(word, out var n) && n >= 1 && n <= ask.Scale)
                    {
                        return new Answer(n.ToString(CultureInfo.InvariantCulture), n, null);
                    }

                    if (int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= ask.Scale)
                    {
                        return new Answer(number.ToString(CultureInfo.InvariantCulture), number, null);
                    }
                }

                return null;
            default:
                if (words.Length > 0 && int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var choice) && choice >= 1 && choice <= ask.Options.Count && ask.Expect == AnswerKind.Choice)
                {
                    return new Answer(ask.Options[choice - 1].Value, choice, ask.Options[choice - 1]);
                }

                var stems = words.Where(w => !TextTerms.StopWords.Contains(w)).Select(TextTerms.Stem).ToList();
                for (var i = 0; i < ask.Options.Count; i++)
                {
                    var option = ask.Options[i];
                    var optionStems = option.Match.Append(option.Value).Concat(option.Label is { } l ? [l] : [])
                        .SelectMany(m => TextTerms.Words(TextTerms.Fold(m))).Where(w => !TextTerms.StopWords.Contains(w)).Select(TextTerms.Stem).ToHashSet(StringComparer.Ordinal);
                    if (stems.Any(s => optionStems.Contains(s) || optionStems.Any(o => o.Length >= 5 && TextTerms.Distance(s, o, 1) <= 1)))
                    {
                        return new Answer(option.Value, i + 1, option);
                    }
                }

                return null;
        }
    }

    /// <summary>The message's language by its common words; the hint when they do not tell.</summary>
    public static string Language(string[] words, string? hint)
    {
        var hinted = (hint ?? "en").Split('-', '_')[0].ToLowerInvariant();
        var scores = IntentLexicon.LanguageWords.ToDictionary(l => l.Key, l => words.Count(l.Value.Contains));
        var best = scores.MaxBy(s => s.Value);
        return best.Value >= 1 && best.Value > scores.GetValueOrDefault(hinted) ? best.Key : hinted;
    }
}
