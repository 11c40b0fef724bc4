using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Inbound;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Tests.Channels;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Metrics;

/// <summary>
/// The engagement and support metrics from the paths that make them, on the real engine and over HTTP: answer-link
/// clicks, unsubscribes, SMS STOP, handoffs closed by an agent, per-question answer rates, the funnel of every step
/// reached and the journeys' outcomes. Each act is repeated and must count once.
/// </summary>
public sealed partial class MetricsRecordersTests(StorageFixture storage)
{
    private const string EmailJourney = """
        id: eng-email
        name: Engagement by email
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en]
        channels: [email]
        steps:
          - { id: rate, type: ask, class: service, expect: rating, record: rating, timeout: P1D,
              message: { email: { en: { subject: "How is it?", text: "Rate it 1-5" } } } }
          - { id: check, type: branch, when: [{ if: "answers.rating >= 4", goto: thanks }], else: sorry }
          - { id: thanks, type: send, class: service, next: pause, message: { email: { en: { subject: "Thanks!", text: "Thanks for the {{ answers.rating }}" } } } }
          - { id: sorry, type: send, class: service, next: pause, message: { email: { en: { subject: "Sorry", text: "Sorry to hear it" } } } }
          - { id: pause, type: wait, duration: PT2S }
          - { id: done, type: end, outcome: happy }
        """;

    private const string HandoffJourney = """
        id: eng-handoff
        name: Engagement with a person
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: person, type: handoff, reason: "welcome call", resumeAfter: P7D }
          - { id: after, type: send, class: service, message: { sms: { en: "Glad we could help, {{ customer.first_name }}" } } }
        """;

