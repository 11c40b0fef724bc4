using System.Globalization;
using PxFunctions.Channels.Acs;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;

namespace PxFunctions.Configuration;

/// <summary>
/// How the app talks to customers: ACS (a connection string, or an endpoint with the managed identity) or, when
/// neither is set, the dev outbox; the secrets that sign links and guard the inbound webhooks; the brand; quiet hours
/// and the frequency cap. Read and checked with the other settings at start-up.
/// </summary>
public sealed record ChannelSettings
{
    public AcsConnectionString? AcsConnection { get; init; }
    public Uri? AcsEndpoint { get; init; }
    public string? SmsFrom { get; init; }
    public string? EmailFrom { get; init; }
    public string? EmailReplyTo { get; init; }

    /// <summary>The WhatsApp channel registration of the ACS resource (Advanced Messaging); none: no WhatsApp.</summary>
    public Guid? WhatsAppChannelId { get; init; }

    public required Uri PublicBaseUrl { get; init; }

    /// <summary>Key of answer and unsubscribe links; generated per process when unset (links then end with it).</summary>
    public required byte[] LinkKey { get; init; }

    public bool LinkKeyIsEphemeral { get; init; }

    /// <summary>Key of the keyed hash naming addresses in the consent ledger; null: one generated once and kept in storage.</summary>
    public byte[]? HashKey { get; init; }
    public string? EventGridSecret { get; init; }
    public string? InboundEmailSecret { get; init; }

    /// <summary>Brand origins (<c>https://shop.example</c>) whose pages may call the chat API (CORS); none by default.</summary>
    public IReadOnlyList<string> ChatAllowedOrigins { get; init; } = [];
    public BrandSettings Brand { get; init; } = BrandSettings.Default;
    public TextingWindow? QuietHours { get; init; }
    public FrequencyCap Cap { get; init; } = FrequencyCap.Default;

