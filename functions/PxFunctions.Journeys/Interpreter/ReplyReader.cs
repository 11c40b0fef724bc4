using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>
/// What a customer's reply says, read against the journey's step at the moment it is applied: the answer to the
/// step's question, a yes/no to "shall we get you a person?", a request for a person, or the FAQ it matches. The
/// text itself stays outside the orchestration's history; only this reading enters it.
/// </summary>
/// <param name="Answer">The recognised answer's value (a rating's number as text, yes/no, an option's value).</param>
/// <param name="AnswerNumber">A rating's number (yes = 1, no = 0).</param>
/// <param name="Confirm"><c>yes</c> or <c>no</c> when the journey was confirming a handoff and the reply says so.</param>
/// <param name="Faq">Path of the matching FAQ entry's reply templates.</param>
public sealed record ReplyReading(string? Answer, int? AnswerNumber, string? Confirm, bool WantsPerson, string? Faq)
{
    public static readonly ReplyReading Nothing = new(null, null, null, false, null);

    /// <summary>What the message is (<see cref="Understanding.ReplyIntents"/>); null in readings from before the reply understanding.</summary>
    public string? Intent { get; init; }

    /// <summary>What to do with it (<see cref="Understanding.ReplyDecisions"/>); null: the keyword reading above decides alone.</summary>
    public string? Decision { get; init; }

    /// <summary>From -1 (angry) to 1 (delighted).</summary>
    public double? Sentiment { get; init; }

    /// <summary>The knowledge answer to send (<c>kb:{base}@{version}/{entry}</c>): the answer, or a handoff's acknowledgement.</summary>
    public string? Knowledge { get; init; }

    /// <summary>How sure the knowledge match is (0 to 1).</summary>
    public double? Confidence { get; init; }

    /// <summary>The locale to answer in (the language the customer wrote in, when the knowledge base has it).</summary>
    public string? Locale { get; init; }

    /// <summary>Why a person is needed (intent and entry ids only: it enters the journey's history).</summary>
    public string? Reason { get; init; }
}

/// <summary>Reads a reply for <see cref="JourneyInterpreter"/> (pure: the same text and step give the same reading).</summary>
public static class ReplyReader
{
    /// <summary>"Shall we get you a person?" as a yes/no question.</summary>
    public static readonly AskStep YesNoQuestion = new()
    {
        Id = "confirm",
        Path = "$",
        Class = MessageClass.Service,
        Message = new MessageTemplates { Path = "$" },
        Expect = AnswerKind.YesNo,
    };

    /// <param name="step">The journey's current step (an ask step's answer is read only when it waits for one).</param>
    /// <param name="confirmingHandoff">Whether the journey asked the customer to confirm they want a person.</param>
    public static ReplyReading Read(JourneyDefinition definition, string? step, bool confirmingHandoff, string text)
    {
        var normalized = AnswerReader.Normalize(text);
        var answer = step is not null && definition.Step(step) is AskStep ask ? AnswerReader.Read(ask, text) : null;
        var confirm = confirmingHandoff ? AnswerReader.Read(YesNoQuestion, text)?.Value : null;
        var person = definition.Replies.HandoffKeywords.Any(k => AnswerReader.ContainsWord(normalized, AnswerReader.Normalize(k)));
        var faq = definition.Replies.Faq.FirstOrDefault(f => f.Match.Any(m => AnswerReader.ContainsWord(normalized, AnswerReader.Normalize(m))));
        return new ReplyReading(answer?.Value, answer?.Number, confirm, person, faq?.Reply.Path);
    }
}
