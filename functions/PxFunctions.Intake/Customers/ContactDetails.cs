using PhoneNumbers;
using PxFunctions.Channels.Compliance;

namespace PxFunctions.Intake.Customers;

/// <summary>
/// Phone numbers to E.164 (libphonenumber, the shipping country as the default region) and a customer's time zone:
/// the number's, when it has exactly one; else the shipping state's (US, where one zone covers most of the state);
/// else unknown, and the journey's default applies.
/// </summary>
public static class ContactDetails
{
    private static readonly PhoneNumberToTimeZonesMapper Zones = PhoneNumberToTimeZonesMapper.GetInstance();

    /// <summary>The zone covering most of each US state (a state split between zones takes its larger part).</summary>
    private static readonly Dictionary<string, string> UsStates = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AL"] = "America/Chicago", ["AK"] = "America/Anchorage", ["AZ"] = "America/Phoenix", ["AR"] = "America/Chicago",
        ["CA"] = "America/Los_Angeles", ["CO"] = "America/Denver", ["CT"] = "America/New_York", ["DE"] = "America/New_York",
        ["DC"] = "America/New_York", ["FL"] = "America/New_York", ["GA"] = "America/New_York", ["HI"] = "Pacific/Honolulu",
        ["ID"] = "America/Boise", ["IL"] = "America/Chicago", ["IN"] = "America/Indiana/Indianapolis", ["IA"] = "America/Chicago",
        ["KS"] = "America/Chicago", ["KY"] = "America/New_York", ["LA"] = "America/Chicago", ["ME"] = "America/New_York",
        ["MD"] = "America/New_York", ["MA"] = "America/New_York", ["MI"] = "America/Detroit", ["MN"] = "America/Chicago",
        ["MS"] = "America/Chicago", ["MO"] = "America/Chicago", ["MT"] = "America/Denver", ["NE"] = "America/Chicago",
        ["NV"] = "America/Los_Angeles", ["NH"] = "America/New_York", ["NJ"] = "America/New_York", ["NM"] = "America/Denver",
        ["NY"] = "America/New_York", ["NC"] = "America/New_York", ["ND"] = "America/Chicago", ["OH"] = "America/New_York",
        ["OK"] = "America/Chicago", ["OR"] = "America/Los_Angeles", ["PA"] = "America/New_York", ["RI"] = "America/New_York",
        ["SC"] = "America/New_York", ["SD"] = "America/Chicago", ["TN"] = "America/Chicago", ["TX"] = "America/Chicago",
        ["UT"] = "America/Denver", ["VT"] = "America/New_York", ["VA"] = "America/New_York", ["WA"] = "America/Los_Angeles",
        ["WV"] = "America/New_York", ["WI"] = "America/Chicago", ["WY"] = "America/Denver", ["PR"] = "America/Puerto_Rico",
    };

    public static string? TimeZone(string? e164, string? countryCode, string? provinceCode)
    {
        if (e164 is not null)
        {
            try
            {
                var zones = Zones.GetTimeZonesForNumber(E164.Parser.Parse(e164, null));
                if (zones is [var zone] && zone != Zones.GetUnknownTimeZone())
                {
                    return zone;
                }
            }
            catch (NumberParseException)
            {
                // Not a number after all: fall back to the address.
            }
        }

        return string.Equals(countryCode, "US", StringComparison.OrdinalIgnoreCase) && provinceCode is not null && UsStates.TryGetValue(provinceCode, out var state)
            ? state
            : null;
    }
}
