using System.Text.Json;

namespace PxFunctions.Channels.Compliance;

/// <summary>A daily window in local time when texting is allowed, and an optional regional marketing cap.</summary>
public sealed record TextingWindow(TimeOnly Start, TimeOnly End, int? MarketingPer24Hours = null);

/// <summary>
/// Quiet hours as data (<c>quiet-hours.json</c>): the federal default, stricter windows per region (<c>US-FL</c>),
/// and the brand's own window, which can only narrow them. <see cref="NextAllowed"/> says when a message may go.
/// </summary>
public sealed class QuietHours
{
    private readonly TextingWindow _default;
    private readonly Dictionary<string, TextingWindow> _regions;

    public QuietHours(TextingWindow? brand = null)
    {
        using var stream = typeof(QuietHours).Assembly.GetManifestResourceStream("quiet-hours.json")!;
        using var json = JsonDocument.Parse(stream);
        var root = json.RootElement;
        _default = Narrow(Read(root.GetProperty("default")), brand);
        _regions = root.GetProperty("regions").EnumerateObject()
            .ToDictionary(r => r.Name, r => Narrow(Read(r.Value), brand), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The window for a region code such as <c>US-FL</c> (or the default).</summary>
    public TextingWindow For(string? region) => region is not null && _regions.TryGetValue(region, out var w) ? w : _default;

    /// <summary>
    /// <paramref name="now"/> when it is inside the recipient's window, else the moment the window next opens
    /// (always in UTC).
    /// </summary>
    public DateTimeOffset NextAllowed(DateTimeOffset now, TimeZoneInfo zone, string? region)
    {
        var window = For(region);
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        if (time >= window.Start && time < window.End)
        {
            return now;
        }

        var day = DateOnly.FromDateTime(local.DateTime);
        var opens = (time < window.Start ? day : day.AddDays(1)).ToDateTime(window.Start);

        // A window opening in a DST gap would be invalid; take the first valid minute after it.
        while (zone.IsInvalidTime(opens))
        {
            opens = opens.AddMinutes(1);
        }

        return new DateTimeOffset(opens, zone.GetUtcOffset(opens)).ToUniversalTime();
    }

    private static TextingWindow Read(JsonElement e) => new(
        TimeOnly.Parse(e.GetProperty("start").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
        TimeOnly.Parse(e.GetProperty("end").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
        e.TryGetProperty("marketingPer24Hours", out var cap) ? cap.GetInt32() : null);

    /// <summary>The brand's window may only make the legal one narrower.</summary>
    private static TextingWindow Narrow(TextingWindow legal, TextingWindow? brand) => brand is null
        ? legal
        : legal with
        {
            Start = brand.Start > legal.Start ? brand.Start : legal.Start,
            End = brand.End < legal.End ? brand.End : legal.End,
        };
}
