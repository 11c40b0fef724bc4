namespace PxFunctions.Journeys.Templates;

/// <summary>How an SMS text is encoded and how many segments (billed messages) it takes.</summary>
public sealed record SmsLength(string Encoding, int Units, int Segments);

/// <summary>
/// GSM 03.38 or UCS-2, as carriers count: GSM-7 holds 160 characters in one segment and 153 per segment when
/// concatenated, and its extension characters take two; any other character switches the whole message to UCS-2
/// (70 / 67 UTF-16 units).
/// </summary>
public static class SmsSegments
{
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string Extension = "^{}\\[~]|€\f";

    public static SmsLength Measure(string text)
    {
        var units = 0;
        foreach (var c in text)
        {
            if (Basic.Contains(c, StringComparison.Ordinal))
            {
                units += 1;
            }
            else if (Extension.Contains(c, StringComparison.Ordinal))
            {
                units += 2;
            }
            else
            {
                return Ucs2(text);
            }
        }

        return new SmsLength("GSM-7", units, units <= 160 ? 1 : (int)Math.Ceiling(units / 153.0));
    }

    private static SmsLength Ucs2(string text) =>
        new("UCS-2", text.Length, text.Length <= 70 ? 1 : (int)Math.Ceiling(text.Length / 67.0));
}
