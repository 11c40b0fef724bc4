using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Intake.Customers;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Tests.Intake;

/// <summary>
/// The zero-party profile builder on records as journeys write them (the end-to-end path, the find API and the
/// export, is in <see cref="PrivacyTests"/>; the customer page in the dashboard tests).
/// </summary>
public sealed class ZeroPartyProfileTests
{
    private const string Phone = "+14155550177";
    private const string Email = "ines@example.com";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private const string Serum = "shop.example:1001:11";
    private const string Espresso = "shop.example:1001:22";
    private const string Purged = "shop.example:900:33";

    private static (string Kind, string Payload, DateTimeOffset At) Fact(
        string instance, string journey, string step, string fact, string value, int hours, string? reply = null, string? text = null)
    {
        var payload = new JsonObject { ["instanceId"] = instance, ["journeyId"] = journey, ["customerId"] = "shop.example|77", ["step"] = step, ["at"] = T0.AddHours(hours), ["fact"] = fact, ["value"] = value };
        if (reply is not null)
        {
            payload["textRef"] = reply;
            payload["text"] = text;
        }

        return (JourneyChannels.Fact, payload.ToJsonString(), T0.AddHours(hours));
    }

    private static ProfileJourney Journey(string instance, string journey, string title, string sku, string stage, InstanceStatus status, int hours, JsonObject? customer = null, JsonObject? order = null) => new(
        instance,
        new InstanceState("OwnershipJourney", instance, status, null, new JsonObject { ["journey"] = journey, ["version"] = 1, ["stage"] = stage }.ToJsonString(), null, T0.AddHours(hours), T0.AddHours(hours + 1)),
        new JourneyInput(journey, 1, customer ?? [], order ?? [], new JsonObject { ["title"] = title, ["sku"] = sku }, [], []));

    private static readonly IReadOnlyList<(string Kind, string Payload, DateTimeOffset At)> Records =
    [
        Fact(Serum, "skincare-serum", "results-check", "rating", "3", 1, "reply_Incoming_1", "3 I guess"),
        Fact(Espresso, "coffee-machine", "warranty", "warranty_opt_in", "yes", 2, "reply_Incoming_2", "Yes please!! ☕"),
        Fact(Espresso, "coffee-machine", "warranty-registered", "warranty_order", "#1001", 2),
        Fact(Espresso, "coffee-machine", "descale-count", "descales", "1", 3),
        Fact(Serum, "skincare-serum", "results-check", "rating", "5", 4, "reply_Incoming_3", "5 stars, my skin glows"),
        Fact(Espresso, "coffee-machine", "descale-count", "descales", "2", 5),
        Fact(Purged, "supplement-subscription", "flavour", "flavour", "  Mango, not too sweet ", 0, "reply_Incoming_0", "  Mango, not too sweet "),
        ("inbox", new JsonObject { ["instanceId"] = Serum, ["fact"] = "reply", ["text"] = "where is my parcel" }.ToJsonString(), T0.AddHours(6)),
        ("handoff", new JsonObject { ["instanceId"] = Espresso, ["action"] = "open", ["reason"] = "leak" }.ToJsonString(), T0.AddHours(6)),
        (JourneyChannels.Fact, "not json", T0.AddHours(7)),
    ];

    private static readonly ProfileConsent[] Consent =
    [
        new(new ConsentState(ContactChannel.Sms, Phone, true, false, true, false, T0.AddHours(8), "shop.example|77"),
        [
            new ConsentChange(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted, T0, "shopify checkout", "order #1001", "e1"),
            new ConsentChange(ContactChannel.Sms, Phone, ConsentAction.OptedOut, T0.AddHours(8), "sms reply", "stop texting me", "e2"),
        ]),
        new(new ConsentState(ContactChannel.Email, Email, true, true, false, false, null, "shop.example|77"),
        [
            new ConsentChange(ContactChannel.Email, Email, ConsentAction.MarketingGranted, T0, "shopify checkout", null, "e3"),
        ]),
    ];

