using System.Text.Json.Nodes;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Simulation;

namespace PxFunctions.Tests.Journeys;

/// <summary>
/// The simulator makes the live sender's decision for every message (<see cref="SendRules"/>): quiet hours by the
/// recipient's zone and region, consent per class and channel, the frequency cap over earlier simulated sends, and a
/// held message blocks the journey until the hold ends.
/// </summary>
public sealed class SimulatedSendRulesTests
{
    /// <summary>Three service texts an hour apart, then a marketing offer.</summary>
    private const string Journey = """
        id: rules
        name: Rules
        trigger: { event: paid, skus: [SERUM-C-30] }
        locales: [en]
        channels: [sms, email]
        steps:
          - id: first
            type: send
            class: service
            message: { sms: { en: "One" }, email: { en: { subject: One, text: "One" } } }
          - id: pause-1
            type: wait
            duration: PT1H
          - id: second
            type: send
            class: service
            message: { sms: { en: "Two" }, email: { en: { subject: Two, text: "Two" } } }
          - id: pause-2
            type: wait
            duration: PT1H
          - id: third
            type: send
            class: service
            message: { sms: { en: "Three" }, email: { en: { subject: Three, text: "Three" } } }
          - id: pause-3
            type: wait
            duration: PT1H
          - id: offer
            type: send
            class: marketing
            message: { sms: { en: "20% off your next bottle" }, email: { en: { subject: "20% off", text: "20% off your next bottle" } } }
          - id: done
            type: end
            outcome: finished
        """;

    /// <summary>Tuesday 10 March 2026, 15:00 UTC = 11:00 in New York (EDT since 8 March).</summary>
    private static readonly DateTimeOffset Midday = Samples.At("2026-03-10T15:00:00Z");

    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static JourneyDefinition Definition()
    {
        var (definition, errors) = JourneyValidator.Validate(Journey);
        Assert.True(definition is not null, string.Join("; ", errors.Select(e => e.Path + " " + e.Message)));
        return definition!;
    }

    /// <summary>The sample customer, in a US state (its texting rules apply), with or without an email address.</summary>
    private static JsonObject Order(string province, bool email = true)
    {
        var order = Samples.Order();
        var customer = order["customer"]!.AsObject();
        customer["country_code"] = "US";
        customer["province_code"] = province;
        if (!email)
        {
            customer.Remove("email");
        }

        return order;
    }

    private static async Task<List<TimelineEntry>> MessagesAsync(JsonObject order, DateTimeOffset start, SimulationRules rules)
    {
        var definition = Definition();
        var result = await JourneySimulator.RunAsync(definition, 1, SimulationRequest.WithProduct(order, definition), [], [], start, TimeSpan.FromDays(60), rules);
        return result.Timeline.Where(e => e.Kind == "message").ToList();
    }

    [Fact]
    public async Task QuietHours_FloridaAt2030Local_HeldUntil0800NextDay_AndTheNextTimerFiresLate()
    {
        // 00:30 UTC on 11 March = 20:30 EDT on the 10th: New York's window is open until 21:00, Florida's closed at 20:00.
        var start = Samples.At("2026-03-11T00:30:00Z");

        var florida = await MessagesAsync(Order("FL", email: false), start, Samples.Rules());
        var newYork = await MessagesAsync(Order("NY", email: false), start, Samples.Rules());

        var first = florida[0];
        Assert.Equal(("first", "sent", "sms"), (first.Step, first.Status, first.Channel));
        Assert.Equal(start, first.RequestedAt);
        Assert.Equal(Samples.At("2026-03-11T12:00:00Z"), first.At);
        Assert.Equal(new DateTime(2026, 3, 11, 8, 0, 0), TimeZoneInfo.ConvertTime(first.At, NewYork).DateTime);
        Assert.Equal("quiet hours in the recipient's time zone", first.Reason);
        Assert.Equal("PT11H30M", first.Offset);

        // The journey waited on the held text: the hour's wait that came due at 01:30 fires at 08:00, late, as live.
        Assert.Equal(("second", Samples.At("2026-03-11T12:00:00Z"), Samples.At("2026-03-11T12:00:00Z")), (florida[1].Step, florida[1].RequestedAt!.Value, florida[1].At));
        Assert.Null(florida[1].Reason);

        // The same evening in New York: nothing waits.
        Assert.Equal((start, start, "sent", (string?)null), (newYork[0].At, newYork[0].RequestedAt!.Value, newYork[0].Status, newYork[0].Reason));
    }

