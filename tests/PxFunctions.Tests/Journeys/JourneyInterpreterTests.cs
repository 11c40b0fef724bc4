using System.Text.Json.Nodes;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Simulation;
using PxFunctions.Journeys.Templates;

namespace PxFunctions.Tests.Journeys;

/// <summary>The interpreter as a pure function: each step kind, replies, the handoff pattern, personalisation, migration.</summary>
public sealed class JourneyInterpreterTests
{
    private const string Journey = """
        id: care
        name: Care
        trigger: { event: paid, skus: [SERUM-C-30] }
        locales: [en]
        channels: [sms, email]
        vars: { tip: "Shake well" }
        exits:
          - { on: reorder, goto: thanks }
        replies:
          faq:
            - match: [shipping, delivery]
              message: { sms: { en: "Orders ship in 2 days." }, email: { en: { subject: Shipping, text: "Orders ship in 2 days." } } }
        steps:
          - id: hello
            type: send
            class: service
            message:
              sms: { en: "Hi {{ customer.first_name }}, {{ vars.tip }}" }
              email: { en: { subject: "Hi {{ customer.first_name }}", html: "<p>Hi {{ customer.first_name }}</p>" } }
          - id: kind
            type: ask
            class: service
            expect: choice
            record: skin
            options:
              - { value: dry, label: Dry, match: [flaky] }
              - { value: oily, label: Oily, goto: oily-tip }
            unrecognised: unsure
            message: { sms: { en: "Skin type? 1) Dry 2) Oily" }, email: { en: { subject: "Skin type?", text: "1) Dry 2) Oily" } } }
          - id: wait
            type: wait
            duration: P10D
          - id: done
            type: end
            outcome: finished
          - id: oily-tip
            type: send
            class: service
            next: wait
            message: { sms: { en: "Use 2 drops" }, email: { en: { subject: Tip, text: "Use 2 drops" } } }
          - id: unsure
            type: send
            class: service
            next: wait
            message: { sms: { en: "No problem" }, email: { en: { subject: OK, text: "No problem" } } }
          - id: thanks
            type: end
            outcome: reordered
        """;

    private static readonly DateTimeOffset T0 = Samples.At("2026-05-04T15:00:00Z");

    private static Task<SimulationResult> RunAsync(JsonObject? order = null, ScriptedReply[]? replies = null, ScriptedEvent[]? events = null, string journey = Journey)
    {
        var (definition, errors) = JourneyValidator.Validate(journey);
        Assert.True(definition is not null, string.Join("; ", errors.Select(e => e.Path + " " + e.Message)));
        return JourneySimulator.RunAsync(definition!, 1, SimulationRequest.WithProduct(order ?? Samples.Order(), definition!), replies ?? [], events ?? [], T0, TimeSpan.FromDays(60), Samples.Rules());
    }

    private static List<TimelineEntry> Messages(SimulationResult r) => r.Timeline.Where(e => e.Kind == "message").ToList();

    [Fact]
    public async Task Choice_ByWord_RecordsTheValueAndFollowsTheDefault()
    {
        var result = await RunAsync(replies: [new ScriptedReply("it's a bit flaky", "kind", TimeSpan.FromMinutes(5), null)]);

        Assert.Contains(result.Timeline, e => e is { Kind: "fact", Detail: "skin = dry" });
        Assert.Equal(["hello", "kind"], Messages(result).Select(m => m.Step));
        Assert.Equal("finished", result.Outcome);
        Assert.Equal(T0 + TimeSpan.FromMinutes(5) + TimeSpan.FromDays(10), result.End);
    }

    [Fact]
    public async Task Choice_ByNumber_FollowsTheOptionsGoto()
    {
        var result = await RunAsync(replies: [new ScriptedReply("2", "kind", TimeSpan.FromMinutes(5), null)]);

        Assert.Equal(["hello", "kind", "oily-tip"], Messages(result).Select(m => m.Step));
        Assert.Contains(result.Timeline, e => e is { Kind: "fact", Detail: "skin = oily" });
    }

