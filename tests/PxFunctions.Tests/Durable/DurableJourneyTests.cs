using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Channels;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Tests.Journeys;

namespace PxFunctions.Tests.Durable;

/// <summary>
/// Ownership journeys on the real Durable Task engine (the standalone host's DTFx on the Azure Storage provider, on
/// Azurite), talking to the ACS double over HTTP: the whole loop of timers, sends, replies and the end.
/// </summary>
public sealed class DurableJourneyTests(StorageFixture storage)
{
    private const string Phone = "+14155550123";
    private const string Email = "maya@example.com";
    private const string Name = "Maya";
    private static readonly CancellationToken None = CancellationToken.None;

    private const string RatingJourney = """
        id: durable-rating
        name: Rating
        trigger: { event: delivered, skus: [SERUM-C-30] }
        locales: [en]
        channels: [sms]
        stages: [Unboxing, Usage, Done]
        steps:
          - { id: settle, type: wait, duration: PT3S }
          - { id: usage, type: setStage, stage: Usage }
          - { id: rate, type: ask, class: service, expect: rating, record: score, timeout: P1D,
              message: { sms: { en: "Hi {{ customer.first_name }}, how is your serum? Reply 1-5" } } }
          - { id: check, type: branch, when: [ { if: "answers.score >= 4", goto: happy } ], else: sorry }
          - { id: happy, type: send, class: service, next: done, message: { sms: { en: "Great to hear, {{ customer.first_name }}!" } } }
          - { id: sorry, type: send, class: service, next: done, message: { sms: { en: "Sorry to hear that." } } }
          - { id: done, type: end, outcome: rated }
        """;

    private const string TwoTexts = """
        id: durable-two-texts
        name: Two texts
        trigger: { event: paid, skus: [SERUM-C-30] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: welcome, type: send, class: service, message: { sms: { en: "Welcome, {{ customer.first_name }}" } } }
          - { id: pause, type: wait, duration: PT4S }
          - { id: tip, type: send, class: service, message: { sms: { en: "A tip for {{ customer.first_name }}" } } }
          - { id: done, type: end, outcome: finished }
        """;

    private const string LongWaits = """
        id: durable-long-waits
        name: Long waits
        trigger: { event: paid, skus: [SERUM-C-30] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: first, type: wait, duration: PT7S }
          - { id: hello, type: send, class: service, message: { sms: { en: "Seven seconds later" } } }
          - { id: renewal, type: wait, duration: P400D }
          - { id: renew, type: send, class: marketing, message: { sms: { en: "Time to renew" } } }
          - { id: done, type: end, outcome: renewed }
        """;

    private const string Handoff = """
        id: durable-handoff
        name: Handoff
        trigger: { event: paid, skus: [SERUM-C-30] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: rate, type: ask, class: service, expect: rating, record: score, timeout: P1D, message: { sms: { en: "How is it? Reply 1-5" } } }
          - { id: thanks, type: send, class: service, message: { sms: { en: "Thanks for the {{ answers.score }}!" } } }
          - { id: done, type: end, outcome: rated }
        """;

    private const string EarlyAnswer = """
        id: durable-early-answer
        name: Early answer
        trigger: { event: paid, skus: [SERUM-C-30] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: settle, type: wait, duration: PT10S }
          - { id: rate, type: ask, class: service, expect: rating, record: score, timeout: PT20S, noReply: missed, message: { sms: { en: "How is it? Reply 1-5" } } }
          - { id: thanks, type: send, class: service, next: done, message: { sms: { en: "Thanks for the {{ answers.score }}!" } } }
          - { id: missed, type: send, class: service, message: { sms: { en: "No answer" } } }
          - { id: done, type: end, outcome: rated }
        """;

