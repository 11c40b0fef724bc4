using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Inbound;
using PxFunctions.Configuration;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Channels;

/// <summary>Journeys talking to customers through the real runtime and dispatcher: replies, answer links, the dev outbox.</summary>
public sealed partial class TwoWayMessagingTests(StorageFixture storage)
{
    private static string Journey(string channel) => $$$"""
        id: check-in
        name: Check-in
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en]
        channels: [{{{channel}}}]
        steps:
          - { id: rate, type: ask, class: service, expect: rating, record: score, timeout: P1D,
              message: { sms: { en: "How is it, {{ customer.first_name }}? Reply 1-5" }, email: { en: { subject: "How is it?", text: "Rate it 1-5" } } } }
          - { id: thanks, type: send, class: service,
              message: { sms: { en: "Thanks for the {{ answers.score }}, {{ customer.first_name }}!" }, email: { en: { subject: "Thanks!", text: "Thanks for the {{ answers.score }}" } } } }
        """;

    private static async Task PublishAsync(AppHost host, string channel)
    {
        var (definition, errors) = JourneyValidator.Validate(Journey(channel));
        Assert.Empty(errors);
        await host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, Journey(channel), CancellationToken.None);
    }

    private static async Task<string?> StepAsync(AppHost host, string id) =>
        (await Infrastructure.Journeys.GetAsync(host.Services, id)) is { CustomStatus: { } status }
            ? (string?)JsonNode.Parse(status)?["step"]
            : null;

    [Fact]
    public async Task SmsReply_ReachesOnlyTheSendersJourney()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        await PublishAsync(h.Host, "sms");
        var ann = await TestCustomers.StartJourneyAsync(h.Host, "check-in", "Ann", "+14155550101", null);
        var bob = await TestCustomers.StartJourneyAsync(h.Host, "check-in", "Bob", "+14155550102", null);
        await Eventually.TrueAsync(() => h.Acs.Sms.Count >= 2, "both questions to be sent", 60_000);

        const string reply = """
            [{ "id": "Incoming_ann", "topic": "/x", "subject": "/phonenumber/18005550100", "eventType": "Microsoft.Communication.SMSReceived",
               "eventTime": "2026-03-10T15:00:00Z", "dataVersion": "1.0", "metadataVersion": "1",
               "data": { "messageId": "Incoming_ann", "from": "+14155550101", "to": "+18005550100", "message": "4", "receivedTimestamp": "2026-03-10T15:00:00Z" } }]
            """;
        using var response = await h.Host.Client.PostAsync("/api/events/acs?secret=event-grid-secret-for-tests", new StringContent(reply, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == "+14155550101" && s.Message == "Thanks for the 4, Ann!"), "Ann's thanks", 60_000);
        Assert.Equal("rate", await StepAsync(h.Host, bob));
        Assert.DoesNotContain(h.Acs.Sms, s => s.To == "+14155550102" && s.Message.StartsWith("Thanks", StringComparison.Ordinal));

        // A stranger's text reaches no journey; it is kept for a person.
        var stranger = await h.Host.Services.GetRequiredService<InboundSmsHandler>().HandleAsync("+14155550199", "hello?", "Incoming_x", DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Equal(InboundOutcome.Unrouted, stranger.Action);
        Assert.Contains(await h.Host.Services.GetRequiredService<CustomerRecords>().ListAsync("a:+14155550199", CancellationToken.None), r => r.Kind == "unrouted");
    }

    [Fact]
    public async Task EmailAnswerLink_ConfirmsThenAnswersOnce()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        await PublishAsync(h.Host, "email");
        var id = await TestCustomers.StartJourneyAsync(h.Host, "check-in", "Cleo", null, "cleo@example.com");
        await Eventually.TrueAsync(() => !h.Acs.Emails.IsEmpty, "the question email", 60_000);

        var html = (string)h.Acs.Emails.Single().Body["content"]!["html"]!;
        var links = LinkPattern().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.Equal(5, links.Count);
        var four = new Uri(links[3]).AbsolutePath;

        using var confirm = await h.Host.Client.GetAsync(four, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Contains("<strong>4</strong>", await confirm.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal("rate", await StepAsync(h.Host, id));

        using var answer = await h.Host.Client.PostAsync(four, null, TestContext.Current.CancellationToken);
        using var again = await h.Host.Client.PostAsync(new Uri(links[0]).AbsolutePath, null, TestContext.Current.CancellationToken);
        using var tampered = await h.Host.Client.GetAsync(four[..^3] + "AAA", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tampered.StatusCode);
        await Eventually.TrueAsync(() => h.Acs.Emails.Any(e => (string?)e.Body["content"]!["subject"] == "Thanks!"), "the thanks email", 60_000);
        Assert.Contains("Thanks for the 4", (string)h.Acs.Emails.Last().Body["content"]!["plainText"]!, StringComparison.Ordinal);

        // The same link again: already used.
        using var reused = await h.Host.Client.PostAsync(four, null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
    }

    [Fact]
    public async Task DevOutbox_ShowsTheMessages_AndSimulatedRepliesReachTheJourney()
    {
        await using var host = await AppHost.StartAsync(storage, new Dictionary<string, string?> { [SettingNames.JourneysLoadExamples] = "false" });
        await PublishAsync(host, "sms");
        var id = await TestCustomers.StartJourneyAsync(host, "check-in", "Dee", "+14155550103", null);

        List<JsonElement> outbox = [];
        await Eventually.TrueAsync(async () => (outbox = await OutboxAsync(host)).Count >= 1, "the question in the dev outbox", 60_000);
        Assert.Equal(("sms", "+14155550103", "How is it, Dee? Reply 1-5"), (outbox[0].GetProperty("channel").GetString(), outbox[0].GetProperty("to").GetString(), outbox[0].GetProperty("text").GetString()));

        using var reply = await Send(host, HttpMethod.Post, "/api/dev/replies", """{"from":"(415) 555-0103","text":"five"}""");
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        Assert.Equal(id, (await reply.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("instanceId").GetString());
        await Eventually.TrueAsync(async () => (await OutboxAsync(host)).Any(m => m.GetProperty("text").GetString() == "Thanks for the 5, Dee!"), "the thanks in the dev outbox", 60_000);

        using var bad = await Send(host, HttpMethod.Post, "/api/dev/replies", """{"from":"nobody","text":"hi"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("from", (await bad.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("field").GetString());
    }

    private static async Task<List<JsonElement>> OutboxAsync(AppHost host)
    {
        using var response = await Send(host, HttpMethod.Get, "/api/dev/outbox");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).EnumerateArray().ToList();
    }

    private static async Task<HttpResponseMessage> Send(AppHost host, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [GeneratedRegex("href=\"([^\"]+/api/r/[^\"]+)\"")]
    private static partial Regex LinkPattern();
}
