using PxFunctions.Harness.Understanding;
using PxFunctions.Journeys.Knowledge;

namespace PxFunctions.Tests.Understanding;

/// <summary>Knowledge-base documents are validated like journeys: every mistake with its path and reason.</summary>
public sealed class KnowledgeReaderTests
{
    [Fact]
    public void ShippedBases_AreValid_AndCoverEveryLocaleTheyDeclare()
    {
        var (_, knowledge) = ReplyCorpus.Shipped();
        Assert.Equal(4, knowledge.Count);
        Assert.Contains(knowledge, k => k.Base.Journeys.Contains(KnowledgeBase.EveryJourney));
        foreach (var entry in knowledge.SelectMany(k => k.Base.Entries.Select(e => (k.Base, e))))
        {
            Assert.Equal(entry.Base.Locales.Order(StringComparer.Ordinal), entry.e.Answer.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(entry.Base.Locales.Order(StringComparer.Ordinal), entry.e.Questions.Keys.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void AnInvalidBase_ReportsEveryErrorWithItsPath()
    {
        const string document = """
            id: Bad Id
            name: Broken
            journeys: []
            locales: [en, fr]
            entries:
              - id: descale
                topic: cleaning
                questions: { en: ["how do I descale"] }
                answer: { en: "Hi {{ customer.nickname }}, see {{ vars.guide }}", fr: "{% if %}" }
              - id: descale
                topic: care
                questions: { en: ["again"], fr: ["encore"] }
                answer: { en: "ok", fr: "ok" }
                colour: blue
            """;
        var (knowledge, errors) = KnowledgeReader.Read(document);
        Assert.Null(knowledge);
        var paths = errors.Select(e => e.Path).ToList();
        Assert.Contains("$.id", paths);
        Assert.Contains("$.journeys", paths);
        Assert.Contains("$.entries[0].topic", paths);
        Assert.Contains("$.entries[0].questions.fr", paths);
        Assert.Contains(errors, e => e.Path == "$.entries[0].answer.en" && e.Message.Contains("customer.nickname", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.entries[0].answer.en" && e.Message.Contains("vars.guide", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.entries[0].answer.fr" && e.Message.Contains("does not parse", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.entries[1].id" && e.Message.Contains("already", StringComparison.Ordinal));
        Assert.Contains("$.entries[1].colour", paths);
    }

    [Theory]
    [InlineData("kb:coffee-machine@3/descale", "coffee-machine", 3, "descale")]
    [InlineData("kb:store@12/damaged-item", "store", 12, "damaged-item")]
    public void TemplatePaths_RoundTrip(string path, string baseId, int version, string entry)
    {
        Assert.Equal(path, KnowledgePaths.Of(baseId, version, entry));
        Assert.True(KnowledgePaths.TryParse(path, out var b, out var v, out var e));
        Assert.Equal((baseId, version, entry), (b, v, e));
        Assert.False(KnowledgePaths.TryParse("steps[2].message", out _, out _, out _));
    }
}
