using PxFunctions.Journeys.Knowledge;

namespace PxFunctions.Journeys.Understanding;

/// <summary>A knowledge entry a message was matched to, and how sure the match is.</summary>
/// <param name="Score">The BM25 score of the entry.</param>
/// <param name="Coverage">The share of the message's topic words (weighted by rarity) that the entry knows.</param>
/// <param name="Margin">How far ahead of the next entry it is (0 = a tie, 1 = alone).</param>
/// <param name="Confidence">From 0 to 1: coverage and margin together; answers are sent above a threshold.</param>
public sealed record KnowledgeMatch(string BaseId, int Version, string EntryId, bool Handoff, double Score, double Coverage, double Margin, double Confidence)
{
    public string TemplatePath => KnowledgePaths.Of(BaseId, Version, EntryId);
}

/// <summary>
/// The knowledge entries a journey's replies are ranked against: Okapi BM25 over each entry's questions and keywords
/// (every locale, keywords counted twice), with the bases' synonym groups folded to one term and words that are
/// not in the index read as the nearest indexed word within one or two edits (typos). Built once per set of
/// published versions; reading it is pure and thread-safe.
/// </summary>
public sealed class KnowledgeIndex
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    private readonly List<Document> _documents = [];
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _synonyms = new(StringComparer.Ordinal);
    private readonly List<(string Phrase, string Canonical)> _phrases = [];
    private readonly double _averageLength;

    /// <summary>A multi-word synonym is replaced by this and a number before the words are cut, then read as its group.</summary>
    private const string PhraseMarker = "zzphrase";

    private sealed record Document(PublishedKnowledge Base, KnowledgeEntry Entry, Dictionary<string, int> Terms, int Length, HashSet<string> Keywords);

    public KnowledgeIndex(IEnumerable<PublishedKnowledge> bases)
    {
        Bases = bases.ToList();
        foreach (var published in Bases)
        {
            foreach (var group in published.Base.Synonyms.Values.SelectMany(g => g))
            {
                var canonical = group.Select(m => TextTerms.Terms(TextTerms.Fold(m))).FirstOrDefault(t => t.Count > 0)?[0];
                if (canonical is null)
                {
                    continue;
                }

                foreach (var member in group)
                {
                    var folded = TextTerms.Fold(member);
                    var terms = TextTerms.Terms(folded);
                    if (terms.Count == 1)
                    {
                        _synonyms.TryAdd(terms[0], canonical);
                    }
                    else if (terms.Count > 1)
                    {
                        var marker = PhraseMarker + _phrases.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        _phrases.Add((" " + folded + " ", " " + marker + " "));
                        _synonyms[marker] = canonical;
                    }
                }
            }
        }

        foreach (var published in Bases)
        {
            foreach (var entry in published.Base.Entries)
            {
                var terms = new Dictionary<string, int>(StringComparer.Ordinal);
                void Add(string text, int weight)
                {
                    foreach (var term in Analyse(text))
                    {
                        terms[term] = terms.GetValueOrDefault(term) + weight;
                    }
                }

                foreach (var question in entry.Questions.Values.SelectMany(q => q))
                {
                    Add(question, 1);
                }

                var keywords = new HashSet<string>(StringComparer.Ordinal);
                foreach (var keyword in entry.Keywords.Values.SelectMany(k => k))
                {
                    Add(keyword, 2);
                    keywords.UnionWith(Analyse(keyword));
                }

                Add(entry.Id.Replace('-', ' '), 1);
                _documents.Add(new Document(published, entry, terms, terms.Values.Sum(), keywords));
                foreach (var term in terms.Keys)
                {
                    _documentFrequency[term] = _documentFrequency.GetValueOrDefault(term) + 1;
                }
            }
        }

        _averageLength = _documents.Count == 0 ? 1 : _documents.Average(d => (double)d.Length);
        Vocabulary = _documentFrequency.Keys.OrderBy(t => t, StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyList<PublishedKnowledge> Bases { get; }

    public IReadOnlyList<string> Vocabulary { get; }

    public bool IsEmpty => _documents.Count == 0;

    /// <summary>A message's terms as the index knows them: synonyms folded, unknown words read as their nearest indexed word.</summary>
    public List<(string Term, bool Known)> Read(string folded)
    {
        var result = new List<(string, bool)>();
        foreach (var stem in TextTerms.Terms(Phrased(folded)))
        {
            var term = _synonyms.GetValueOrDefault(stem, stem);
            if (_documentFrequency.ContainsKey(term))
            {
                result.Add((term, true));
                continue;
            }

            var near = Nearest(stem);
            result.Add(near is null ? (term, false) : (_synonyms.GetValueOrDefault(near, near), true));
        }

        return result;
    }

    /// <summary>The best entries for a message, best first (at most <paramref name="count"/>).</summary>
    public List<KnowledgeMatch> Rank(string folded, int count = 3)
    {
        var terms = Read(folded);
        if (_documents.Count == 0 || terms.Count == 0)
        {
            return [];
        }

        var distinct = terms.Select(t => t.Term).Distinct(StringComparer.Ordinal).ToList();
        var unknownWeight = Idf(0) * 0.5;
        var scored = _documents
            .Select(d => (Document: d, Score: distinct.Sum(t => TermScore(d, t))))
            .Where(s => s.Score > 0)
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.Document.Entry.Id, StringComparer.Ordinal)
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        var total = distinct.Sum(t => _documentFrequency.TryGetValue(t, out var df) ? Idf(df) : unknownWeight);
        var matches = new List<KnowledgeMatch>();
        for (var i = 0; i < Math.Min(count, scored.Count); i++)
        {
            var (document, score) = scored[i];
            var covered = distinct.Where(document.Terms.ContainsKey).Sum(t => Idf(_documentFrequency[t]));
            var coverage = total > 0 ? covered / total : 0;
            var next = scored.Skip(i + 1).FirstOrDefault(s => s.Document.Entry.Id != document.Entry.Id).Score;
            var margin = score > 0 ? (score - next) / score : 0;
            var confidence = Math.Clamp(coverage * (0.55 + (0.45 * margin)), 0, 1);
            var known = distinct.Where(_documentFrequency.ContainsKey).ToList();
            if (known.Count == 1 && !document.Keywords.Contains(known[0]))
            {
                // One word in common, and not one the entry is known by: too little to answer on.
                confidence /= 2;
            }

            matches.Add(new KnowledgeMatch(document.Base.Base.Id, document.Base.Version, document.Entry.Id, document.Entry.Handoff, score, coverage, margin, confidence));
        }

        return matches;
    }

    public KnowledgeEntry? Entry(KnowledgeMatch match) =>
        _documents.FirstOrDefault(d => d.Base.Base.Id == match.BaseId && d.Entry.Id == match.EntryId)?.Entry;

    private double TermScore(Document document, string term)
    {
        if (!document.Terms.TryGetValue(term, out var frequency))
        {
            return 0;
        }

        var idf = Idf(_documentFrequency[term]);
        return idf * (frequency * (K1 + 1)) / (frequency + (K1 * (1 - B + (B * document.Length / _averageLength))));
    }

    private double Idf(int documentFrequency) =>
        Math.Log(1 + ((_documents.Count - documentFrequency + 0.5) / (documentFrequency + 0.5)));

    private string? Nearest(string stem)
    {
        var tolerance = TextTerms.Tolerance(stem.Length);
        if (tolerance == 0)
        {
            return null;
        }

        string? best = null;
        var bestDistance = tolerance + 1;
        foreach (var candidate in Vocabulary)
        {
            if (candidate.Length < 4 || Math.Abs(candidate.Length - stem.Length) > tolerance)
            {
                continue;
            }

            var distance = TextTerms.Distance(stem, candidate, Math.Min(tolerance, TextTerms.Tolerance(candidate.Length)));
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best;
    }

    private IEnumerable<string> Analyse(string text)
    {
        return TextTerms.Terms(Phrased(TextTerms.Fold(text))).Select(t => _synonyms.GetValueOrDefault(t, t));
    }

    private string Phrased(string folded)
    {
        var text = " " + folded + " ";
        foreach (var (phrase, marker) in _phrases)
        {
            text = text.Replace(phrase, marker, StringComparison.Ordinal);
        }

        return text.Trim();
    }
}

/// <summary>An entry offered to the optional model: its id, topic and how customers ask it (never its answer).</summary>
public sealed record ModelCandidate(string EntryId, string Topic, bool Handoff, IReadOnlyList<string> Questions);

/// <summary>
/// An optional language model that may pick which of the ranked knowledge entries answers a message the ranking was
/// not sure of. It only chooses among the candidates it is given (anything else is ignored) and never writes what
/// the customer receives: the answer is always the entry's own text. Without one, everything works the same.
/// </summary>
public interface IReplyModel
{
    /// <summary>The id of the candidate that fully answers the message, or null (none does, or no model).</summary>
    Task<string?> PickAsync(string text, string language, IReadOnlyList<ModelCandidate> candidates, CancellationToken cancellationToken);
}

/// <summary>No model: the deterministic reading decides alone.</summary>
public sealed class NoReplyModel : IReplyModel
{
    public Task<string?> PickAsync(string text, string language, IReadOnlyList<ModelCandidate> candidates, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