    [Fact]
    public async Task Marketing_WithoutMarketingConsent_IsSuppressedWithTheReasons_OrMovesToAnAllowedEmail()
    {
        // A cap that four messages in three hours do not reach, so consent alone decides.
        var roomy = new FrequencyCap(10, TimeSpan.FromDays(7));
        var none = await MessagesAsync(Order("NY"), Midday, Samples.Rules(SimulatedConsent.Default, roomy));
        var emailOnly = await MessagesAsync(Order("NY"), Midday, Samples.Rules(SimulatedConsent.Default with { Email = new ChannelConsent(true, true, false) }, roomy));

        var suppressed = Assert.Single(none, m => m.Step == "offer");
        Assert.Equal(("suppressed", "none", "marketing"), (suppressed.Status, suppressed.Channel, suppressed.Class));
        Assert.Equal("no channel allowed: sms has no marketing consent; email has no marketing consent", suppressed.Reason);
        // The service texts before it went by SMS: the number given for the order is service consent.
        Assert.All(none.Where(m => m.Step != "offer"), m => Assert.Equal(("sent", "sms"), (m.Status, m.Channel)));

        var moved = Assert.Single(emailOnly, m => m.Step == "offer");
        Assert.Equal(("sent", "email", "20% off"), (moved.Status, moved.Channel, moved.Subject));
        Assert.Equal("sms has no marketing consent", moved.Reason);
    }

    [Fact]
    public async Task FrequencyCap_TwoPerSevenDays_ThirdMessageWaitsUntilTheWindowAllows()
    {
        var messages = await MessagesAsync(Order("NY"), Midday, Samples.Rules(cap: new FrequencyCap(2, TimeSpan.FromDays(7))));

        Assert.Equal(["first", "second", "third", "offer"], messages.Select(m => m.Step));
        Assert.Equal([Midday, Midday.AddHours(1)], messages.Take(2).Select(m => m.At));
        var third = messages[2];
        Assert.Equal(Midday.AddHours(2), third.RequestedAt);
        // The first of the two in the window leaves it seven days after it went; asked again then, a send at the very
        // end of the window still counts, so it goes after the orchestration's timer margin (a second), as live.
        Assert.Equal(Midday.AddDays(7).AddSeconds(1), third.At);
        Assert.Equal(("sent", "frequency cap (2 per 7 days)"), (third.Status, third.Reason));
        // The hour's wait after the third came due while it was held: the offer is asked for as soon as the third
        // went, as live, and waits in turn for the second to leave the window.
        var offer = messages[3];
        Assert.Equal((third.At, Midday.AddHours(1).AddDays(7).AddSeconds(1), "sent", "frequency cap (2 per 7 days)"), (offer.RequestedAt!.Value, offer.At, offer.Status, offer.Reason));
    }

    [Fact]
    public async Task Hold_BeyondTheHorizon_IsShownHeld_AndTheJourneyIsStillWaiting()
    {
        var definition = Definition();
        var result = await JourneySimulator.RunAsync(
            definition, 1, SimulationRequest.WithProduct(Order("NY"), definition), [], [], Midday, TimeSpan.FromHours(3), Samples.Rules(cap: new FrequencyCap(2, TimeSpan.FromDays(7))),
            cancellationToken: TestContext.Current.CancellationToken);

        var third = Assert.Single(result.Timeline, e => e.Step == "third");
        Assert.Equal(("held", Midday.AddDays(7)), (third.Status, third.At));
        Assert.DoesNotContain(result.Timeline, e => e.Step == "offer");
        Assert.Equal("Running", result.Status);
    }

    [Fact]
    public void Request_Consent_DefaultsToServiceOnly_AndReportsBadFieldsWithTheirPath()
    {
        var body = new JsonObject
        {
            ["definition"] = Journey,
            ["sample"] = new JsonObject
            {
                ["customer"] = new JsonObject { ["phone"] = "+14155550123" },
                ["order"] = new JsonObject(),
                ["consent"] = new JsonObject { ["email"] = new JsonObject { ["marketing"] = true } },
            },
        };

        var parsed = SimulationRequest.Read(body, Midday);
        Assert.Empty(parsed.Errors);
        Assert.Equal(new SimulatedConsent(new ChannelConsent(true, false, false), new ChannelConsent(true, true, false)), parsed.Consent);

        body["sample"]!["consent"] = new JsonObject { ["sms"] = new JsonObject { ["marketing"] = "yes", ["whatsapp"] = true } };
        var bad = SimulationRequest.Read(body, Midday);
        Assert.Equal(
            ["$.sample.consent.sms.whatsapp", "$.sample.consent.sms.marketing"],
            bad.Errors.Select(e => e.Path));
        Assert.Contains("true or false", bad.Errors[1].Message, StringComparison.Ordinal);
    }
}
