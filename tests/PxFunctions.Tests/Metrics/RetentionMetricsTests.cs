using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Configuration;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Tests.Channels;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Metrics;

/// <summary>
/// Retention metrics on the real path: orders over the signed generic webhook start journeys on the engine, which
/// email a referral link through the ACS double; the review arrives through the Durable HTTP API, the reorder and the
/// refund as webhooks, the referral as a click over HTTP and an order landing with its code. Figures from the API.
/// </summary>
public sealed partial class RetentionMetricsTests(StorageFixture storage)
{
    private const string OrdersSecret = "orders-secret-for-retention-0123456789";
    private const string Shop = "brand.example";
    private const string StoreUrl = "https://glowlabs.example/";

    // Email only: quiet hours are the SMS rule, so the figures hold at any hour.
    private const string Journey = """
        id: retention
        name: Retention
        trigger: { event: paid, skus: [RET-1] }
        locales: [en]
        channels: [email]
        steps:
          - { id: share, type: send, class: service,
              message: { email: { en: { subject: "Share the glow", html: "<p>Give a friend 10% off: <a href=\"{{ links.referral }}\">{{ links.referral }}</a></p>" } } } }
          - { id: review-goal, type: goal, event: review, within: PT20S, reached: reorder-goal, missed: reorder-goal }
          - { id: reorder-goal, type: goal, event: reorder, within: P7D, reached: reordered }
          - { id: reordered, type: end, outcome: reordered }
        """;

