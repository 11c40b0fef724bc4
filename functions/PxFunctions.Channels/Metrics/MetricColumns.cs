using System.Text;

namespace PxFunctions.Channels.Metrics;

/// <summary>
/// Column names of an aggregate row: <c>m_{counter}</c> for the counters of <see cref="MetricDefinitions.Counters"/>,
/// <c>f_{version}_{hex}</c> for a funnel step (stage and step hex-encoded: a column name allows letters, digits and
/// <c>_</c> only), <c>q_{version}_{hex}</c> and <c>a_{version}_{hex}</c> for the questions an ask step asked and the
/// answers it got, <c>o_{hex}</c> for an outcome, <c>j_{hex}</c> on the all-journeys row for a journey seen that day.
/// </summary>
public static class MetricColumns
{
    public const string CounterPrefix = "m_";
    public const string FunnelPrefix = "f_";
    public const string OutcomePrefix = "o_";
    public const string JourneyPrefix = "j_";
    public const string AskedPrefix = "q_";
    public const string AnsweredPrefix = "a_";

    public static string Counter(string name) => CounterPrefix + name;

    public static string Funnel(int version, string stage, string step) => $"{FunnelPrefix}{version}_{Hex(stage + "\u001f" + step)}";

    public static string Outcome(string outcome) => OutcomePrefix + Hex(outcome);

    /// <summary>Questions sent by an ask step of a journey version.</summary>
    public static string Asked(int version, string step) => $"{AskedPrefix}{version}_{Hex(step)}";

    /// <summary>Answers the customer gave to an ask step of a journey version.</summary>
    public static string Answered(int version, string step) => $"{AnsweredPrefix}{version}_{Hex(step)}";

    /// <summary>The version and step of an <see cref="Asked"/> or <see cref="Answered"/> column.</summary>
    public static (int Version, string Step) ParseQuestion(string column)
    {
        var rest = column[2..];
        var split = rest.IndexOf('_', StringComparison.Ordinal);
        return (int.Parse(rest[..split], System.Globalization.CultureInfo.InvariantCulture), Unhex(rest[(split + 1)..]));
    }

    public static string Journey(string journey) => JourneyPrefix + Hex(journey);

    public static (int Version, string Stage, string Step) ParseFunnel(string column)
    {
        var rest = column[FunnelPrefix.Length..];
        var split = rest.IndexOf('_', StringComparison.Ordinal);
        var parts = Unhex(rest[(split + 1)..]).Split('\u001f', 2);
        return (int.Parse(rest[..split], System.Globalization.CultureInfo.InvariantCulture), parts[0], parts.Length > 1 ? parts[1] : "");
    }

    public static string Unhex(string hex) => Encoding.UTF8.GetString(Convert.FromHexString(hex));

    private static string Hex(string text) => Convert.ToHexString(Encoding.UTF8.GetBytes(text));
}
