using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Channels.Compliance;

/// <summary>What an inbound text asks for before any journey sees it.</summary>
public enum KeywordIntent
{
    None,
    OptOut,
    OptIn,
    Help,
}

/// <summary>
/// STOP, START and HELP and their common variants. Since 11 April 2025 (FCC, 47 CFR 64.1200(a)(10)) consent can be
/// revoked "by any reasonable means", so besides the carrier keywords we treat plain-language requests ("please stop
/// texting me", "no más") as revocations. A reply that merely contains a keyword ("can't stop using it!") is not one:
/// the keyword must be the whole reply, lead a short reply, or come as one of the phrases below.
/// </summary>
public static class OptOutKeywords
{
    private static readonly HashSet<string> Stop = new(StringComparer.Ordinal)
    {
        "stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "revoke", "opt out", "optout", "remove",
        "arret", "arrêt", "arrete", "arrête", "alto", "para", "basta", "no mas", "no más", "baja",
    };

    private static readonly string[] StopPhrases =
    [
        "stop texting", "stop messaging", "stop sending", "stop contacting", "stop the texts", "stop these texts",
        "dont text", "don t text", "do not text", "dont message", "do not message", "dont contact", "do not contact",
        "remove me", "take me off", "unsubscribe me", "opt me out", "no more texts", "no more messages",
        "leave me alone", "no mas mensajes", "no más mensajes", "no me escriban", "ne plus recevoir",
    ];

    private static readonly HashSet<string> Start = new(StringComparer.Ordinal) { "start", "unstop", "subscribe", "resubscribe", "yes start", "opt in", "optin" };

    private static readonly HashSet<string> Help = new(StringComparer.Ordinal) { "help", "info", "ayuda", "aide" };

    public static KeywordIntent Classify(string text)
    {
        var normalized = AnswerReader.Normalize(text);
        if (normalized.Length == 0)
        {
            return KeywordIntent.None;
        }

        if (Stop.Contains(normalized) || StopPhrases.Any(p => AnswerReader.ContainsWord(normalized, p)) || LeadsShort(normalized, Stop))
        {
            return KeywordIntent.OptOut;
        }

        if (Start.Contains(normalized))
        {
            return KeywordIntent.OptIn;
        }

        return Help.Contains(normalized) ? KeywordIntent.Help : KeywordIntent.None;
    }

    /// <summary>"STOP please", "stop it now": a keyword first in a reply of at most four words.</summary>
    private static bool LeadsShort(string normalized, HashSet<string> keywords)
    {
        var words = normalized.Split(' ');
        return words.Length <= 4 && keywords.Contains(words[0]) && words[0] is not ("end" or "cancel" or "para" or "remove");
    }
}
