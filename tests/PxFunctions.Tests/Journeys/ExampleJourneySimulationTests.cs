using System.Text.Json.Nodes;
using PxFunctions.Journeys.Simulation;

namespace PxFunctions.Tests.Journeys;

/// <summary>
/// Each shipped example, simulated against a sample order with scripted replies: the exact messages a customer
/// would get, when, on which channel and in which stage.
/// </summary>
public sealed class ExampleJourneySimulationTests
{
    private static Task<SimulationResult> SimulateAsync(string id, JsonObject order, ScriptedReply[] replies, ScriptedEvent[] events, string start = "2026-03-03T10:00:00Z")
    {
        var definition = Samples.Example(id);
        return JourneySimulator.RunAsync(definition, 1, SimulationRequest.WithProduct(order, definition), replies, events, Samples.At(start), TimeSpan.FromDays(400), Samples.Rules());
    }

    private static List<TimelineEntry> Messages(SimulationResult result) => result.Timeline.Where(e => e.Kind == "message").ToList();

    [Fact]
    public async Task Observer_SeesEveryTransition_TheSendsTheTimelineShows()
    {
        var definition = Samples.Example("skincare-serum");
        var sends = 0;
        var timers = 0;
        var result = await JourneySimulator.RunAsync(
            definition, 1, SimulationRequest.WithProduct(Samples.Order(), definition), [], [new ScriptedEvent("delivered", TimeSpan.FromDays(2), null)],
            Samples.At("2026-03-03T10:00:00Z"), TimeSpan.FromDays(400), Samples.Rules(),
            (e, transition) =>
            {
                sends += transition.Effects.OfType<PxFunctions.Journeys.Interpreter.SendToCustomer>().Count();
                timers += e.Kind == PxFunctions.Journeys.Interpreter.JourneyEventKind.Timer ? 1 : 0;
            },
            cancellationToken: TestContext.Current.CancellationToken);

        // A customer who never answers: welcome, tips, the check-in, the replenishment reminder; a timer ends each wait.
        Assert.Equal(4, Messages(result).Count);
        Assert.Equal(Messages(result).Count, sends);
        Assert.True(timers >= 5, $"{timers} timers fired");
        Assert.Equal("lapsed", result.Outcome);
    }