    [Fact]
    public async Task Unrecognised_GoesToItsBranch_AndRecordsNothing()
    {
        var result = await RunAsync(replies: [new ScriptedReply("purple", "kind", TimeSpan.FromMinutes(5), null)]);

        Assert.Equal(["hello", "kind", "unsure"], Messages(result).Select(m => m.Step));
        Assert.DoesNotContain(result.Timeline, e => e.Kind == "fact");
    }

    [Fact]
    public async Task UnsolicitedReply_MatchingFaq_IsAnswered_OtherwiseKeptInTheInbox()
    {
        var result = await RunAsync(replies:
        [
            new ScriptedReply("2", "kind", TimeSpan.FromMinutes(1), null),
            new ScriptedReply("when is delivery?", null, TimeSpan.Zero, TimeSpan.FromDays(2)),
            new ScriptedReply("love it", null, TimeSpan.Zero, TimeSpan.FromDays(3)),
        ]);

        var faq = Assert.Single(Messages(result), m => m.Detail == "faq");
        Assert.Equal(("Orders ship in 2 days.", T0 + TimeSpan.FromDays(2)), (faq.Text, faq.At));
        Assert.Contains(result.Timeline, e => e is { Kind: "inbox", Detail: "reply = love it" });
    }

    [Fact]
    public async Task AskingForAPerson_IsConfirmed_ThenPausesTheJourneyUntilTheAgentIsDone()
    {
        // While the journey waits 10 days, the customer asks for a person, confirms, and the agent answers.
        var result = await RunAsync(
            replies:
            [
                new ScriptedReply("2", "kind", TimeSpan.FromMinutes(1), null),
                new ScriptedReply("can I talk to a human please", null, TimeSpan.Zero, TimeSpan.FromDays(9.5)),
                new ScriptedReply("yes", null, TimeSpan.Zero, TimeSpan.FromDays(9.6)),
                new ScriptedReply("my skin is red", null, TimeSpan.Zero, TimeSpan.FromDays(9.7)),
            ],
            events:
            [
                new ScriptedEvent("agentReply", TimeSpan.FromDays(9.8), new JsonObject { ["text"] = "Please stop for 2 days & patch test.", ["channel"] = "sms" }),
                new ScriptedEvent("handoffClosed", TimeSpan.FromDays(10.2), null),
            ]);

        var messages = Messages(result);
        Assert.Contains(messages, m => m.Detail == "handoffconfirm" && m.Text == "Would you like a person from Glow Labs to get back to you? Reply YES or NO.");
        var agent = Assert.Single(messages, m => m.Detail == "agent");
        Assert.Equal(("Please stop for 2 days & patch test.", "sms"), (agent.Text, agent.Channel));
        // The agent's close is on the ticket too (the support metrics count it, with how long the handoff was open).
        Assert.Equal(["open: customer asked for a person", "customerReply: customer replied", "closed: closed by an agent"], result.Timeline.Where(e => e.Kind == "handoff").Select(e => e.Detail));
        // The 10-day wait came due during the pause (day 10); the journey went on only when the agent closed (day 10.2).
        Assert.Equal(T0 + TimeSpan.FromDays(10.2), result.End);
        Assert.Equal("finished", result.Outcome);
    }

    [Fact]
    public async Task Exit_ReorderAnywhere_JumpsToItsStep()
    {
        var result = await RunAsync(
            replies: [new ScriptedReply("1", "kind", TimeSpan.FromMinutes(1), null)],
            events: [new ScriptedEvent("reorder", TimeSpan.FromDays(4), null)]);

        Assert.Equal("reordered", result.Outcome);
        Assert.Equal(T0 + TimeSpan.FromDays(4), result.End);
    }