    /// <summary>How long a worker owns a message it is sending; after a crash mid-send the message goes again after this.</summary>
    public TimeSpan SendLease { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Set by App Service and Functions to the app's default host name.</summary>
    public const string WebsiteHostName = "WEBSITE_HOSTNAME";

    /// <summary>True when ACS is configured; otherwise messages go to the dev outbox.</summary>
    public bool UsesAcs => AcsConnection is not null || AcsEndpoint is not null;

    public static ChannelSettings Read(Func<string, string?> get, bool underFunctionsHost)
    {
        AcsConnectionString? connection = null;
        if (get(SettingNames.AcsConnectionString) is { } cs)
        {
            try
            {
                connection = AcsConnectionString.Parse(cs);
            }
            catch (FormatException ex)
            {
                throw new InvalidSettingException(SettingNames.AcsConnectionString, $"is not an ACS connection string ({ex.Message.TrimEnd('.')}).");
            }
        }

        var endpoint = Uri(get, SettingNames.AcsEndpoint, requireHttps: true);
        var smsFrom = get(SettingNames.AcsSmsFrom);
        var emailFrom = get(SettingNames.AcsEmailFrom);
        if ((connection is not null || endpoint is not null) && smsFrom is null && emailFrom is null)
        {
            throw new InvalidSettingException(SettingNames.AcsSmsFrom, $"or {SettingNames.AcsEmailFrom} is required when ACS is configured (the number and address messages come from).");
        }

        if (smsFrom is not null && !(smsFrom.StartsWith('+') && smsFrom[1..].All(char.IsAsciiDigit)) && !(smsFrom.Length is >= 5 and <= 6 && smsFrom.All(char.IsAsciiDigit)))
        {
            throw new InvalidSettingException(SettingNames.AcsSmsFrom, $"must be an E.164 number (+18005550100) or a short code; got '{smsFrom}'.");
        }

        Guid? whatsApp = null;
        if (get(SettingNames.AcsWhatsAppChannelId) is { } channelId)
        {
            whatsApp = Guid.TryParse(channelId, out var id) ? id : throw new InvalidSettingException(SettingNames.AcsWhatsAppChannelId, $"must be the channel registration id (a GUID) of the ACS resource's WhatsApp channel; got '{channelId}'.");
        }

        var key = get(SettingNames.AnswerLinkKey);
        if (key is { Length: < 32 })
        {
            throw new InvalidSettingException(SettingNames.AnswerLinkKey, "must be at least 32 characters long.");
        }

        var hashKey = get(SettingNames.PrivacyHashKey);
        if (hashKey is { Length: < 32 })
        {
            throw new InvalidSettingException(SettingNames.PrivacyHashKey, "must be at least 32 characters long.");
        }

        var cap = get(SettingNames.FrequencyCapMessages) is { } messages ? Int(messages, SettingNames.FrequencyCapMessages, 1, 100) : FrequencyCap.Default.Messages;
        var days = get(SettingNames.FrequencyCapDays) is { } d ? Int(d, SettingNames.FrequencyCapDays, 1, 90) : (int)FrequencyCap.Default.Window.TotalDays;
        TextingWindow? quiet = null;
        if (get(SettingNames.QuietHoursStart) is { } start | get(SettingNames.QuietHoursEnd) is { } end)
        {
            var from = Time(get(SettingNames.QuietHoursStart) ?? "08:00", SettingNames.QuietHoursStart);
            var to = Time(get(SettingNames.QuietHoursEnd) ?? "21:00", SettingNames.QuietHoursEnd);
            if (from >= to)
            {
                throw new InvalidSettingException(SettingNames.QuietHoursStart, $"must be before {SettingNames.QuietHoursEnd}.");
            }

            quiet = new TextingWindow(from, to);
        }

        return new ChannelSettings
        {
            AcsConnection = connection,
            AcsEndpoint = endpoint,
            SmsFrom = smsFrom,
            EmailFrom = emailFrom,
            EmailReplyTo = get(SettingNames.AcsEmailReplyTo),
            WhatsAppChannelId = whatsApp,
            // In Azure the platform names the app's host (WEBSITE_HOSTNAME); standalone, the default local address.
            PublicBaseUrl = Uri(get, SettingNames.PublicBaseUrl, requireHttps: false)
                ?? (get(WebsiteHostName) is { } host ? new Uri("https://" + host) : new Uri(underFunctionsHost ? "https://localhost" : "http://127.0.0.1:7071")),
            LinkKey = key is null ? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) : System.Text.Encoding.UTF8.GetBytes(key),
            LinkKeyIsEphemeral = key is null,
            HashKey = hashKey is null ? null : System.Text.Encoding.UTF8.GetBytes(hashKey),
            EventGridSecret = get(SettingNames.EventGridSecret),
            InboundEmailSecret = get(SettingNames.InboundEmailSecret),
            ChatAllowedOrigins = (get(SettingNames.ChatAllowedOrigins) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(o => o.TrimEnd('/')).ToList(),
            Brand = new BrandSettings(
                get(SettingNames.BrandName) ?? BrandSettings.Default.Name,
                get(SettingNames.BrandHelpText) ?? BrandSettings.Default.HelpText,
                get(SettingNames.BrandPostalAddress),
                get(SettingNames.BrandSupportEmail),
                Uri(get, SettingNames.BrandStoreUrl, requireHttps: true)),
            QuietHours = quiet,
            Cap = new FrequencyCap(cap, TimeSpan.FromDays(days)),
            SendLease = PxSettings.ParseDuration(get(SettingNames.SendLease), SettingNames.SendLease) is { } lease
                ? lease >= TimeSpan.FromSeconds(5) && lease <= TimeSpan.FromMinutes(30)
                    ? lease
                    : throw new InvalidSettingException(SettingNames.SendLease, $"must be from 00:00:05 to 00:30:00 (longer than one send takes); got {lease}.")
                : TimeSpan.FromMinutes(3),
        };
    }

    private static Uri? Uri(Func<string, string?> get, string name, bool requireHttps)
    {
        if (get(name) is not { } value)
        {
            return null;
        }

        if (!System.Uri.TryCreate(value, UriKind.Absolute, out var uri) || (requireHttps && uri.Scheme != System.Uri.UriSchemeHttps && !uri.IsLoopback))
        {
            throw new InvalidSettingException(name, $"must be an absolute {(requireHttps ? "https " : "")}URL; got '{value}'.");
        }

        return uri;
    }

    private static int Int(string value, string name, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new InvalidSettingException(name, $"must be a whole number from {min} to {max}; got '{value}'.");

    private static TimeOnly Time(string value, string name) =>
        TimeOnly.TryParseExact(value, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t
            : throw new InvalidSettingException(name, $"must be a time of day such as 08:00; got '{value}'.");
}
