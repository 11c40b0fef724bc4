using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>A recognised answer: the value recorded (a rating, yes/no, an option's value) and its number (rating, 1 = yes).</summary>
public sealed record Answer(string Value, int Number, AnswerOption? Option);

/// <summary>
/// Understands a customer's reply to an ask step the way people actually answer a text: "5", "five", "5 stars",
/// "4/5", "⭐⭐⭐⭐"; "yes", "Yep!", "no thanks"; "2" or the words of a choice; a keyword anywhere in the text.
/// </summary>
public static partial class AnswerReader
{
    private static readonly string[] NumberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

    private static readonly HashSet<string> Yes = new(StringComparer.Ordinal)
    {
        "yes", "y", "yeah", "yep", "yup", "ya", "sure", "ok", "okay", "absolutely", "definitely", "of course", "please", "yes please", "si", "sí", "oui", "ja", "👍",
    };

    private static readonly HashSet<string> No = new(StringComparer.Ordinal)
    {
        "no", "n", "nope", "nah", "not really", "no thanks", "no thank you", "non", "nein", "👎",
    };

    public static Answer? Read(AskStep ask, string text)
    {
        var normalized = Normalize(text);
        return ask.Expect switch
        {
            AnswerKind.Rating => Rating(normalized, text, ask.Scale),
            AnswerKind.YesNo => YesNo(normalized),
            AnswerKind.Choice => Choice(normalized, ask.Options),
            _ => Keyword(normalized, ask.Options),
        };
    }

    private static Answer? Rating(string normalized, string raw, int scale)
    {
        var stars = raw.Count(c => c == '⭐') + raw.Count(c => c == '★');
        if (stars is > 0 && stars <= scale && normalized.Trim('⭐', '★', ' ').Length == 0)
        {
            return Number(stars);
        }

        var match = RatingPattern().Match(normalized);
        if (match.Success)
        {
            var value = int.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            var outOf = match.Groups["of"].Success ? int.Parse(match.Groups["of"].Value, CultureInfo.InvariantCulture) : scale;
            return value >= 1 && value <= scale && outOf == scale ? Number(value) : null;
        }

        var word = Array.IndexOf(NumberWords, normalized.Split(' ')[0]);
        return word >= 1 && word <= scale && normalized.Split(' ').Length <= 3 ? Number(word) : null;

        static Answer Number(int n) => new(n.ToString(CultureInfo.InvariantCulture), n, null);
    }

    private static Answer? YesNo(string normalized)
    {
        var words = normalized.TrimEnd('!', '.', ' ');
        if (Yes.Contains(words) || Yes.Contains(words.Split(' ')[0]) && !words.Contains("not", StringComparison.Ordinal))
        {
            return new Answer("yes", 1, null);
        }

        return No.Contains(words) || No.Contains(words.Split(' ')[0]) ? new Answer("no", 0, null) : null;
    }

    private static Answer? Choice(string normalized, IReadOnlyList<AnswerOption> options)
    {
        if (int.TryParse(normalized.TrimEnd('.', ')'), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= options.Count)
        {
            return new Answer(options[n - 1].Value, n, options[n - 1]);
        }

        for (var i = 0; i < options.Count; i++)
        {
            var words = options[i].Match.Append(options[i].Value).Concat(options[i].Label is { } l ? [l] : []).Select(Normalize);
            if (words.Any(w => w.Length > 0 && (normalized == w || ContainsWord(normalized, w))))
            {
                return new Answer(options[i].Value, i + 1, options[i]);
            }
        }

        return null;
    }

    private static Answer? Keyword(string normalized, IReadOnlyList<AnswerOption> options)
    {
        for (var i = 0; i < options.Count; i++)
        {
            if (options[i].Match.Select(Normalize).Any(w => w.Length > 0 && ContainsWord(normalized, w)))
            {
                return new Answer(options[i].Value, i + 1, options[i]);
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="phrase"/> appears in <paramref name="text"/> as whole words.</summary>
    public static bool ContainsWord(string text, string phrase) =>
        $" {text} ".Contains($" {phrase} ", StringComparison.Ordinal);

    /// <summary>Lower case, accents kept, punctuation turned into spaces, runs of spaces collapsed.</summary>
    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            builder.Append(char.IsLetterOrDigit(c) || c is '/' or '⭐' or '★' || char.IsSurrogate(c) ? c : ' ');
        }

        return SpacesPattern().Replace(builder.ToString(), " ").Trim();
    }

    [GeneratedRegex(@"^(?<n>\d{1,2})(\s*(/|out of|of)\s*(?<of>\d{1,2}))?(\s*(stars?|points?))?$")]
    private static partial Regex RatingPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpacesPattern();
}