    [Fact]
    public void Personalisation_IsHtmlEscapedInEmail_LiteralInSms_AndSegmentsAreCounted()
    {
        var order = Samples.Order();
        order["customer"]!["first_name"] = "Ann <b>&</b>";
        var (definition, _) = JourneyValidator.Validate(Journey);
        var input = new JourneyInput("care", 1, order["customer"]!.AsObject(), order["order"]!.AsObject(), [], [], []);
        var interpreter = new JourneyInterpreter((_, _) => definition, JourneyContext.Of(input));

        var transition = interpreter.Apply(new JourneyView(null, T0, new Dictionary<string, DateTimeOffset>()), JourneyEvent.Start(T0));

        // What the orchestration records names the template and the customer by id only; the send activity renders.
        var orders = transition.Effects.OfType<SendToCustomer>().Select(s => s.Message).ToList();
        var recorded = System.Text.Json.JsonSerializer.Serialize(transition);
        Assert.DoesNotContain("Ann", recorded, StringComparison.Ordinal);
        Assert.DoesNotContain("+14155550123", recorded, StringComparison.Ordinal);
        Assert.DoesNotContain("maya@example.com", recorded, StringComparison.Ordinal);
        Assert.Equal([1, 2], orders.Select(o => o.Number));
        Assert.Equal("$.steps[0].message", orders[0].Template);
        var hello = MessageRenderer.Render(definition!, orders[0], input, null);
        Assert.Equal("Hi Ann <b>&</b>, Shake well", hello.Sms!.Text);
        Assert.Equal("<p>Hi Ann &lt;b&gt;&amp;&lt;/b&gt;</p>", hello.Email!.Html);
        Assert.Equal("Hi Ann <b>&</b>", hello.Email.Text);
        Assert.Equal(("service", "GSM-7", 1), (hello.Class, hello.Sms.Encoding, hello.Sms.Segments));
        Assert.Equal(["sms", "email"], hello.Channels);
        Assert.Equal(("+14155550123", "maya@example.com", "America/New_York"), (hello.Customer.Phone, hello.Customer.Email, hello.Customer.TimeZone));

        // The ask was sent too, with its options for email answer links, and the instance says what it waits for.
        var ask = MessageRenderer.Render(definition!, orders[1], input, null);
        Assert.Equal(["dry", "oily"], ask.Ask!.Options.Select(o => o.Value));
        var status = transition.Status;
        Assert.Equal(("care", "kind", "reply", "Unboxing"), (status.Journey, status.Step, status.WaitingFor, status.Stage));
        Assert.Equal(T0 + TimeSpan.FromDays(3), ((StartTimer)transition.Effects.Single(e => e is StartTimer)).DueAt);
    }

    [Theory]
    [InlineData("Short and sweet", "GSM-7", 1)]
    [InlineData("Curly {braces} cost two", "GSM-7", 1)]
    [InlineData("Thanks! 🌿", "UCS-2", 1)]
    public void SmsSegments_EncodingAndCount(string text, string encoding, int segments)
    {
        var length = PxFunctions.Journeys.Templates.SmsSegments.Measure(text);
        Assert.Equal((encoding, segments), (length.Encoding, length.Segments));
    }

    [Fact]
    public void SmsSegments_LongMessages_SplitAt153Or67()
    {
        Assert.Equal(1, PxFunctions.Journeys.Templates.SmsSegments.Measure(new string('a', 160)).Segments);
        Assert.Equal(2, PxFunctions.Journeys.Templates.SmsSegments.Measure(new string('a', 161)).Segments);
        Assert.Equal(3, PxFunctions.Journeys.Templates.SmsSegments.Measure(new string('a', 307)).Segments);
        Assert.Equal(2, PxFunctions.Journeys.Templates.SmsSegments.Measure(new string('é', 70) + "ж").Segments);
        Assert.Equal(82, PxFunctions.Journeys.Templates.SmsSegments.Measure(new string('€', 41)).Units);
    }

