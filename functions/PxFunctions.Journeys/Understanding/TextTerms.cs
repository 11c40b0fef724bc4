using System.Text;
using System.Text.RegularExpressions;

namespace PxFunctions.Journeys.Understanding;

/// <summary>
/// The words of a customer's message as the ranking and the intent rules compare them: folded (lower case, no
/// accents, contractions spelled out, stretched letters shortened), split, stop words dropped, and cut to a light
/// stem that English, Spanish and French words share with their plurals and verb forms ("leaks", "leaking" and
/// "leak" are one term; so are "détartrer" and "détartrage"). Pure and deterministic.
/// </summary>
public static partial class TextTerms
{
    /// <summary>Lower case without accents; apostrophes and punctuation become spaces; "n't" becomes " not"; three or more of a letter ("soooo", "pleeease") become one.</summary>
    public static string Fold(string text)
    {
        var lowered = text.ToLowerInvariant()
            .Replace("n't", " not", StringComparison.Ordinal)
            .Replace("n’t", " not", StringComparison.Ordinal);
        var builder = new StringBuilder(lowered.Length);
        foreach (var c in lowered)
        {
            if (c is >= '\u0300' and <= '\u036f')
            {
                // A combining accent (text that arrived decomposed).
                continue;
            }

            if (c == '?' || c == '\u00bf')
            {
                builder.Append(" ? ");
            }
            else if (Unaccented.TryGetValue(c, out var plain))
            {
                builder.Append(plain);
            }
            else
            {
                builder.Append(char.IsLetterOrDigit(c) ? c : ' ');
            }
        }

        var stretched = Stretched().Replace(builder.ToString(), "$1");
        return string.Join(' ', stretched.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => Contractions.GetValueOrDefault(w, w)));
    }

    /// <summary>
    /// Accented letters of the Latin alphabets and their plain forms. A table rather than Unicode normalisation: the
    /// app runs with invariant globalization, where normalising leaves non-ASCII text as it is.
    /// </summary>
    private static readonly Dictionary<char, string> Unaccented = BuildUnaccented();

    private static Dictionary<char, string> BuildUnaccented()
    {
        var table = new Dictionary<char, string>();
        foreach (var (plain, accented) in new[]
        {
            ("a", "àáâãäåāăą"), ("c", "çćĉċč"), ("e", "èéêëēĕėęě"),
            ("i", "ìíîïĩīĭįı"), ("n", "ñńņň"), ("o", "òóôõöøōŏő"),
            ("u", "ùúûüũūŭůűų"), ("y", "ýÿŷ"), ("ss", "ß"), ("ae", "æ"), ("oe", "œ"),
        })
        {
            foreach (var c in accented)
            {
                table[c] = plain;
            }
        }

        return table;
    }

    /// <summary>English contractions typed without their apostrophe.</summary>
    private static readonly Dictionary<string, string> Contractions = new(StringComparer.Ordinal)
    {
        ["doesnt"] = "does not", ["dont"] = "do not", ["cant"] = "can not", ["wont"] = "wo not", ["isnt"] = "is not", ["didnt"] = "did not",
        ["hasnt"] = "has not", ["havent"] = "have not", ["wasnt"] = "was not", ["arent"] = "are not", ["aint"] = "is not", ["couldnt"] = "could not",
    };

    /// <summary>The folded words, question marks dropped.</summary>
    public static string[] Words(string folded) =>
        folded.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w != "?").ToArray();

    /// <summary>
    /// A light stem: common English, Spanish and French endings cut (twice at most), never below three letters,
    /// then at most eight letters kept.
    /// </summary>
    public static string Stem(string word)
    {
        var stem = word;
        for (var pass = 0; pass < 2; pass++)
        {
            if (stem.Length < 4 || stem.All(char.IsDigit))
            {
                break;
            }

            var cut = Suffixes.FirstOrDefault(s => stem.Length - s.Length >= 3 && stem.EndsWith(s, StringComparison.Ordinal));
            if (cut is null)
            {
                break;
            }

            stem = stem[..^cut.Length];
        }

        return stem.Length > 8 ? stem[..8] : stem;
    }

    private static readonly string[] Suffixes =
    [
        "issements", "issement", "ements", "ement", "aciones", "acion", "ations", "ation", "amente", "mente", "iendo", "ando",
        "ings", "ing", "edly", "ies", "ied", "ers", "ed", "er", "es", "os", "as", "ez", "ar", "ir", "ly", "s", "e", "a", "o",
    ];

    /// <summary>Words that carry no topic in English, Spanish or French (folded).</summary>
    public static readonly IReadOnlySet<string> StopWords = new HashSet<string>(
    [
        // English
        "a", "an", "the", "i", "im", "me", "my", "mine", "we", "our", "you", "your", "it", "its", "this", "that", "these", "those",
        "is", "am", "are", "was", "were", "be", "been", "being", "do", "does", "did", "doing", "have", "has", "had", "having",
        "and", "or", "but", "so", "if", "then", "of", "to", "in", "on", "at", "for", "with", "from", "by", "about", "as", "into",
        "up", "out", "just", "really", "very", "too", "also", "still", "any", "some", "there", "here", "what", "which", "who",
        "can", "could", "would", "should", "will", "shall", "may", "might", "must", "get", "got", "gets", "ive", "id", "ill",
        "please", "pls", "plz", "hi", "hello", "hey", "thanks", "thank", "thx", "ty", "ok", "okay", "lol", "u", "ur", "r",
        "how", "when", "where", "why", "one", "all", "again", "now", "today", "yet", "like", "know", "want", "need", "tell",
        "much", "many", "more", "bit", "thing", "stuff", "guys", "oh", "um", "well", "yes", "yeah", "no", "not",
        // Spanish
        "el", "la", "los", "las", "un", "una", "unos", "unas", "y", "o", "pero", "de", "del", "al", "en", "con", "por", "para",
        "que", "se", "su", "sus", "mi", "mis", "tu", "tus", "yo", "es", "son", "esta", "estan", "este", "esto", "eso", "muy",
        "ya", "lo", "le", "les", "nos", "hay", "como", "cuando", "donde", "porque", "pq", "hola", "gracias", "favor", "tengo",
        "tiene", "ser", "estar", "fue", "era", "mas", "tambien", "algo", "puedo", "puede", "hacer", "quiero", "q", "si",
        // French
        "le", "les", "une", "des", "du", "et", "ou", "mais", "a", "au", "aux", "avec", "pour", "par", "sur", "dans", "ce", "cet",
        "cette", "ces", "je", "j", "tu", "il", "elle", "on", "nous", "vous", "ils", "mon", "ma", "mes", "ton", "votre", "vos",
        "est", "sont", "suis", "ai", "avez", "ont", "c", "l", "d", "qu", "n", "s", "m", "t", "ne", "pas", "plus", "tres",
        "bonjour", "salut", "merci", "svp", "stp", "comment", "quand", "quoi", "oui", "non", "faire", "fait", "peux", "peut",
    ], StringComparer.Ordinal);

    /// <summary>The stems of a message's topic words (stop words dropped).</summary>
    public static List<string> Terms(string folded) =>
        Words(folded).Where(w => !StopWords.Contains(w) && w.Length > 1).Select(Stem).ToList();

    /// <summary>Optimal string alignment distance (edits, with swapped neighbours as one), stopping past <paramref name="limit"/>.</summary>
    public static int Distance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit)
        {
            return limit + 1;
        }

        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            var best = int.MaxValue;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }

                d[i, j] = value;
                best = Math.Min(best, value);
            }

            if (best > limit)
            {
                return limit + 1;
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>How many edits a word of this length may carry and still be read as another: none below 4 letters.</summary>
    public static int Tolerance(int length) => length switch { < 4 => 0, < 7 => 1, _ => 2 };

    [GeneratedRegex(@"(\p{L})\1{2,}")]
    private static partial Regex Stretched();
}
