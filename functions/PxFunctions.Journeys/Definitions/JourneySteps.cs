namespace PxFunctions.Journeys.Definitions;

/// <summary>
/// One step. <see cref="Next"/> is where the journey goes after it (default: the step that follows in the list);
/// <see cref="Stage"/>, when set, makes the journey enter that stage as the step starts.
/// </summary>
public abstract record JourneyStep
{
    public required string Id { get; init; }
    public string? Next { get; init; }
    public string? Stage { get; init; }

    /// <summary>Where the step is in the document (<c>$.steps[3]</c>), for errors.</summary>
    public required string Path { get; init; }

    /// <summary>The step kind as written in documents.</summary>
    public abstract string Type { get; }

    /// <summary>Whether the journey stops here until a timer or an event: a loop must pass through one.</summary>
    public virtual bool Waits => false;

    /// <summary>Every step this one can lead to, with the document path of the reference (for validation).</summary>
    public virtual IEnumerable<(string Target, string Path)> Targets() => Next is null ? [] : [(Next, Path + ".next")];
}

/// <summary>Sends a message on the first channel of <see cref="Channels"/> the customer may receive.</summary>
public sealed record SendStep : JourneyStep
{
    public required MessageClass Class { get; init; }

    /// <summary>Channel preference; null = the journey's.</summary>
    public IReadOnlyList<MessageChannel>? Channels { get; init; }

    public required MessageTemplates Message { get; init; }

    public override string Type => "send";
}

/// <summary>Waits for a duration, until a date computed from order or product fields, or until a local-time window.</summary>
public sealed record WaitStep : JourneyStep
{
    public TimeSpan? Duration { get; init; }
    public WaitUntil? Until { get; init; }
    public LocalWindow? Window { get; init; }

    public override string Type => "wait";
    public override bool Waits => true;
}

/// <summary>
/// A date from a field plus days (a number, or a numeric field such as <c>vars.supply_days</c>) plus an offset:
/// "30 days before a 90-day supply runs out" is <c>{date: order.delivered_at, addDays: vars.supply_days, offset: -P30D}</c>.
/// A date already past lets the journey go on at once.
/// </summary>
public sealed record WaitUntil(string DateField, double? AddDays, string? AddDaysField, TimeSpan Offset, string Path);

/// <summary>A time-of-day window in the customer's zone (e.g. 09:00-11:00 on weekdays).</summary>
public sealed record LocalWindow(TimeOnly From, TimeOnly To, IReadOnlySet<DayOfWeek> Days);

public enum AnswerKind
{
    /// <summary>A number from 1 to <see cref="AskStep.Scale"/> ("5", "five", "5 stars", "4/5").</summary>
    Rating,

    /// <summary>yes/no and their common variants.</summary>
    YesNo,

    /// <summary>One of numbered choices: the number or the choice's words.</summary>
    Choice,

    /// <summary>Replies containing a keyword.</summary>
    Keywords,
}

/// <summary>
/// Asks a question and waits for the reply: a branch per answer (<see cref="On"/> for ratings and yes/no, the
/// choices' or keywords' own targets), <see cref="Unrecognised"/> for other text and <see cref="NoReply"/> when
/// <see cref="Timeout"/> passes. Recognised answers without a branch, and absent targets, go to <see cref="JourneyStep.Next"/>.
/// </summary>
public sealed record AskStep : JourneyStep
{
    public required MessageClass Class { get; init; }
    public IReadOnlyList<MessageChannel>? Channels { get; init; }
    public required MessageTemplates Message { get; init; }
    public required AnswerKind Expect { get; init; }
    public int Scale { get; init; } = 5;
    public IReadOnlyList<AnswerOption> Options { get; init; } = [];

    /// <summary>Rating values ("4", "1-3") or yes/no to a step.</summary>
    public IReadOnlyList<AnswerBranch> On { get; init; } = [];

    public string? Unrecognised { get; init; }
    public string? NoReply { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromDays(3);

    /// <summary>Zero-party fact the answer is kept as (<c>answers.{name}</c>).</summary>
    public string? Record { get; init; }

    public override string Type => "ask";
    public override bool Waits => true;

    public override IEnumerable<(string Target, string Path)> Targets()
    {
        foreach (var t in base.Targets())
        {
            yield return t;
        }

        foreach (var option in Options.Where(o => o.Goto is not null))
        {
            yield return (option.Goto!, option.Path + ".goto");
        }

        foreach (var branch in On)
        {
            yield return (branch.Goto, branch.Path);
        }

        if (Unrecognised is not null)
        {
            yield return (Unrecognised, Path + ".unrecognised");
        }

        if (NoReply is not null)
        {
            yield return (NoReply, Path + ".noReply");
        }
    }
}

/// <summary>A choice or keyword answer: the words that select it, the value recorded, where it leads.</summary>
public sealed record AnswerOption(string Value, string? Label, IReadOnlyList<string> Match, string? Goto, string Path);

/// <summary>Answers from <paramref name="Low"/> to <paramref name="High"/> (ratings), or yes (1) / no (0).</summary>
public sealed record AnswerBranch(string Key, int Low, int High, string Goto, string Path);

/// <summary>The first condition (Liquid, e.g. <c>answers.rating >= 4</c>) that holds picks the step; else <see cref="Else"/>.</summary>
public sealed record BranchStep : JourneyStep
{
    public required IReadOnlyList<BranchCase> When { get; init; }
    public string? Else { get; init; }

    public override string Type => "branch";

    public override IEnumerable<(string Target, string Path)> Targets() =>
        base.Targets()
            .Concat(When.Select(c => (c.Goto, c.Path + ".goto")))
            .Concat(Else is null ? [] : [(Else, Path + ".else")]);
}

public sealed record BranchCase(string If, string Goto, string Path);

public sealed record SetStageStep : JourneyStep
{
    public override string Type => "setStage";
}

/// <summary>
/// Opens a ticket with the recent conversation and pauses the journey until an agent closes it or
/// <see cref="ResumeAfter"/> passes; <see cref="Message"/> tells the customer a person will answer.
/// </summary>
public sealed record HandoffStep : JourneyStep
{
    public required string Reason { get; init; }
    public MessageTemplates? Message { get; init; }
    public TimeSpan ResumeAfter { get; init; } = TimeSpan.FromHours(24);

    public override string Type => "handoff";
    public override bool Waits => true;
}

/// <summary>Records a zero-party fact (<c>answers.{Fact}</c>) from a Liquid template.</summary>
public sealed record RecordStep : JourneyStep
{
    public required string Fact { get; init; }
    public required string Value { get; init; }

    public override string Type => "record";
}

/// <summary>Waits up to <see cref="Within"/> for a business event (a reorder, a review) and branches on whether it came.</summary>
public sealed record GoalStep : JourneyStep
{
    public required string Event { get; init; }
    public required TimeSpan Within { get; init; }
    public string? Reached { get; init; }
    public string? Missed { get; init; }

    public override string Type => "goal";
    public override bool Waits => true;

    public override IEnumerable<(string Target, string Path)> Targets() =>
        base.Targets()
            .Concat(Reached is null ? [] : [(Reached, Path + ".reached")])
            .Concat(Missed is null ? [] : [(Missed, Path + ".missed")]);
}

/// <summary>Ends the journey with an outcome (shown as the instance's output).</summary>
public sealed record EndStep : JourneyStep
{
    public string Outcome { get; init; } = "completed";

    public override string Type => "end";

    public override IEnumerable<(string Target, string Path)> Targets() => [];
}
