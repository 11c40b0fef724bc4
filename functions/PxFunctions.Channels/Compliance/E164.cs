using PhoneNumbers;

namespace PxFunctions.Channels.Compliance;

/// <summary>Phone numbers as the ledger, the log and routing key them: E.164.</summary>
public static class E164
{
    public static PhoneNumberUtil Parser { get; } = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// The number in E.164, or null when it is not a valid number. A national format is read in
    /// <paramref name="countryCode"/> (ISO 3166-1 alpha-2), the US when none is known.
    /// </summary>
    public static string? Of(string? raw, string? countryCode = null)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        try
        {
            var number = Parser.Parse(raw, string.IsNullOrWhiteSpace(countryCode) ? "US" : countryCode.ToUpperInvariant());
            return Parser.IsValidNumber(number) ? Parser.Format(number, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }
}