    private static async Task PublishAsync(ChannelHarness h, string document)
    {
        var (definition, errors) = JourneyValidator.Validate(document);
        Assert.True(definition is not null, string.Join("; ", errors.Select(e => e.Path + " " + e.Message)));
        await h.Host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, document, None);
    }

    private static async Task<string> StartAsync(ChannelHarness h, string journeyId, string customerId)
    {
        var id = $"shop.example:{customerId}:9001";
        var order = Samples.Order(timeZone: Samples.DaytimeZone());
        order["customer"]!["id"] = customerId;
        // Fulfilled now: a "delivered" journey waits for the report (or the fallback days later).
        order["order"]!["fulfilled_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        await Infrastructure.Journeys.StartAsync(
            h.Host.Services, id, new JourneyInput(journeyId, 1, order["customer"]!.AsObject(), order["order"]!.AsObject(), [], (JsonObject)order["brand"]!.DeepClone(), []));
        return id;
    }

    private static IJourneyInstances Instances(ChannelHarness h) => h.Host.Services.GetRequiredService<IJourneyInstances>();

    private static async Task<JsonNode?> StatusAsync(ChannelHarness h, string id) =>
        await Instances(h).GetAsync(id, None) is { CustomStatus: { } status } ? JsonNode.Parse(status) : null;

    private static Task WaitForAsync(ChannelHarness h, string id, Func<InstanceState, bool> condition, string what) =>
        Eventually.TrueAsync(async () => await Instances(h).GetAsync(id, None) is { } s && condition(s), what, 90_000);

    private static async Task<HttpStatusCode> ReplyAsync(ChannelHarness h, string messageId, string text)
    {
        var body = new JsonArray(new JsonObject
        {
            ["id"] = messageId,
            ["topic"] = "/x",
            ["subject"] = "/phonenumber/18005550100",
            ["eventType"] = "Microsoft.Communication.SMSReceived",
            ["eventTime"] = DateTimeOffset.UtcNow,
            ["dataVersion"] = "1.0",
            ["metadataVersion"] = "1",
            ["data"] = new JsonObject { ["messageId"] = messageId, ["from"] = Phone, ["to"] = "+18005550100", ["message"] = text, ["receivedTimestamp"] = DateTimeOffset.UtcNow },
        }).ToJsonString();
        using var response = await h.Host.Client.PostAsync("/api/events/acs?secret=event-grid-secret-for-tests", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    [Fact]
    public async Task FullJourney_DeliveredWaitSmsReplyBranchEnd_EachMessageOnce_NeverEarly()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        await PublishAsync(h, RatingJourney);
        var id = await StartAsync(h, "durable-rating", "c-full");

        await Eventually.TrueAsync(async () => (string?)(await StatusAsync(h, id))?["waitingFor"] == "delivery", "the journey to wait for the delivery", 90_000);
        // Delivered, reported twice (a storefront retry): applied once.
        var delivered = new JsonObject { ["deliveredAt"] = DateTimeOffset.UtcNow };
        Assert.Equal(InstanceOperation.Accepted, await Instances(h).RaiseEventAsync(id, JourneyInterpreter.Events.Delivered, delivered, "delivered:1", None));
        Assert.Equal(InstanceOperation.Accepted, await Instances(h).RaiseEventAsync(id, JourneyInterpreter.Events.Delivered, delivered, "delivered:1", None));

        JsonNode? waiting = null;
        await Eventually.TrueAsync(async () => (string?)(waiting = await StatusAsync(h, id))?["waitingFor"] == "timer", "the settle-in wait", 90_000);
        var due = DateTimeOffset.Parse((string)waiting!["until"]!, CultureInfo.InvariantCulture);
        Assert.Equal("Unboxing", (string?)waiting["stage"]);

        MessageRecord? asked = null;
        await Eventually.TrueAsync(
            async () => (asked = (await h.Log.ForCustomerAsync("c:c-full", None)).SingleOrDefault(m => m.Step == "rate")) is { Status: MessageStatus.Sent },
            "the question to be sent",
            90_000);
        Assert.True(asked!.SentAt >= due, $"The question went at {asked.SentAt:O}, before its wait ended at {due:O}.");
        await Eventually.TrueAsync(async () => (string?)(await StatusAsync(h, id))?["waitingFor"] == "reply", "the journey to wait for the answer", 90_000);
        Assert.Equal("Usage", (string?)(await StatusAsync(h, id))!["stage"]);

        // The reply, delivered twice by Event Grid: one answer.
        Assert.Equal(HttpStatusCode.OK, await ReplyAsync(h, "Incoming_full_1", "5 stars!"));
        Assert.Equal(HttpStatusCode.OK, await ReplyAsync(h, "Incoming_full_1", "5 stars!"));
        await WaitForAsync(h, id, s => s.Status == InstanceStatus.Completed, "the journey to end");

        var state = (await Instances(h).GetAsync(id, None))!;
        var output = JsonNode.Parse(state.Output!)!;
        Assert.Equal(("rated", 5), ((string?)output["outcome"], (int?)output["answers"]!["score"]));
        Assert.Equal(["Hi Maya, how is your serum? Reply 1-5", "Great to hear, Maya!"], h.Acs.Sms.Select(s => s.Message));
        Assert.Equal(2, h.Acs.Sms.Select(s => s.Tag).Distinct().Count());
        // The stage change continued the orchestration as new, with its state carried over.
        Assert.True((int?)JsonNode.Parse(state.Input!)!["Generation"] >= 1, "The stage change did not ContinueAsNew: " + state.Input);

        await AssertTaskHubHoldsNoPersonalDataAsync(h);
    }

    [Fact]
    public async Task AnswerToAQuestionSentByAnEpisodeTheEngineRanAgain_IsTakenWhenTheJourneyAsks()
    {
        // Found by the fault soak: the provider sends an episode's messages before it saves its history, so after a
        // failed save the question had gone (and been answered) while the kept history still waited before it.
        // Here the question's send is made to have happened so: its log row says sent, and the reply routes to the
        // journey while it still waits in "settle".
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        await PublishAsync(h, EarlyAnswer);
        var id = await StartAsync(h, "durable-early-answer", "c-early");
        await Eventually.TrueAsync(async () => (string?)(await StatusAsync(h, id))?["step"] == "settle", "the journey to wait in settle", 90_000);

        var sentAt = DateTimeOffset.UtcNow;
        Assert.True((await h.Log.TryAddAsync(
            new MessageRecord
            {
                CustomerKey = "c:c-early", EffectId = id + "/m1", InstanceId = id, Status = MessageStatus.Sent, Kind = "journey", Class = "service",
                Channel = "sms", To = Phone, JourneyId = "durable-early-answer", Step = "rate", Preview = "How is it? Reply 1-5", Sequence = 1,
                CreatedAt = sentAt, UpdatedAt = sentAt, SentAt = sentAt,
            },
            None)).Saved);
        await h.Host.Services.GetRequiredService<Conversations>().RecordAsync(
            ContactChannel.Sms, new Conversation(Phone, id, "c-early", "durable-early-answer", "rate", true, sentAt), None);
        Assert.Equal(HttpStatusCode.OK, await ReplyAsync(h, "Incoming_early_1", "4"));

        await WaitForAsync(h, id, s => s.Status == InstanceStatus.Completed, "the journey to end");
        var output = JsonNode.Parse((await Instances(h).GetAsync(id, None))!.Output!)!;
        Assert.Equal(("rated", 4), ((string?)output["outcome"], (int?)output["answers"]!["score"]));
        // The question is not sent again; the answer's thanks is.
        Assert.Equal(["Thanks for the 4!"], h.Acs.Sms.Select(s => s.Message));
    }

    [Fact]
    public async Task StopMidJourney_NothingMoreBySms_TheJourneyStillEnds()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        await PublishAsync(h, TwoTexts);
        var id = await StartAsync(h, "durable-two-texts", "c-stop");

        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.Message == "Welcome, Maya"), "the welcome", 90_000);
        Assert.Equal(HttpStatusCode.OK, await ReplyAsync(h, "Incoming_stop_1", "STOP"));
        await WaitForAsync(h, id, s => s.Status == InstanceStatus.Completed, "the journey to end");

        Assert.DoesNotContain(h.Acs.Sms, s => s.Message.StartsWith("A tip", StringComparison.Ordinal));
        Assert.Single(h.Acs.Sms, s => s.Message.Contains("unsubscribed", StringComparison.OrdinalIgnoreCase));
        var tip = (await h.Log.ForCustomerAsync("c:c-stop", None)).Single(m => m.Step == "tip");
        Assert.Equal(MessageStatus.Suppressed, tip.Status);
    }

    [Fact]
    public async Task LongWaits_AreChainedTimers_TheJourneyActsOnceAtTheEnd_AYearLongWaitIsScheduled()
    {
        await using var h = await ChannelHarness.StartAsync(
            storage, DateTimeOffset.UtcNow, dispatcher: true, settings: new Dictionary<string, string?> { [SettingNames.DurableMaximumTimerInterval] = "00:00:02" });
        await PublishAsync(h, LongWaits);
        var started = DateTimeOffset.UtcNow;
        var id = await StartAsync(h, "durable-long-waits", "c-long");

        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.Message == "Seven seconds later"), "the message after the 7 s wait", 90_000);
        JsonNode? status = null;
        await Eventually.TrueAsync(async () => (string?)(status = await StatusAsync(h, id))?["step"] == "renewal", "the 400-day wait", 90_000);
        var renewal = DateTimeOffset.Parse((string)status!["until"]!, CultureInfo.InvariantCulture);
        Assert.InRange(renewal, started + TimeSpan.FromDays(400), DateTimeOffset.UtcNow + TimeSpan.FromDays(400));

        // With a 2 s maximum interval the 7 s wait was several timers, and the 400-day one hops in 2 s steps too.
        var timers = (await Instances(h).HistoryAsync(id, None)).Count(e => e["EventType"]?.ToString() is "TimerCreated" or "10");
        Assert.True(timers >= 4, $"Expected chained timers, found {timers} TimerCreated events.");
        Assert.Single(h.Acs.Sms);
        Assert.Equal(InstanceOperation.Accepted, await Instances(h).TerminateAsync(id, "test over", None));
    }

    [Fact]
    public async Task Handoff_CustomerAsksForAPerson_AgentAnswersBySms_ClosingResumesTheJourney()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        await PublishAsync(h, Handoff);
        var id = await StartAsync(h, "durable-handoff", "c-handoff");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.Message == "How is it? Reply 1-5"), "the question", 90_000);

        Assert.Equal(HttpStatusCode.OK, await ReplyAsync(h, "Incoming_handoff_1", "can I talk to a person please"));
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.Message.StartsWith("Would you like a person", StringComparison.Ordinal)), "the handoff confirmation", 90_000);
        Assert.Equal(HttpStatusCode.OK, await ReplyAsync(h, "Incoming_handoff_2", "yes"));
        await Eventually.TrueAsync(async () => (string?)(await StatusAsync(h, id))?["waitingFor"] == "agent", "the journey to pause for an agent", 90_000);

        // The ticket holds the conversation, read outside the orchestration.
        var records = h.Host.Services.GetRequiredService<PxFunctions.Channels.Inbound.CustomerRecords>();
        // The status shows the pause as soon as it is decided; the ticket is written by the activity that follows.
        await Eventually.TrueAsync(async () => (await records.ListAsync("c:c-handoff", None)).Any(r => r.Kind == "handoff"), "the handoff ticket", 90_000);
        var ticket = JsonNode.Parse((await records.ListAsync("c:c-handoff", None)).Single(r => r.Kind == "handoff").Payload)!;
        Assert.Equal("open", (string?)ticket["action"]);
        Assert.Contains(ticket["conversation"]!.AsArray(), l => (string?)l!["text"] == "can I talk to a person please");

        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/handoffs/{id}/reply") { Content = new StringContent("""{"text":"Sorry about that, a new bottle ships today."}""", Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("x-functions-key", AppHost.AdminKey);
            using var replied = await h.Host.Client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Accepted, replied.StatusCode);
        }

        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.Message == "Sorry about that, a new bottle ships today."), "the agent's answer by SMS", 90_000);
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/handoffs/{id}/close"))
        {
            request.Headers.Add("x-functions-key", AppHost.AdminKey);
            using var closed = await h.Host.Client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Accepted, closed.StatusCode);
        }

        await Eventually.TrueAsync(async () => (string?)(await StatusAsync(h, id))?["waitingFor"] == "reply", "the journey to resume its question", 90_000);
        Assert.Equal(HttpStatusCode.OK, await ReplyAsync(h, "Incoming_handoff_3", "4"));
        await WaitForAsync(h, id, s => s.Status == InstanceStatus.Completed, "the journey to end");
        Assert.Equal("Thanks for the 4!", h.Acs.Sms.Last().Message);
    }

    /// <summary>Every table, queue and blob of the task hub: no phone, email or name of the customer.</summary>
    private static async Task AssertTaskHubHoldsNoPersonalDataAsync(ChannelHarness h)
    {
        var hub = h.Host.Services.GetRequiredService<PxSettings>().Durable.TaskHub;
        var account = h.Host.Storage;
        var texts = new List<string>();
        await foreach (var table in account.Tables.QueryAsync(cancellationToken: None))
        {
            if (!table.Name.StartsWith(hub, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            await foreach (var row in account.Tables.GetTableClient(table.Name).QueryAsync<TableEntity>(cancellationToken: None))
            {
                texts.Add(string.Join("|", row.Select(p => p.Value?.ToString())));
            }
        }

        await foreach (var container in account.Blobs.GetBlobContainersAsync(prefix: hub.ToLowerInvariant(), cancellationToken: None))
        {
            var client = account.Blobs.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync(cancellationToken: None))
            {
                texts.Add((await client.GetBlobClient(blob.Name).DownloadContentAsync(None)).Value.Content.ToString());
            }
        }

        await foreach (var queue in account.Queues.GetQueuesAsync(prefix: hub.ToLowerInvariant(), cancellationToken: None))
        {
            foreach (var message in (await account.Queues.GetQueueClient(queue.Name).PeekMessagesAsync(32, None)).Value)
            {
                texts.Add(message.Body.ToString());
            }
        }

        Assert.Contains(texts, t => t.Contains("durable-rating", StringComparison.Ordinal));
        foreach (var secret in new[] { Phone, Phone[1..], Email, Name, "Lopez" })
        {
            Assert.DoesNotContain(texts, t => t.Contains(secret, StringComparison.Ordinal));
        }
    }
}