    [Fact]
    public void Build_FactsRecordedMoreThanOnce_LatestValueWinsHistoryKeptFactsGroupedPerProduct()
    {
        var customer = new CustomerProfile("shop.example|77", "shop.example", "77", "Inès", null, Email, Phone, "fr-FR", "America/New_York", "US", "fl");
        var profile = ZeroPartyProfile.Build(
            Records,
            Consent,
            customer,
            [
                Journey(Espresso, "coffee-machine", "Barista Pro", "BARISTA-PRO", "Care & Maintenance", InstanceStatus.Running, 1),
                Journey(Serum, "skincare-serum", "Vitamin C Serum", "SERUM-C-30", "Usage", InstanceStatus.Completed, 0),
            ],
            new QuietHours());

        // Answers: one per fact, the latest first; the latest value wins and the earlier ones are kept, oldest first.
        Assert.Equal(["descales", "rating", "warranty_opt_in", "warranty_order", "flavour"], profile.Answers.Select(a => a.Fact));
        var rating = profile.Answers.Single(a => a.Fact == "rating");
        Assert.Equal(("5", T0.AddHours(4), "skincare-serum", Serum, "results-check"), (rating.Value, rating.At, rating.JourneyId, rating.InstanceId, rating.Step));
        Assert.Equal(new ProfileSource(ProfileSource.Reply, "reply_Incoming_3", "5 stars, my skin glows"), rating.Source);
        Assert.Equal(["3"], rating.History.Select(v => v.Value));
        Assert.Equal(new ProfileSource(ProfileSource.Reply, "reply_Incoming_1", "3 I guess"), rating.History[0].Source);
        var descales = profile.Answers.Single(a => a.Fact == "descales");
        Assert.Equal(("2", ProfileSource.JourneyRecord), (descales.Value, descales.Source.Kind));
        Assert.Equal(["1"], descales.History.Select(v => v.Value));
        // A customer's free text stays as written (spaces and all).
        Assert.Equal("  Mango, not too sweet ", profile.Answers.Single(a => a.Fact == "flavour").Value);

        // Products: in the order they started, each with the facts its journey recorded; a purged journey keeps its facts.
        Assert.Equal([Serum, Espresso, Purged], profile.Products.Select(p => p.InstanceId));
        var serum = profile.Products[0];
        Assert.Equal(("Vitamin C Serum", "SERUM-C-30", "skincare-serum", "Usage", "Completed"), (serum.Title, serum.Sku, serum.JourneyId, serum.Stage, serum.Status));
        Assert.Equal(["rating"], serum.Facts.Select(f => f.Fact));
        Assert.Equal(["3"], serum.Facts[0].History.Select(v => v.Value));
        var espresso = profile.Products[1];
        Assert.Equal(("Barista Pro", "BARISTA-PRO", "Care & Maintenance"), (espresso.Title, espresso.Sku, espresso.Stage));
        Assert.Equal(["descales", "warranty_opt_in", "warranty_order"], espresso.Facts.Select(f => f.Fact));
        Assert.Equal("#1001", espresso.Facts.Single(f => f.Fact == "warranty_order").Value);
        var purged = profile.Products[2];
        Assert.Equal(("supplement-subscription", null, null), (purged.JourneyId, purged.Title, purged.Status));
        Assert.Equal(["flavour"], purged.Facts.Select(f => f.Fact));

        // Preferences: consent per channel with the latest change as its source, marketing, locale, zone, quiet hours.
        var p = profile.Preferences;
        var sms = p.Channels.Single(c => c.Channel == "sms");
        Assert.Equal(("opted out", false, false, true, T0.AddHours(8)), (sms.State, sms.Service, sms.Marketing, sms.OptedOut, sms.Since));
        Assert.Equal(new ProfileSource(ProfileSource.ConsentLedger, "sms reply", "stop texting me"), sms.Source);
        var email = p.Channels.Single(c => c.Channel == "email");
        Assert.Equal(("marketing and service", true), (email.State, email.Marketing));
        Assert.Equal("opted in", p.Marketing);
        Assert.Equal(new ProfileSetting("fr-FR", new ProfileSource(ProfileSource.CustomerProfile)), p.Locale);
        Assert.Equal("America/New_York", p.TimeZone!.Value);
        Assert.Equal(new QuietHoursPreference("US-FL", "08:00", "20:00", new ProfileSource(ProfileSource.CustomerProfile)), p.QuietHours);

        // Addresses only redacted: neither the number nor the email is anywhere in the profile, key or value.
        var json = JsonSerializer.Serialize(profile, Web);
        Assert.DoesNotContain(Phone, json, StringComparison.Ordinal);
        Assert.DoesNotContain("4155550177", json, StringComparison.Ordinal);
        Assert.DoesNotContain(Email, json, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("+1415•••0177", sms.Address);
    }

    [Fact]
    public void Build_WithoutAStoredProfile_ReadsThePurchase_AndMarketingWithdrawnIsOptedOut()
    {
        var profile = ZeroPartyProfile.Build(
            [],
            [new ProfileConsent(
                new ConsentState(ContactChannel.Sms, Phone, true, false, false, false, null, null),
                [new ConsentChange(ContactChannel.Sms, Phone, ConsentAction.MarketingWithdrawn, T0, "shopify consent update", null, "e1")])],
            null,
            [Journey(Serum, "skincare-serum", "Vitamin C Serum", "SERUM-C-30", "Unboxing", InstanceStatus.Running, 0,
                new JsonObject { ["locale"] = "en-GB", ["time_zone"] = "Europe/London" },
                new JsonObject { ["shipping_address"] = new JsonObject { ["country_code"] = "US", ["province_code"] = "OK" } })],
            new QuietHours());

        Assert.Empty(profile.Answers);
        Assert.Empty(Assert.Single(profile.Products).Facts);
        var p = profile.Preferences;
        Assert.Equal(("service only", "opted out"), (Assert.Single(p.Channels).State, p.Marketing));
        Assert.Equal(new ProfileSetting("en-GB", new ProfileSource(ProfileSource.Purchase)), p.Locale);
        Assert.Equal(new ProfileSetting("Europe/London", new ProfileSource(ProfileSource.Purchase)), p.TimeZone);
        Assert.Equal(("US-OK", "08:00", "20:00"), (p.QuietHours!.Region, p.QuietHours.From, p.QuietHours.To));

        var nothing = ZeroPartyProfile.Build([], [], null, [], new QuietHours());
        Assert.Equal(("not given", null, null), (nothing.Preferences.Marketing, nothing.Preferences.Locale, nothing.Preferences.QuietHours!.Region));
        Assert.Equal(("08:00", "21:00"), (nothing.Preferences.QuietHours.From, nothing.Preferences.QuietHours.To));
    }
}
