using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Intake.Customers;

/// <summary>
/// What a customer told us, read from what the stores already keep: <see cref="Answers"/> (the latest value of each
/// fact their journeys recorded, with the values before it), <see cref="Preferences"/> (consent per channel,
/// locale, time zone, marketing, quiet hours) and <see cref="Products"/> (each journey's product, the stage it
/// reached and the facts it recorded). Every item names its source. Built when asked (the customer page, the
/// export) by <see cref="Build"/>, which is pure: no second copy of the data is kept, so there is nothing more to
/// erase. Values are kept as recorded and a reply's exact words as written; addresses appear only redacted
/// (<see cref="Redact"/>) and never as keys.
/// </summary>
public sealed record ZeroPartyProfile(IReadOnlyList<ProfileAnswer> Answers, ProfilePreferences Preferences, IReadOnlyList<ProfileProduct> Products)
{
    /// <param name="records">The customer's team records (<c>CustomerRecords</c> rows of any of their partitions); only facts are read.</param>
    /// <param name="consent">Consent now and its history, per address of the customer.</param>
    /// <param name="customer">The storefront's profile, when the customer has one.</param>
    /// <param name="journeys">The customer's journeys: each instance's status (null once purged) and its purchase.</param>
    /// <param name="quietHours">The texting rules, to say when this customer may be texted; null leaves that out.</param>
    public static ZeroPartyProfile Build(
        IEnumerable<(string Kind, string Payload, DateTimeOffset At)> records,
        IEnumerable<ProfileConsent> consent,
        CustomerProfile? customer,
        IEnumerable<ProfileJourney> journeys,
        QuietHours? quietHours = null)
    {
        var facts = records.Select(Fact).OfType<(string Name, ProfileValue Value)>()
            .DistinctBy(f => (f.Name, f.Value.InstanceId, f.Value.Step, f.Value.At, f.Value.Value))
            .ToList();
        var byInstance = journeys.DistinctBy(j => j.InstanceId).OrderBy(j => j.State?.CreatedTime ?? DateTimeOffset.MaxValue).ToList();
        var products = byInstance.Select(j => Product(j, facts.Where(f => f.Value.InstanceId == j.InstanceId)))
            .Concat(facts.Where(f => f.Value.InstanceId is { } id && byInstance.All(j => j.InstanceId != id))
                .GroupBy(f => f.Value.InstanceId!, StringComparer.Ordinal)
                .Select(g => new ProfileProduct(g.Key, g.First().Value.JourneyId, null, null, null, null, Latest(g))))
            .ToList();
        return new ZeroPartyProfile(Latest(facts), PreferencesOf(consent.ToList(), customer, byInstance, quietHours), products);
    }

    /// <summary>A fact record as a value and its source: a reply (its text reference and exact words) or the journey's own record step.</summary>
    private static (string Name, ProfileValue Value)? Fact((string Kind, string Payload, DateTimeOffset At) row)
    {
        if (row.Kind != JourneyChannels.Fact || Parse(row.Payload) is not JsonObject payload || Text(payload["fact"]) is not { Length: > 0 } name)
        {
            return null;
        }

        var (reference, text) = (Text(payload["textRef"]), Text(payload["text"]));
        var source = reference is null && text is null ? new ProfileSource(ProfileSource.JourneyRecord) : new ProfileSource(ProfileSource.Reply, reference, text);
        return (name, new ProfileValue(Text(payload["value"]), row.At, Text(payload["journeyId"]), Text(payload["instanceId"]), Text(payload["step"]), source));
    }

    /// <summary>The latest value of each fact (a later record wins a tie), the earlier ones oldest first; latest facts first.</summary>
    private static List<ProfileAnswer> Latest(IEnumerable<(string Name, ProfileValue Value)> facts) =>
        facts.GroupBy(f => f.Name, StringComparer.Ordinal)
            .Select(g =>
            {
                var values = g.Select(f => f.Value).OrderBy(v => v.At).ToList();
                var last = values[^1];
                return new ProfileAnswer(g.Key, last.Value, last.At, last.JourneyId, last.InstanceId, last.Step, last.Source, values[..^1]);
            })
            .OrderByDescending(a => a.At)
            .ThenBy(a => a.Fact, StringComparer.Ordinal)
            .ToList();

    private static ProfileProduct Product(ProfileJourney journey, IEnumerable<(string Name, ProfileValue Value)> facts)
    {
        var status = Parse(journey.State?.CustomStatus) as JsonObject;
        var list = facts.ToList();
        var product = journey.Purchase?.Product;
        return new ProfileProduct(
            journey.InstanceId,
            journey.Purchase?.JourneyId ?? Text(status?["journey"]) ?? list.Select(f => f.Value.JourneyId).FirstOrDefault(j => j is not null),
            Text(product?["title"]),
            Text(product?["sku"]),
            Text(status?["stage"]),
            journey.State?.Status.ToString(),
            Latest(list));
    }

