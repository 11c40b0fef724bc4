namespace PxFunctions.Channels.Dispatch;

/// <summary>
/// The brand, as messages name it: help text for HELP, the postal address CAN-SPAM requires in marketing email, and the
/// store's address for what knows no shop of its own (a simulated order; live orders name their shop).
/// </summary>
public sealed record BrandSettings(string Name, string HelpText, string? PostalAddress, string? SupportEmail, Uri? StoreUrl = null)
{
    public static BrandSettings Default { get; } = new("Our store", "Reply STOP to opt out. For help, contact us.", null, null);
}

/// <summary>How often journeys may write to one customer, across all journeys (replies and confirmations excluded).</summary>
public sealed record FrequencyCap(int Messages, TimeSpan Window)
{
    public static FrequencyCap Default { get; } = new(3, TimeSpan.FromDays(7));
}

/// <summary>The dispatcher's settings: public address for links, the brand, the cap, and how long a hold may last.</summary>
public sealed record DispatchSettings
{
    /// <summary>Where customers reach the app (answer and unsubscribe links), e.g. <c>https://px.example.com</c>.</summary>
    public required Uri PublicBaseUrl { get; init; }

    public BrandSettings Brand { get; init; } = BrandSettings.Default;
    public FrequencyCap Cap { get; init; } = FrequencyCap.Default;

    /// <summary>A message held longer than this (a cap that never frees) is suppressed instead.</summary>
    public TimeSpan MaxHold { get; init; } = TimeSpan.FromDays(14);

    /// <summary>How long a worker owns a message it is sending before another may take over.</summary>
    public TimeSpan SendLease { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>How long answer links in emails work.</summary>
    public TimeSpan AnswerLinkLifetime { get; init; } = TimeSpan.FromDays(14);
}