    private static string Day(int offset) => DateTimeOffset.UtcNow.AddDays(offset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Yesterday to tomorrow: a test that runs over midnight UTC still sees all its figures.</summary>
    private static string Range(string journey) => $"/api/admin/metrics?from={Day(-1)}&to={Day(1)}&journey={journey}";

    [Fact]
    public async Task EmailJourney_LinkClickUnsubscribeAndTerminate_GiveExactFigures()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        await PublishAsync(h.Host, EmailJourney);
        var cleo = await TestCustomers.StartJourneyAsync(h.Host, "eng-email", "Cleo", null, "cleo@example.com");
        var dan = await TestCustomers.StartJourneyAsync(h.Host, "eng-email", "Dan", null, "dan@example.com");
        await Eventually.TrueAsync(() => h.Acs.Emails.Count >= 2, "both questions to be emailed", 60_000);

        // Cleo answers 5 with one click (the confirm page first: opening a link counts nothing), then posts it again.
        var cleoMail = h.Acs.Emails.Single(e => e.Body.ToJsonString().Contains("cleo@example.com", StringComparison.Ordinal)).Body;
        var five = new Uri(AnswerLinks().Matches((string)cleoMail["content"]!["html"]!).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList()[4]).AbsolutePath;
        using (var page = await h.Host.Client.GetAsync(five, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        using (var answer = await h.Host.Client.PostAsync(five, null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        using (var again = await h.Host.Client.PostAsync(five, null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        // Dan unsubscribes with his mail client's one-click POST, twice.
        var danMail = h.Acs.Emails.Single(e => e.Body.ToJsonString().Contains("dan@example.com", StringComparison.Ordinal)).Body;
        var unsubscribe = new Uri(UnsubscribeLink().Match(danMail.ToJsonString()).Value).AbsolutePath;
        for (var i = 0; i < 2; i++)
        {
            using var form = new FormUrlEncodedContent([KeyValuePair.Create("List-Unsubscribe", "One-Click")]);
            using var done = await h.Host.Client.PostAsync(unsubscribe, form, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        }

        await WaitForAsync(h.Host, cleo, InstanceStatus.Completed, "Cleo's journey to end");

        // Dan's journey is ended from outside (the admin API), twice at once: its outcome counts once.
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(dan)}/terminate?reason=test");
            request.Headers.Add("x-functions-key", AppHost.AdminKey);
            using var terminated = await h.Host.Client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True(i == 0 ? terminated.StatusCode == HttpStatusCode.Accepted : terminated.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Gone, $"terminate {i + 1}: {terminated.StatusCode}");
        }

        await WaitForAsync(h.Host, dan, InstanceStatus.Terminated, "Dan's journey to stop");

        JsonNode m = new JsonObject();
        await Eventually.TrueAsync(async () => (m = await TestCustomers.AdminJsonAsync(h.Host, Range("eng-email")))["outcomes"]!.AsArray().Count == 2, "both outcomes to be counted", 30_000);
        var totals = m["totals"]!;
        Assert.Equal(3, (double)totals["messages_sent_email"]!);
        Assert.Equal(2, (double)totals["questions_asked"]!);
        Assert.Equal(1, (double)totals["link_clicks"]!);
        Assert.Equal(Math.Round(1.0 / 3, 6), (double)totals["link_click_rate"]!);
        Assert.Equal(1, (double)totals["replies"]!);
        Assert.Equal(1, (double)totals["answers"]!);
        Assert.Equal(1, (double)totals["opt_outs"]!);
        Assert.Equal("""[{"journey":"eng-email","version":1,"step":"rate","asked":2,"answered":1,"answer_rate":0.5}]""", m["questions"]!.ToJsonString());
        Assert.Equal(
            [("check", 1L), ("done", 1L), ("pause", 1L), ("rate", 2L), ("thanks", 1L)],
            m["funnel"]!.AsArray().Select(f => ((string)f!["step"]!, (long)f["reached"]!)).Order());
        Assert.Equal("""[{"journey":"eng-email","outcome":"happy","count":1},{"journey":"eng-email","outcome":"terminated","count":1}]""", m["outcomes"]!.ToJsonString());
    }

    [Fact]
    public async Task HandoffJourney_CloseTwiceAndStopTwice_CountOnceForTheJourney()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        await PublishAsync(h.Host, HandoffJourney);
        var id = await TestCustomers.StartJourneyAsync(h.Host, "eng-handoff", "Eve", "+14155550131", null);
        var records = h.Host.Services.GetRequiredService<CustomerRecords>();
        var customer = "c:cust-Eve" + id[^6..];
        await Eventually.TrueAsync(async () => (await records.ListAsync(customer, CancellationToken.None)).Any(r => r.Kind == "handoff"), "the handoff ticket", 60_000);

        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/handoffs/{Uri.EscapeDataString(id)}/close");
            request.Headers.Add("x-functions-key", AppHost.AdminKey);
            using var closed = await h.Host.Client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True(closed.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.NotFound, $"close {i + 1}: {closed.StatusCode}");
        }

        await WaitForAsync(h.Host, id, InstanceStatus.Completed, "the journey to go on after the close and end");
        Assert.Contains(h.Acs.Sms, s => s.To == "+14155550131" && s.Message == "Glad we could help, Eve");

        // Eve texts STOP, delivered twice: one opt-out, counted for the journey that last wrote to her.
        for (var i = 0; i < 2; i++)
        {
            await TestCustomers.PostSmsAsync(h.Host, "Incoming_eve_stop", "+14155550131", "STOP");
        }

        // The seconds from handoff to close, from the team's own records of the two.
        var tickets = (await records.ListAsync(customer, CancellationToken.None)).Where(r => r.Kind == "handoff").Select(r => JsonNode.Parse(r.Payload)!).ToList();
        Assert.Equal(["open", "closed"], tickets.Select(t => (string)t["action"]!));
        var seconds = Math.Round((tickets[1]["at"]!.GetValue<DateTimeOffset>() - tickets[0]["at"]!.GetValue<DateTimeOffset>()).TotalSeconds);

        JsonNode m = new JsonObject();
        await Eventually.TrueAsync(async () => (double)(m = await TestCustomers.AdminJsonAsync(h.Host, Range("eng-handoff")))["totals"]!["opt_outs"]! >= 1 && m["outcomes"]!.AsArray().Count > 0, "the opt-out and the outcome", 30_000);
        var totals = m["totals"]!;
        Assert.Equal(1, (double)totals["handoffs"]!);
        Assert.Equal(1, (double)totals["handoffs_closed"]!);
        Assert.Equal(seconds, (double)totals["handoff_close_seconds"]!);
        Assert.Equal(Math.Round(seconds / 3600, 6), (double)totals["handoff_close_hours_avg"]!);
        Assert.Equal(1, (double)totals["messages_sent"]!);
        Assert.Equal(1, (double)totals["opt_outs"]!);
        Assert.Equal(1000, (double)totals["opt_outs_per_1000_messages"]!);
        Assert.Equal([("after", 1L), ("person", 1L)], m["funnel"]!.AsArray().Select(f => ((string)f!["step"]!, (long)f["reached"]!)).Order());
        Assert.Equal("""[{"journey":"eng-handoff","outcome":"completed","count":1}]""", m["outcomes"]!.ToJsonString());
        Assert.Equal("[]", m["questions"]!.ToJsonString());
    }

    private static async Task PublishAsync(AppHost host, string yaml)
    {
        var (definition, errors) = JourneyValidator.Validate(yaml);
        Assert.Empty(errors);
        await host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, yaml, CancellationToken.None);
    }

    private static Task WaitForAsync(AppHost host, string id, InstanceStatus status, string what) =>
        Eventually.TrueAsync(async () => (await Infrastructure.Journeys.GetAsync(host.Services, id))?.Status == status, what, 60_000);

    [GeneratedRegex("href=\"([^\"]+/api/r/[^\"]+)\"")]
    private static partial Regex AnswerLinks();

    [GeneratedRegex(@"https://[^<>""\s]+/api/u/[A-Za-z0-9_\-.]+")]
    private static partial Regex UnsubscribeLink();
}