    private static ProfilePreferences PreferencesOf(List<ProfileConsent> consent, CustomerProfile? customer, List<ProfileJourney> journeys, QuietHours? quietHours)
    {
        var channels = consent
            .Select(c =>
            {
                var s = c.State;
                var last = c.History.MaxBy(h => h.At);
                var marketing = s.Marketing && !s.OptedOut && !s.Suppressed;
                var state = s.OptedOut ? "opted out" : s.Suppressed ? "suppressed" : marketing ? "marketing and service" : s.Service ? "service only" : "none";
                return new ChannelPreference(
                    s.Channel.Name(),
                    Redact.Address(s.Address),
                    state,
                    s.Service && !s.OptedOut && !s.Suppressed,
                    marketing,
                    s.OptedOut,
                    last?.At,
                    last is null ? null : new ProfileSource(ProfileSource.ConsentLedger, last.Source, last.Text));
            })
            .ToList();
        var everWithdrawn = consent.Any(c => c.History.Any(h => h.Action == ConsentAction.MarketingWithdrawn));
        var marketingState = channels.Any(c => c.Marketing) ? "opted in" : channels.Any(c => c.OptedOut) || everWithdrawn ? "opted out" : "not given";

        // The storefront's profile first; else what the latest purchase says of the customer.
        var latest = journeys.LastOrDefault(j => j.Purchase is not null)?.Purchase;
        ProfileSetting? Setting(string? fromProfile, string field)
        {
            if (fromProfile is { Length: > 0 })
            {
                return new ProfileSetting(fromProfile, new ProfileSource(ProfileSource.CustomerProfile));
            }

            var fromPurchase = Text(latest?.Customer[field]) ?? Text((latest?.Order["shipping_address"] as JsonObject)?[field]);
            return fromPurchase is { Length: > 0 } ? new ProfileSetting(fromPurchase, new ProfileSource(ProfileSource.Purchase)) : null;
        }

        var country = Setting(customer?.CountryCode, "country_code");
        var province = Setting(customer?.ProvinceCode, "province_code");
        // The region whose texting rules apply, as sends work it out (MessageRenderer.Contact): country-province.
        var region = country is not null && province is not null ? $"{country.Value}-{province.Value}".ToUpperInvariant() : null;
        var window = quietHours?.For(region);
        var hours = window is null
            ? null
            : new QuietHoursPreference(region, Clock(window.Start), Clock(window.End), region is null ? null : province!.Source);
        return new ProfilePreferences(channels, marketingState, Setting(customer?.Locale, "locale"), Setting(customer?.TimeZone, "time_zone"), country, hours);
    }

    private static string Clock(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node is null ? null : node.ToJsonString();

    private static JsonNode? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Where an item of the profile came from (<see cref="Kind"/>): a customer's <c>reply</c> (the reference of its text
/// beside the journey and the exact words), a <c>journey record</c> (a record step), the <c>consent ledger</c> (the
/// latest change's source and text), the <c>customer profile</c> or the <c>purchase</c>.
/// </summary>
public sealed record ProfileSource(string Kind, string? Reference = null, string? Text = null)
{
    public const string Reply = "reply";
    public const string JourneyRecord = "journey record";
    public const string ConsentLedger = "consent ledger";
    public const string CustomerProfile = "customer profile";
    public const string Purchase = "purchase";
}

/// <summary>One value of a fact as a journey recorded it.</summary>
public sealed record ProfileValue(string? Value, DateTimeOffset At, string? JourneyId, string? InstanceId, string? Step, ProfileSource Source);

/// <summary>A fact's latest value, where and when it was recorded, and the values it replaced (oldest first).</summary>
public sealed record ProfileAnswer(
    string Fact, string? Value, DateTimeOffset At, string? JourneyId, string? InstanceId, string? Step, ProfileSource Source, IReadOnlyList<ProfileValue> History);

/// <summary>A setting and where it came from.</summary>
public sealed record ProfileSetting(string Value, ProfileSource Source);

/// <summary>Consent on one channel address now: <see cref="Address"/> is redacted; <see cref="Since"/> is the latest change.</summary>
public sealed record ChannelPreference(
    string Channel, string Address, string State, bool Service, bool Marketing, bool OptedOut, DateTimeOffset? Since, ProfileSource? Source);

/// <summary>When texts may reach the customer (their local time): the region whose rules apply, if known, and the window.</summary>
public sealed record QuietHoursPreference(string? Region, string From, string To, ProfileSource? Source);

/// <summary><see cref="Marketing"/>: <c>opted in</c> (on some channel), <c>opted out</c> (withdrawn or opted out), or <c>not given</c>.</summary>
public sealed record ProfilePreferences(
    IReadOnlyList<ChannelPreference> Channels, string Marketing, ProfileSetting? Locale, ProfileSetting? TimeZone, ProfileSetting? Country, QuietHoursPreference? QuietHours);

/// <summary>A product the customer has a journey for: its title and SKU, the stage reached, the journey's status, the facts it recorded.</summary>
public sealed record ProfileProduct(string InstanceId, string? JourneyId, string? Title, string? Sku, string? Stage, string? Status, IReadOnlyList<ProfileAnswer> Facts);

/// <summary>A journey as the profile reads it: the instance's status (null once purged) and its purchase (null once forgotten).</summary>
public sealed record ProfileJourney(string InstanceId, InstanceState? State, JourneyInput? Purchase);

/// <summary>An address's consent now and its changes.</summary>
public sealed record ProfileConsent(ConsentState State, IReadOnlyList<ConsentChange> History);