    [Fact]
    public async Task SkincareSerum_HappyCustomer_WelcomeTipsCheckInReviewReplenishReorder()
    {
        var result = await SimulateAsync(
            "skincare-serum",
            Samples.Order(),
            [new ScriptedReply("5 stars!", "results-check", TimeSpan.FromHours(2), null)],
            [new ScriptedEvent("delivered", TimeSpan.FromDays(2), null), new ScriptedEvent("reorder", TimeSpan.FromDays(55), null)]);

        var messages = Messages(result);
        Assert.Equal(
            [
                // Delivered at 05:00 in New York: the welcome waits for quiet hours to end at 08:00 (EST, UTC-5).
                ("2026-03-05T13:00:00Z", "welcome", "Unboxing"),
                // Three days after delivery is 06:00 (EDT from 8 March): the tips wait for 08:00 too.
                ("2026-03-08T12:00:00Z", "usage-tips", "Usage"),
                // Day 14 falls at 06:00 in New York; the check-in waits for the 09:00-11:00 window (EDT, UTC-4).
                ("2026-03-19T13:00:00Z", "results-check", "Usage"),
                ("2026-03-19T15:00:00Z", "review-ask", "Usage"),
                // 60 days of supply from delivery, 10 days early, at 06:00 in New York: sent at 08:00.
                ("2026-04-24T12:00:00Z", "replenish", "Upsell/Renewal"),
            ],
            messages.Select(m => (m.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), m.Step!, m.Stage!)));
        Assert.All(messages, m => Assert.Equal("sms", m.Channel));
        Assert.Equal(
            "Hi Maya, your Vitamin C Serum from Glow Labs has arrived! Apply 3-4 drops to clean, dry skin every morning, then moisturiser and SPF.",
            messages[0].Text);
        Assert.Equal("Maya, two weeks in: how is your skin looking? Reply 1 (no change) to 5 (glowing).", messages[2].Text);
        Assert.Equal("marketing", messages[3].Class);
        Assert.Contains("https://glowlabs.example/review/5001", messages[3].Text, StringComparison.Ordinal);
        Assert.Contains("https://glowlabs.example/cart/8001:1", messages[4].Text, StringComparison.Ordinal);
        Assert.Contains(result.Timeline, e => e is { Kind: "fact", Detail: "results_rating = 5" });
        Assert.Equal("Completed", result.Status);
        Assert.Equal("reordered", result.Outcome);
        Assert.Equal(Samples.At("2026-04-27T10:00:00Z"), result.End);
    }

    [Fact]
    public async Task SkincareSerum_NoDeliveryReport_FallsBackAfterFiveDays_UnhappyCustomerGetsAPerson()
    {
        var result = await SimulateAsync(
            "skincare-serum",
            Samples.Order(),
            [new ScriptedReply("2", "results-check", TimeSpan.FromHours(1), null)],
            []);

        var messages = Messages(result);
        // Fulfilled 03-03 10:00Z + 5 days: assumed delivered 03-08 10:00Z, 06:00 in New York; the welcome goes at 08:00.
        Assert.Equal((Samples.At("2026-03-08T10:00:00Z"), Samples.At("2026-03-08T12:00:00Z")), (messages[0].RequestedAt!.Value, messages[0].At));
        var handoff = Assert.Single(result.Timeline, e => e.Kind == "handoff");
        Assert.Equal("open: Low results rating (2) two weeks into the serum", handoff.Detail);
        Assert.Contains(messages, m => m.Step == "care-help" && m.Text == "Sorry it's not working for you yet. One of our skincare team will text you today.");
        // Nobody closes the ticket: the journey resumes after 24 hours, then lapses without a reorder.
        Assert.Equal("lapsed", result.Outcome);
    }

    [Fact]
    public async Task SkincareSerum_QuestionInsteadOfAnswer_GetsTheFaqAndTheCheckInStillWaits()
    {
        var result = await SimulateAsync(
            "skincare-serum",
            Samples.Order(),
            [new ScriptedReply("is it ok when pregnant?", "results-check", TimeSpan.FromMinutes(10), null)],
            [new ScriptedEvent("delivered", TimeSpan.FromDays(1), null)]);

        var faq = Assert.Single(Messages(result), m => m.Detail == "faq");
        Assert.StartsWith("Vitamin C is generally considered gentle", faq.Text, StringComparison.Ordinal);
        // Still waiting on the question: no reply within 3 days goes on to the replenishment wait.
        var replenish = Assert.Single(Messages(result), m => m.Step == "replenish");
        Assert.Equal(Samples.At("2026-04-23T12:00:00Z"), replenish.At);
    }

    [Fact]
    public async Task CoffeeMachine_French_LeakHandoffWarrantyDescalesThenAccessoryOffer()
    {
        var result = await SimulateAsync(
            "coffee-machine",
            Samples.Order(locale: "fr-FR", timeZone: "Europe/Paris"),
            [
                new ScriptedReply("3", "setup-check", TimeSpan.FromHours(3), null),
                new ScriptedReply("oui", "warranty", TimeSpan.FromHours(1), null),
                new ScriptedReply("done", "descale-reminder", TimeSpan.FromDays(1), null),
                new ScriptedReply("comment ?", "descale-reminder", TimeSpan.FromHours(5), null),
            ],
            [new ScriptedEvent("delivered", TimeSpan.FromDays(1), null), new ScriptedEvent("handoffClosed", TimeSpan.FromDays(1) + TimeSpan.FromHours(5), null)]);

        // The journey goes on descaling for the rest of the 400-day horizon; the first six messages tell the story.
        var messages = Messages(result).Take(6).ToList();
        Assert.Equal(["setup-check", "leak-handoff", "warranty", "descale-reminder", "descale-reminder", "accessory-offer"], messages.Select(m => m.Step));
        Assert.StartsWith("Bonjour Maya ! Comment se passe l'installation de votre Barista Pro ?", messages[0].Text, StringComparison.Ordinal);
        Assert.Equal("Désolés. Débranchez la machine ; un technicien de Glow Labs vous écrira rapidement.", messages[1].Text);
        // The agent closed the ticket 2 hours after it opened: the warranty question comes then.
        Assert.Equal(Samples.At("2026-03-04T15:00:00Z"), messages[2].At);
        Assert.Contains("commande #1001", messages[2].Text, StringComparison.Ordinal);
        Assert.Contains(result.Timeline, e => e is { Kind: "fact", Detail: "warranty_opt_in = yes" });
        Assert.Contains(result.Timeline, e => e is { Kind: "fact", Detail: "warranty_order = #1001" });
        // Descaling every 90 days; after the second descale, the accessory offer (marketing).
        Assert.Equal(Samples.At("2026-06-02T16:00:00Z"), messages[3].At);
        Assert.Equal(Samples.At("2026-09-01T16:00:00Z"), messages[4].At);
        Assert.Equal("Care & Maintenance", messages[3].Stage);
        Assert.Equal(("marketing", "Upsell/Renewal"), (messages[5].Class, messages[5].Stage));
        Assert.Contains(result.Timeline, e => e is { Kind: "fact", Detail: "descales = 2" });
    }

    [Fact]
    public async Task SupplementSubscription_LowEnergyAndPrice_SaveFlowOffersADiscountAndWinsThemBack()
    {
        var result = await SimulateAsync(
            "supplement-subscription",
            Samples.Order(phone: null),
            [
                new ScriptedReply("nope", "habit-check", TimeSpan.FromHours(4), null),
                new ScriptedReply("2", "energy-check", TimeSpan.FromHours(1), null),
                new ScriptedReply("it's too expensive", "save-flow", TimeSpan.FromHours(6), null),
            ],
            [new ScriptedEvent("renewal", TimeSpan.FromDays(20), null)],
            start: "2026-03-02T14:00:00Z");

        var messages = Messages(result);
        // No phone: every message goes by email.
        Assert.All(messages, m => Assert.Equal("email", m.Channel));
        Assert.Equal(["welcome", "habit-check", "habit-tip", "energy-check", "save-flow", "discount-offer"], messages.Select(m => m.Step));
        Assert.Equal("Your first box is on its way", messages[0].Subject);
        Assert.Equal("Welcome, Maya! Your Daily Greens is on its way.\n\nMix one scoop into water or a smoothie with breakfast; it sticks best when it rides on a habit you already have.", messages[0].Text);
        Assert.Equal(Samples.At("2026-03-09T14:00:00Z"), messages[1].At);
        Assert.Equal(Samples.At("2026-03-19T18:00:00Z"), messages[3].At);
        Assert.Equal("marketing", messages[4].Class);
        Assert.Contains(result.Timeline, e => e is { Kind: "fact", Detail: "lapse_reason = price" });
        Assert.Equal("renewed", result.Outcome);
    }

    [Fact]
    public async Task SupplementSubscription_Refunded_ExitsWherever()
    {
        var result = await SimulateAsync("supplement-subscription", Samples.Order(), [], [new ScriptedEvent("refunded", TimeSpan.FromDays(3), null)]);

        Assert.Single(Messages(result));
        Assert.Equal("refunded", result.Outcome);
        Assert.Equal(Samples.At("2026-03-06T10:00:00Z"), result.End);
    }
}
