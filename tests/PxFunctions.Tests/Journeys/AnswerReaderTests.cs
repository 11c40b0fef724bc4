using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Tests.Journeys;

public sealed class AnswerReaderTests
{
    private static AskStep Ask(AnswerKind kind, params AnswerOption[] options) => new()
    {
        Id = "q",
        Path = "$",
        Class = MessageClass.Service,
        Message = new MessageTemplates { Path = "$" },
        Expect = kind,
        Options = options,
    };

    [Theory]
    [InlineData("5", "5")]
    [InlineData(" 4 ", "4")]
    [InlineData("five", "5")]
    [InlineData("Three!", "3")]
    [InlineData("4/5", "4")]
    [InlineData("4 out of 5", "4")]
    [InlineData("5 stars", "5")]
    [InlineData("⭐⭐⭐", "3")]
    [InlineData("6", null)]
    [InlineData("4/10", null)]
    [InlineData("I'd say it's fine", null)]
    [InlineData("0", null)]
    public void Rating(string reply, string? expected) =>
        Assert.Equal(expected, AnswerReader.Read(Ask(AnswerKind.Rating), reply)?.Value);

    [Theory]
    [InlineData("yes", "yes")]
    [InlineData("Yep!", "yes")]
    [InlineData("YES please", "yes")]
    [InlineData("oui", "yes")]
    [InlineData("Sí", "yes")]
    [InlineData("no", "no")]
    [InlineData("Nope.", "no")]
    [InlineData("no thanks", "no")]
    [InlineData("non", "no")]
    [InlineData("maybe later", null)]
    [InlineData("sure not", null)]
    public void YesNo(string reply, string? expected) =>
        Assert.Equal(expected, AnswerReader.Read(Ask(AnswerKind.YesNo), reply)?.Value);

    [Theory]
    [InlineData("1", "dry")]
    [InlineData("2.", "oily")]
    [InlineData("Oily", "oily")]
    [InlineData("quite flaky today", "dry")]
    [InlineData("3", null)]
    [InlineData("combination", null)]
    public void Choice(string reply, string? expected) =>
        Assert.Equal(expected, AnswerReader.Read(Ask(AnswerKind.Choice, new AnswerOption("dry", "Dry", ["flaky"], null, "$"), new AnswerOption("oily", "Oily", [], null, "$")), reply)?.Value);

    [Theory]
    [InlineData("DONE", "done")]
    [InlineData("all done thanks", "done")]
    [InlineData("how do I do it?", "guide")]
    [InlineData("undone", null)]
    public void Keywords(string reply, string? expected) =>
        Assert.Equal(expected, AnswerReader.Read(Ask(AnswerKind.Keywords, new AnswerOption("done", null, ["done", "finished"], null, "$"), new AnswerOption("guide", null, ["how", "help"], null, "$")), reply)?.Value);
}