    [Fact]
    public async Task GoalsRefundsAndReferrals_OnTheRealPath_GiveExactFigures_RepeatsCountOnce()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true, settings: new Dictionary<string, string?>
        {
            [SettingNames.OrdersWebhookSecrets] = OrdersSecret,
            [SettingNames.BrandStoreUrl] = StoreUrl,
            [SettingNames.QueuesRetryDelay] = "00:00:00.200",
        });
        var (definition, errors) = JourneyValidator.Validate(Journey);
        Assert.Empty(errors);
        await h.Host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, Journey, CancellationToken.None);
        var run = Guid.NewGuid().ToString("N")[..8];
        var ann = new Buyer("ann-" + run, $"ann-{run}@example.com");
        var bob = new Buyer("bob-" + run, $"bob-{run}@example.com");
        var cat = new Buyer("cat-" + run, $"cat-{run}@example.com");

        // Ann and Bob buy; each journey emails its customer's referral link and waits for a review.
        Assert.Equal("accepted", await PostAsync(h.Host, OrderEvent("order.paid", "a1-" + run, "A1-" + run, ann, "RET-1")));
        Assert.Equal("accepted", await PostAsync(h.Host, OrderEvent("order.paid", "b1-" + run, "B1-" + run, bob, "RET-1")));
        var annJourney = IntakeProcessor.InstanceIdOf(Shop, "A1-" + run, "l1");
        var bobJourney = IntakeProcessor.InstanceIdOf(Shop, "B1-" + run, "l1");
        await WaitForStepAsync(h.Host, annJourney, "review-goal");

        // Ann's review reaches her goal (raised twice: applied once); Bob's review goal runs out.
        for (var i = 0; i < 2; i++)
        {
            using var raised = await AdminAsync(h.Host, HttpMethod.Post, $"/runtime/webhooks/durabletask/instances/{annJourney}/raiseEvent/review", """{"eventId":"review-1"}""");
            Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        }

        await WaitForStepAsync(h.Host, annJourney, "reorder-goal");
        await WaitForStepAsync(h.Host, bobJourney, "reorder-goal");

        // The referral link in Ann's email: opened twice today (one click counted), each time to the store with its code.
        var annToken = ReferralToken(await EmailToAsync(h, ann.Email));
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = h.Host.Client.BaseAddress };
        Assert.NotEqual(annToken, ReferralToken(await EmailToAsync(h, bob.Email)));
        for (var i = 0; i < 2; i++)
        {
            using var click = await browser.GetAsync($"/api/ref/{annToken}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Redirect, click.StatusCode);
            Assert.Equal($"{StoreUrl}?px_ref={annToken}", click.Headers.Location!.ToString());
        }

        // A forged token and one of the wrong shape: 404 problems naming the token, nothing counted.
        foreach (var forged in new[] { annToken[..^1] + (annToken[^1] == 'A' ? 'B' : 'A'), "not-a-token" })
        {
            using var bad = await browser.GetAsync($"/api/ref/{forged}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            Assert.Equal("token", (await bad.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("field").GetString());
        }

        // Cat orders through Ann's link (reported created, then paid: one conversion); her gift has no journey.
        var landing = $"/?px_ref={annToken}&utm_source=friend";
        Assert.Equal("accepted", await PostAsync(h.Host, OrderEvent("order.created", "c1-" + run, "C1-" + run, cat, "GIFT-1", landing)));
        Assert.Equal("accepted", await PostAsync(h.Host, OrderEvent("order.paid", "c2-" + run, "C1-" + run, cat, "GIFT-1", landing)));

        // Ann reorders through her own link (a reorder, not a referral): her journey reaches its reorder goal and ends.
        Assert.Equal("accepted", await PostAsync(h.Host, OrderEvent("order.paid", "a2-" + run, "A2-" + run, ann, "RET-1", landing)));
        await Eventually.TrueAsync(async () => await InstanceAsync(h.Host, annJourney) is { Status: InstanceStatus.Completed }, "Ann's journey to end on her reorder", 60_000);

        // Bob's order is refunded, the webhook sent twice over (two event ids): one refund, one outcome.
        Assert.Equal("accepted", await PostAsync(h.Host, RefundEvent("b2-" + run, "B1-" + run)));
        Assert.Equal("accepted", await PostAsync(h.Host, RefundEvent("b3-" + run, "B1-" + run)));
        await Eventually.TrueAsync(async () => await InstanceAsync(h.Host, bobJourney) is { Status: InstanceStatus.Terminated }, "the refund to end Bob's journey", 60_000);

        var from = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        JsonNode metrics = new JsonObject();
        await Eventually.TrueAsync(async () =>
        {
            metrics = await AdminJsonAsync(h.Host, $"/api/admin/metrics?from={from}&to={to}&journey=retention");
            var t = metrics["totals"]!;
            return (double)t["reorders_reached"]! >= 1 && (double)t["referrals_converted"]! >= 1 && (double)t["refunds"]! >= 1 && (double)t["goals_missed"]! >= 1;
        }, "the retention events to be counted", 30_000);

        // Whatever arrives late (a webhook retried by the queue) has had time to count twice if it could.
        await Task.Delay(1_000, TestContext.Current.CancellationToken);
        metrics = await AdminJsonAsync(h.Host, $"/api/admin/metrics?from={from}&to={to}&journey=retention");
        var totals = metrics["totals"]!;
        Assert.Equal(2, (double)totals["journeys_started"]!);
        Assert.Equal(2, (double)totals["messages_sent_email"]!);
        Assert.Equal(2, (double)totals["referrals_issued"]!);
        Assert.Equal(1, (double)totals["referrals_clicked"]!);
        Assert.Equal(1, (double)totals["referrals_converted"]!);
        Assert.Equal(1, (double)totals["reviews_reached"]!);
        Assert.Equal(1, (double)totals["reorders_reached"]!);
        Assert.Equal(2, (double)totals["goals_reached"]!);
        Assert.Equal(1, (double)totals["goals_missed"]!);
        Assert.Equal(1, (double)totals["refunds"]!);
        Assert.Equal(1, metrics["outcomes"]!.AsArray().Count(o => (string?)o!["outcome"] == "refunded"));
        Assert.Equal(1, (long)metrics["outcomes"]!.AsArray().Single(o => (string?)o!["outcome"] == "refunded")!["count"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)metrics["definitions"]!["goals_missed"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)metrics["definitions"]!["refunds"]));
    }

    private sealed record Buyer(string Id, string Email);

    private static string OrderEvent(string kind, string eventId, string orderId, Buyer buyer, string sku, string? landingSite = null)
    {
        var order = new JsonObject
        {
            ["id"] = orderId,
            ["name"] = "#" + orderId,
            ["created_at"] = DateTimeOffset.UtcNow.ToString("O"),
            ["total_price"] = "40.00",
            ["customer"] = new JsonObject { ["id"] = buyer.Id, ["first_name"] = "Pat", ["email"] = buyer.Email },
            ["line_items"] = new JsonArray(new JsonObject { ["id"] = "l1", ["product_id"] = "p-" + sku, ["sku"] = sku, ["title"] = "Glow " + sku, ["quantity"] = 1 }),
        };
        if (landingSite is not null)
        {
            order["landing_site"] = landingSite;
        }

        return new JsonObject { ["event"] = kind, ["id"] = eventId, ["shop"] = Shop, ["occurred_at"] = DateTimeOffset.UtcNow.ToString("O"), ["order"] = order }.ToJsonString();
    }

    private static string RefundEvent(string eventId, string orderId) =>
        new JsonObject { ["event"] = "order.refunded", ["id"] = eventId, ["shop"] = Shop, ["occurred_at"] = DateTimeOffset.UtcNow.ToString("O"), ["order"] = new JsonObject { ["id"] = orderId } }.ToJsonString();

    private static async Task<string?> PostAsync(AppHost host, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/orders") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Px-Signature", WebhookSecrets.Sign(OrdersSecret, Encoding.UTF8.GetBytes(json)));
        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("status").GetString();
    }

    private static Task<InstanceState?> InstanceAsync(AppHost host, string id) =>
        host.Services.GetRequiredService<IJourneyInstances>().GetAsync(id, CancellationToken.None);

    private static Task WaitForStepAsync(AppHost host, string id, string step) =>
        Eventually.TrueAsync(
            async () => await InstanceAsync(host, id) is { CustomStatus: { } status } && status.Contains($"\"step\":\"{step}\"", StringComparison.Ordinal) && status.Contains("\"waitingFor\":\"goal\"", StringComparison.Ordinal),
            $"{id} to wait at {step}",
            60_000);

    private static async Task<string> EmailToAsync(ChannelHarness h, string address)
    {
        string? html = null;
        await Eventually.TrueAsync(
            () => (html = h.Acs.Emails.Where(e => e.Body["recipients"]?["to"]?[0]?["address"]?.GetValue<string>() == address).Select(e => e.Body["content"]?["html"]?.GetValue<string>()).FirstOrDefault()) is not null,
            "the email to " + address,
            60_000);
        return html!;
    }

    private static string ReferralToken(string html)
    {
        var match = ReferralLinkPattern().Match(html);
        Assert.True(match.Success, "the email carries no referral link: " + html);
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"https://px\.glowlabs\.example/api/ref/([A-Za-z0-9_-]{16})")]
    private static partial Regex ReferralLinkPattern();

    private static async Task<HttpResponseMessage> AdminAsync(AppHost host, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        return await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<JsonNode> AdminJsonAsync(AppHost host, string path)
    {
        using var response = await AdminAsync(host, HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
    }
}
