using PxFunctions.Harness.Understanding;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Understanding;

namespace PxFunctions.Tests.Understanding;

/// <summary>What the reply understanding does with typical messages against the shipped journeys and knowledge bases.</summary>
public sealed class ReplyUnderstandingTests
{
    private static readonly (Dictionary<string, JourneyDefinition> Journeys, List<PxFunctions.Journeys.Knowledge.PublishedKnowledge> Knowledge) Shipped = ReplyCorpus.Shipped();

    private static PxFunctions.Journeys.Understanding.Understanding Read(string journey, string text, string locale = "en", string? step = null)
    {
        var definition = Shipped.Journeys[journey];
        var index = new KnowledgeIndex(Shipped.Knowledge.Where(k => k.Base.Serves(journey)));
        return ReplyUnderstanding.Read(text, locale, definition, step is null ? null : (AskStep)definition.Step(step)!, index);
    }

    [Theory]
    [InlineData("how do I descale it?", "en")]
    [InlineData("how do i descale my mashine", "en")]
    [InlineData("comment détartrer la machine ?", "fr")]
    [InlineData("como descalcifico la cafetera?", "es")]
    public void AQuestionTheBaseKnows_IsAnsweredByItsEntry_InAnyLanguageAndWithTypos(string text, string locale)
    {
        var understood = Read("coffee-machine", text, locale);
        Assert.Equal(ReplyDecisions.Knowledge, understood.Decision);
        Assert.Equal("descale", understood.Match!.EntryId);
        Assert.True(understood.Match.Confidence >= ReplyUnderstanding.Threshold);
    }

    [Theory]
    [InlineData("my machine leaks")]
    [InlineData("there is water leaking under the machine")]
    public void ALeak_GoesToAPerson_ThroughTheEntryMarkedForOne(string text)
    {
        var understood = Read("coffee-machine", text);
        Assert.Equal(ReplyDecisions.Handoff, understood.Decision);
        Assert.Equal("machine-leak", understood.Match!.EntryId);
    }

    [Theory]
    [InlineData("This is the worst machine I have ever bought, I want a refund now!!", "en")]
    [InlineData("Estoy harta, es la tercera vez que pido ayuda y nadie responde", "es")]
    [InlineData("Inadmissible, je veux être remboursé", "fr")]
    public void AComplaint_GoesToAPerson_WithNegativeSentiment(string text, string locale)
    {
        var understood = Read("coffee-machine", text, locale);
        Assert.Equal(ReplyIntents.Complaint, understood.Intent);
        Assert.Equal(ReplyDecisions.Handoff, understood.Decision);
        Assert.True(understood.Sentiment < 0, understood.Sentiment.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void AQuestionNoEntryAnswers_GoesToAPerson_InsteadOfAGuess()
    {
        var understood = Read("coffee-machine", "Can I use the machine on a boat running off a 12 volt inverter?");
        Assert.Equal(ReplyDecisions.Handoff, understood.Decision);
        Assert.StartsWith("no confident answer", understood.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3", "setup-check", "leak")]
    [InlineData("oui bien sûr", "warranty", "yes")]
    [InlineData("cinco", "results-check", "5")]
    public void TheAnswerToThePendingQuestion_IsReadAsTheAnswer(string text, string step, string value)
    {
        var journey = step == "results-check" ? "skincare-serum" : "coffee-machine";
        var understood = Read(journey, text, "fr", step);
        Assert.Equal(ReplyDecisions.StepAnswer, understood.Decision);
        Assert.Equal(value, understood.StepAnswer!.Value);
    }

    [Theory]
    [InlineData("Love it, best coffee I've had at home!", ReplyIntents.Praise)]
    [InlineData("can I talk to a real person please", ReplyIntents.Person)]
    [InlineData("who is this?", ReplyIntents.Other)]
    public void PraisePeopleAndChatter_AreToldApart(string text, string intent)
    {
        var understood = Read("coffee-machine", text);
        Assert.Equal(intent, understood.Intent);
        Assert.Equal(intent == ReplyIntents.Person ? ReplyDecisions.Person : ReplyDecisions.Keep, understood.Decision);
    }

    [Fact]
    public void Terms_FoldAccentsStretchedLettersAndWordForms()
    {
        Assert.Equal("tres decu so bad", TextTerms.Fold("Très DÉÇU, soooo bad!!!"));
        Assert.Equal(TextTerms.Stem("leaking"), TextTerms.Stem("leaks"));
        Assert.Equal(TextTerms.Stem("descaling"), TextTerms.Stem("descaled"));
        Assert.Equal(1, TextTerms.Distance("descale", "decsale", 2));
    }
}
