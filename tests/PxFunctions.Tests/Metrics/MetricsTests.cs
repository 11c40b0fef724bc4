using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Metrics;
using PxFunctions.Configuration;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Tests.Channels;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Metrics;

/// <summary>PX metrics: real journeys on the engine with the ACS double, the recorder under retries and concurrent writers, the API's input checks.</summary>
public sealed class MetricsTests(StorageFixture storage)
{
    private const string Journey = """
        id: check-in
        name: Check-in
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: rate, type: ask, class: service, expect: rating, record: rating, timeout: P1D,
              message: { sms: { en: "How is it, {{ customer.first_name }}? Reply 1-5" } } }
          - { id: thanks, type: send, class: service, message: { sms: { en: "Thanks for the {{ answers.rating }}!" } } }
        """;

    private static string Today => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task RealJourneys_WithAReplyAndAStop_GiveExactFigures()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        var (definition, errors) = JourneyValidator.Validate(Journey);
        Assert.Empty(errors);
        await h.Host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, Journey, CancellationToken.None);
        var ann = await TestCustomers.StartJourneyAsync(h.Host, "check-in", "Ann", "+14155550111", null);
        var bob = await TestCustomers.StartJourneyAsync(h.Host, "check-in", "Bob", "+14155550112", null);
        await Eventually.TrueAsync(() => h.Acs.Sms.Count >= 2, "both questions to be sent", 60_000);

        // Ann answers 5 and the event is delivered twice; Bob texts STOP, delivered twice too.
        for (var i = 0; i < 2; i++)
        {
            await TestCustomers.PostSmsAsync(h.Host, "Incoming_ann", "+14155550111", "5");
            await TestCustomers.PostSmsAsync(h.Host, "Incoming_bob", "+14155550112", "STOP");
        }

        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == "+14155550111" && s.Message == "Thanks for the 5!"), "Ann's thanks", 60_000);
        JsonNode metrics = new JsonObject();
        await Eventually.TrueAsync(async () =>
        {
            metrics = await TestCustomers.AdminJsonAsync(h.Host, $"/api/admin/metrics?from={Today}&to={Today}&journey=check-in");
            return metrics["totals"]!["messages_sent"]!.GetValue<double>() >= 3 && metrics["totals"]!["answers"]!.GetValue<double>() >= 1;
        }, "the thanks and the answer to be counted", 30_000);

        var totals = metrics["totals"]!;
        Assert.Equal(3, totals["messages_sent"]!.GetValue<double>());
        Assert.Equal(3, totals["messages_sent_sms"]!.GetValue<double>());
        Assert.Equal(0, totals["messages_sent_email"]!.GetValue<double>());
        Assert.Equal(2, totals["questions_asked"]!.GetValue<double>());
        Assert.Equal(1, totals["replies"]!.GetValue<double>());
        Assert.Equal(Math.Round(1.0 / 3, 6), totals["reply_rate"]!.GetValue<double>());
        Assert.Equal(1, totals["answers"]!.GetValue<double>());
        Assert.Equal(0.5, totals["answer_rate"]!.GetValue<double>());
        Assert.Equal(1, totals["ratings"]!.GetValue<double>());
        Assert.Equal(1, totals["ratings_5"]!.GetValue<double>());
        Assert.Equal(1, totals["five_star_rate"]!.GetValue<double>());

        // The STOP counts for the journey that last wrote to Bob, and in the all-journeys figures.
        Assert.Equal(1, totals["opt_outs"]!.GetValue<double>());
        var all = await TestCustomers.AdminJsonAsync(h.Host, $"/api/admin/metrics?from={Today}&to={Today}");
        Assert.Equal(1, all["totals"]!["opt_outs"]!.GetValue<double>());
        Assert.Equal(Math.Round(1000.0 / 3, 6), all["totals"]!["opt_outs_per_1000_messages"]!.GetValue<double>());
        Assert.Equal(3, all["totals"]!["messages_sent"]!.GetValue<double>());
        var funnel = metrics["funnel"]!.AsArray().Select(f => ((string)f!["journey"]!, (int)f["version"]!, (string)f["step"]!, (long)f["reached"]!)).ToList();
        Assert.Equal([("check-in", 1, "rate", 2L), ("check-in", 1, "thanks", 1L)], funnel);
        Assert.NotNull(ann);
        Assert.NotNull(bob);
    }

    [Fact]
    public async Task Recorder_KeepsTheRowsItWrote_SoAnEventCostsOneRequest_AndTwoProcessesStillCountExactly()
    {
        await using var host = await AppHost.StartAsync(storage, new Dictionary<string, string?> { [SettingNames.JourneysLoadExamples] = "false" });
        var account = host.Services.GetRequiredService<PxFunctions.Storage.StorageAccount>();
        var counter = host.Services.GetRequiredService<PxFunctions.Storage.StorageRequestCounter>();
        var store = host.Services.GetRequiredService<MetricsStore>();
        var other = new MetricsStore(account.Table(MetricsStore.TableName)); // a second process: its own rows and ETags
        var day = new DateTimeOffset(2026, 10, 7, 9, 0, 0, TimeSpan.Zero);

        await store.RecordAsync(MetricEvent.One("sent:warm", day, "serum", "messages_sent"), CancellationToken.None);
        var before = counter.Tables;
        for (var i = 0; i < 40; i++)
        {
            await store.RecordAsync(MetricEvent.One($"sent:one-{i}", day, "serum", "messages_sent"), CancellationToken.None);
        }

        var sequential = counter.Tables - before;

        // The other process writes in between: this one's next write meets a changed ETag (412), reads again and counts.
        await other.RecordAsync(MetricEvent.One("sent:other-1", day, "serum", "messages_sent"), CancellationToken.None);
        await store.RecordAsync(MetricEvent.One("sent:after-other", day, "serum", "messages_sent"), CancellationToken.None);
        // Both at once, the same 30 events and 20 each of their own, in parallel within each.
        await Task.WhenAll(new[] { store, other }.Select((s, w) => Task.WhenAll(
            Enumerable.Range(0, 30).Select(i => MetricEvent.One($"sent:both-{i}", day, i % 3 == 0 ? "mask" : "serum", "messages_sent"))
                .Concat(Enumerable.Range(0, 20).Select(i => MetricEvent.One($"reply:w{w}-{i}", day, "serum", "replies")))
                .Select(e => Task.Run(() => s.RecordAsync(e, CancellationToken.None))))));
        // A repeat of a counted event through either process changes nothing.
        await other.RecordAsync(MetricEvent.One("sent:one-3", day, "serum", "messages_sent"), CancellationToken.None);
        await store.RecordAsync(MetricEvent.One("sent:both-4", day, "serum", "messages_sent"), CancellationToken.None);

        Assert.Equal(40, sequential);
        var m = await TestCustomers.AdminJsonAsync(host, "/api/admin/metrics?from=2026-10-07&to=2026-10-07");
        Assert.Equal(1 + 40 + 1 + 1 + 30, (double)m["totals"]!["messages_sent"]!);
        Assert.Equal(40, (double)m["totals"]!["replies"]!);
        var mask = await TestCustomers.AdminJsonAsync(host, "/api/admin/metrics?from=2026-10-07&to=2026-10-07&journey=mask");
        Assert.Equal(10, (double)mask["totals"]!["messages_sent"]!);
    }

    [Fact]
    public async Task Recorder_RetriesAndConcurrentWriters_CountEachEventOnce()
    {
        await using var host = await AppHost.StartAsync(storage, new Dictionary<string, string?> { [SettingNames.JourneysLoadExamples] = "false" });
        var store = host.Services.GetRequiredService<MetricsStore>();
        var day = new DateTimeOffset(2026, 11, 3, 12, 0, 0, TimeSpan.Zero);

        // 8 writers at once, each recording the same 60 events (so every event is seen 8 times) plus 10 of its own.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var shared = Enumerable.Range(0, 60).Select(i => MetricEvent.One($"sent:s{i}", day, i % 2 == 0 ? "serum" : "mask", "messages_sent"));
            var own = Enumerable.Range(0, 10).Select(i => MetricEvent.One($"reply:w{w}-{i}", day.AddDays(1), "serum", "replies"));
            foreach (var e in shared.Concat(own))
            {
                await store.RecordAsync(e, CancellationToken.None);
            }
        })));
        await store.RecordAsync(
            [
                MetricEvent.Reached("reach:a", day, "serum", 2, "Unboxing", "welcome"),
                MetricEvent.Reached("reach:a", day, "serum", 2, "Unboxing", "welcome"),
                MetricEvent.Outcome("outcome:a", day, "serum", "reordered"),
                MetricEvent.Of("order:1", day, "serum", ("orders_attributed", 1), ("revenue_attributed_minor", 4950)),
            ],
            CancellationToken.None);

        var m = await TestCustomers.AdminJsonAsync(host, "/api/admin/metrics?from=2026-11-01&to=2026-11-30");
        Assert.Equal("2026-11-01", (string)m["from"]!);
        Assert.Null(m["journey"]);
        Assert.Equal(60, (double)m["totals"]!["messages_sent"]!);
        Assert.Equal(80, (double)m["totals"]!["replies"]!);
        Assert.Equal(49.5, (double)m["totals"]!["revenue_attributed"]!);
        Assert.Equal(30, m["series"]!.AsArray().Count);
        Assert.Equal(60, (double)m["series"]![2]!["values"]!["messages_sent"]!);
        Assert.Equal(80, (double)m["series"]![3]!["values"]!["replies"]!);
        Assert.Equal("""[{"journey":"serum","version":2,"stage":"Unboxing","step":"welcome","reached":1}]""", m["funnel"]!.ToJsonString());
        Assert.Equal("""[{"journey":"serum","outcome":"reordered","count":1}]""", m["outcomes"]!.ToJsonString());
        foreach (var name in new[] { "journeys_started", "messages_sent", "messages_sent_sms", "messages_sent_email", "messages_delivered", "replies", "reply_rate", "link_clicks", "link_click_rate", "answers", "answer_rate", "opt_outs", "opt_outs_per_1000_messages", "handoffs", "handoffs_per_100_journeys", "handoff_close_hours_avg", "orders_attributed", "revenue_attributed", "repeat_customers", "reorders_reached", "ratings", "ratings_5", "five_star_rate", "referrals_issued", "referrals_clicked", "referrals_converted" })
        {
            Assert.NotNull(m["totals"]![name]);
            Assert.NotNull(m["series"]![0]!["values"]![name]);
            Assert.False(string.IsNullOrWhiteSpace((string?)m["definitions"]![name]), name);
        }

        var serum = await TestCustomers.AdminJsonAsync(host, "/api/admin/metrics?from=2026-11-01&to=2026-11-30&journey=serum");
        Assert.Equal(30, (double)serum["totals"]!["messages_sent"]!);
        Assert.Equal("serum", (string)serum["journey"]!);

        using var csv = await TestCustomers.AdminGetAsync(host, "/api/admin/metrics.csv?from=2026-11-03&to=2026-11-04&journey=mask");
        var lines = (await csv.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("date,journeys_started,messages_sent,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("2026-11-03,0,30,", lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("to=2026-11-30", "from")]
    [InlineData("from=2026-11-01", "to")]
    [InlineData("from=2026-13-01&to=2026-11-30", "from")]
    [InlineData("from=2026-11-01&to=30-11-2026", "to")]
    [InlineData("from=2026-11-30&to=2026-11-01", "to")]
    [InlineData("from=2025-01-01&to=2026-11-30", "to")]
    [InlineData("from=2026-11-01&to=2026-11-30&journey=a%20b", "journey")]
    public async Task Metrics_BadInput_IsAProblemNamingTheField(string query, string field)
    {
        await using var host = await AppHost.StartAsync(storage, new Dictionary<string, string?> { [SettingNames.JourneysLoadExamples] = "false" });
        foreach (var path in new[] { "/api/admin/metrics?", "/api/admin/metrics.csv?" })
        {
            using var response = await TestCustomers.AdminGetAsync(host, path + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("field").GetString());
        }

        using var anonymous = await host.Client.GetAsync("/api/admin/metrics?from=2026-11-01&to=2026-11-30", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

}

/// <summary>The admin API's OpenAPI description covers every admin route of the route table.</summary>
public sealed class AdminOpenApiTests(StorageFixture storage)
{
    [Fact]
    public async Task OpenApi_DescribesEveryAdminRoute()
    {
        await using var host = await AppHost.StartAsync(storage, new Dictionary<string, string?> { [SettingNames.JourneysLoadExamples] = "false" });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/openapi.json");
        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("3.0.3", (string)document["openapi"]!);

        var routes = new PxFunctions.Http.HttpFunctionRoutes(host.Services, host.Services.GetRequiredService<PxSettings>()).Routes
            .Where(r => r.Route.StartsWith("admin/", StringComparison.Ordinal)).ToList();
        foreach (var area in new[] { "admin/metrics", "admin/journeys", "admin/handoffs/{instanceId}/close", "admin/customers/{id}/export", "admin/orders/{shop}/{orderId}", "admin/poison", "admin/webhooks/rejected" })
        {
            Assert.Contains(routes, r => r.Route == area);
        }

        foreach (var route in routes)
        {
            foreach (var method in route.Methods)
            {
                Assert.True(document["paths"]?["/api/" + route.Route]?[method] is JsonObject, $"{method} /api/{route.Route} is not in the OpenAPI document");
                Assert.Equal(route.Name, (string)document["paths"]!["/api/" + route.Route]![method]!["operationId"]!);
            }
        }

        var metrics = document["paths"]!["/api/admin/metrics"]!["get"]!;
        Assert.Equal(["from", "to", "journey"], metrics["parameters"]!.AsArray().Select(p => (string)p!["name"]!));
    }
}