    [Fact]
    public void Migrate_WithAMapping_MovesTheWaitingInstanceToTheNewVersion()
    {
        var (v1, _) = JourneyValidator.Validate(Journey);
        var (v2, errors) = JourneyValidator.Validate(Journey.Replace("Skin type? 1) Dry 2) Oily", "Which skin type? 1) Dry 2) Oily", StringComparison.Ordinal).Replace("id: kind", "id: skin-type", StringComparison.Ordinal));
        Assert.Empty(errors);
        var input = new JourneyInput("care", 1, Samples.Order()["customer"]!.AsObject(), Samples.Order()["order"]!.AsObject(), [], [], []);
        var interpreter = new JourneyInterpreter((_, version) => version == 1 ? v1 : v2, JourneyContext.Of(input));
        var started = interpreter.Apply(new JourneyView(null, T0, new Dictionary<string, DateTimeOffset>()), JourneyEvent.Start(T0));
        var timers = new Dictionary<string, DateTimeOffset> { [JourneyInterpreter.StepTimer] = T0 + TimeSpan.FromDays(3) };

        var migrated = interpreter.Apply(
            new JourneyView(started.State, T0 + TimeSpan.FromHours(1), timers),
            new JourneyEvent(JourneyEventKind.External, JourneyInterpreter.Events.Migrate, JsonNode.Parse("""{"version":2,"steps":{"kind":"skin-type","wait":"wait"}}""")!.AsObject(), T0));
        var answered = interpreter.Apply(
            new JourneyView(migrated.State, T0 + TimeSpan.FromHours(2), timers),
            new JourneyEvent(JourneyEventKind.External, JourneyInterpreter.Events.Reply, [], T0, ReplyReader.Read(v2!, migrated.State.Step, false, "2")));

        var state = migrated.State;
        Assert.Equal((2, "skin-type", WaitingFor.Reply), (state.Version, state.Step, state.Waiting));
        Assert.DoesNotContain(migrated.Effects, e => e is StartTimer or CancelTimer);
        Assert.Equal("oily", (string?)answered.State.Answers["skin"]);
    }

    [Fact]
    public async Task PauseWithoutAnAgent_ResumesAfter24Hours()
    {
        var result = await RunAsync(replies:
        [
            new ScriptedReply("2", "kind", TimeSpan.FromMinutes(1), null),
            new ScriptedReply("agent", null, TimeSpan.Zero, TimeSpan.FromDays(9.5)),
            new ScriptedReply("yes", null, TimeSpan.Zero, TimeSpan.FromDays(9.6)),
        ]);

        Assert.Equal(T0 + TimeSpan.FromDays(10.6), result.End);
    }

    [Fact]
    public async Task DeliveredTrigger_WaitsForTheReport_ThenStarts()
    {
        var order = Samples.Order();
        order["order"]!.AsObject().Remove("fulfilled_at");
        var result = await RunAsync(
            order,
            events: [new ScriptedEvent("delivered", TimeSpan.FromDays(1), null)],
            journey: Journey.Replace("trigger: { event: paid,", "trigger: { event: delivered, deliveryFallbackDays: 6,", StringComparison.Ordinal));

        Assert.Equal(T0 + TimeSpan.FromDays(1), Messages(result)[0].At);
    }

    [Fact]
    public async Task DeliveredTrigger_NoReport_StartsAfterTheFallbackFromFulfilment()
    {
        var order = Samples.Order();
        order["order"]!["fulfilled_at"] = "2026-05-04T09:00:00Z";
        var result = await RunAsync(order, journey: Journey.Replace("trigger: { event: paid,", "trigger: { event: delivered, deliveryFallbackDays: 6,", StringComparison.Ordinal));

        // The journey starts six days after fulfilment; 05:00 in New York, so its first text goes at 08:00.
        Assert.Equal((Samples.At("2026-05-10T09:00:00Z"), Samples.At("2026-05-10T12:00:00Z")), (Messages(result)[0].RequestedAt!.Value, Messages(result)[0].At));
    }
}
