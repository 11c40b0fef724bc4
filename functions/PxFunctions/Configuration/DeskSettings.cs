using System.Globalization;
using PxFunctions.Channels.Desk;

namespace PxFunctions.Configuration;

/// <summary>
/// The handoff desk's settings: the first-response SLA (<c>Px__Desk__SlaHours</c>) and the optional helpdesk webhook
/// (<c>Px__Helpdesk__*</c>: URL, format, signing secret, retries). The secret comes from configuration only (an app
/// setting, in Azure a Key Vault reference); a URL without a format and a secret stops start-up.
/// </summary>
public static class DeskSettings
{
    public static DeskOptions Read(Func<string, string?> get)
    {
        var sla = get(SettingNames.DeskSlaHours) is { } hours
            ? double.TryParse(hours, NumberStyles.Float, CultureInfo.InvariantCulture, out var h) && h is >= 0.1 and <= 720
                ? TimeSpan.FromHours(h)
                : throw new InvalidSettingException(SettingNames.DeskSlaHours, $"must be a number of hours from 0.1 to 720; got '{hours}'.")
            : DeskOptions.DefaultSla;
        return new DeskOptions { Sla = sla, Helpdesk = Helpdesk(get) };
    }

    private static HelpdeskOptions? Helpdesk(Func<string, string?> get)
    {
        if (get(SettingNames.HelpdeskUrl) is not { } url)
        {
            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
        {
            throw new InvalidSettingException(SettingNames.HelpdeskUrl, "must be an absolute https URL (http only on loopback).");
        }

        var format = get(SettingNames.HelpdeskFormat) switch
        {
            { } f when f.Equals("zendesk", StringComparison.OrdinalIgnoreCase) => HelpdeskFormat.Zendesk,
            { } f when f.Equals("gorgias", StringComparison.OrdinalIgnoreCase) => HelpdeskFormat.Gorgias,
            var other => throw new InvalidSettingException(SettingNames.HelpdeskFormat, $"must be zendesk or gorgias when {SettingNames.HelpdeskUrl} is set; got '{other}'."),
        };
        if (get(SettingNames.HelpdeskSecret) is not { Length: >= 16 } secret)
        {
            throw new InvalidSettingException(SettingNames.HelpdeskSecret, $"is required when {SettingNames.HelpdeskUrl} is set: at least 16 characters (the key of the X-Px-Signature HMAC).");
        }

        var attempts = get(SettingNames.HelpdeskMaxAttempts) is { } a
            ? int.TryParse(a, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 50
                ? n
                : throw new InvalidSettingException(SettingNames.HelpdeskMaxAttempts, $"must be a whole number from 1 to 50; got '{a}'.")
            : HelpdeskOptions.DefaultMaxAttempts;
        var delay = PxSettings.ParseDuration(get(SettingNames.HelpdeskRetryDelay), SettingNames.HelpdeskRetryDelay) ?? HelpdeskOptions.DefaultRetryDelay;
        if (delay > HelpdeskOptions.MaxRetryDelay)
        {
            throw new InvalidSettingException(SettingNames.HelpdeskRetryDelay, $"must be at most {HelpdeskOptions.MaxRetryDelay} (retries double from it up to that).");
        }

        return new HelpdeskOptions(uri, format, System.Text.Encoding.UTF8.GetBytes(secret)) { MaxAttempts = attempts, RetryDelay = delay };
    }
}
