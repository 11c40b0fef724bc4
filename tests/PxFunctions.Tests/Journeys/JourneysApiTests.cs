using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Journeys;

/// <summary><c>/api/admin/journeys</c> over real HTTP against the app on Azurite: validation, versions, simulation, pinning, migration.</summary>
public sealed class JourneysApiTests(StorageFixture storage) : IAsyncLifetime
{
    private const string Base = "/api/admin/journeys";
    private AppHost _host = null!;

    /// <summary>A send, a short real-time wait, a question, a closing send: small enough to run through the real runtime.</summary>
    private static string Pinned(string closing) => $$$"""
        id: pinned
        name: Pinned
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: hello, type: send, class: service, message: { sms: { en: "Hello {{ customer.first_name }}" } } }
          - { id: pause, type: wait, duration: PT2S }
          - { id: rate, type: ask, class: service, expect: rating, timeout: P1D, message: { sms: { en: "Rate 1-5" } } }
          - { id: bye, type: send, class: service, message: { sms: { en: "{{{closing}}}" } } }
        """;

    public async ValueTask InitializeAsync() =>
        _host = await AppHost.StartAsync(storage, new Dictionary<string, string?> { [SettingNames.JourneysLoadExamples] = "true" });

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }

        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        return await _host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

    [Fact]
    public async Task Validate_ValidYaml_200_InvalidDocument_400WithEveryError()
    {
        using var ok = await SendAsync(HttpMethod.Post, Base + "/validate", Samples.ExampleText("coffee-machine"), "application/yaml");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("coffee-machine", (await JsonAsync(ok)).GetProperty("id").GetString());

        var broken = Pinned("Bye {{ customer.nmae }}").Replace("class: service, expect", "expect", StringComparison.Ordinal).Replace("next: x", "", StringComparison.Ordinal);
        using var bad = await SendAsync(HttpMethod.Post, Base + "/validate", broken, "application/yaml");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAsync(bad);
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("path").GetString(), e.GetProperty("message").GetString())).ToList();
        Assert.Contains(errors, e => e.Item1 == "$.steps[2].class");
        Assert.Equal("$.steps[2].class", problem.GetProperty("field").GetString());

        // The structure is fine once the class is back; then the unknown variable is reported.
        using var unknown = await SendAsync(HttpMethod.Post, Base + "/validate", Pinned("Bye {{ customer.nmae }}"), "application/yaml");
        var unknownErrors = (await JsonAsync(unknown)).GetProperty("errors");
        Assert.Equal("$.steps[3].message.sms.en", unknownErrors[0].GetProperty("path").GetString());
        Assert.Contains("customer.nmae", unknownErrors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRequests_AreProblems_AndWriteNothing()
    {
        using var empty = await SendAsync(HttpMethod.Post, Base, "");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("body", (await JsonAsync(empty)).GetProperty("field").GetString());

        using var huge = await SendAsync(HttpMethod.Post, Base, "{\"id\":\"" + new string('x', 1_100_000) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        using var invalid = await SendAsync(HttpMethod.Post, Base, Pinned("Bye {{ nope }}"), "application/yaml");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        using var missing = await SendAsync(HttpMethod.Get, Base + "/pinned");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var noDraft = await SendAsync(HttpMethod.Post, Base + "/nothing-here/publish");
        Assert.Equal(HttpStatusCode.NotFound, noDraft.StatusCode);

        using var unauthorised = await _host.Client.PostAsync(Base + "/validate", new StringContent("{}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
    }

    [Fact]
    public async Task Examples_ArePublishedAtStartUp_AndListed()
    {
        await Eventually.TrueAsync(
            async () =>
            {
                using var list = await SendAsync(HttpMethod.Get, Base);
                var ids = (await JsonAsync(list)).EnumerateArray().Where(j => j.GetProperty("latestVersion").ValueKind == JsonValueKind.Number).Select(j => j.GetProperty("id").GetString()).ToList();
                return ids.Contains("skincare-serum") && ids.Contains("coffee-machine") && ids.Contains("supplement-subscription");
            },
            "the example journeys to be published");

        using var schema = await SendAsync(HttpMethod.Get, Base + "/schema");
        Assert.Equal("application/schema+json", schema.Content.Headers.ContentType?.MediaType);
        Assert.Equal("PX Functions ownership journey", (await JsonAsync(schema)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Simulate_InlineYaml_AndPublishedVersion_ReturnTheTimeline()
    {
        var request = new JsonObject
        {
            ["definition"] = Samples.ExampleText("skincare-serum"),
            ["sample"] = Samples.Order(),
            ["replies"] = new JsonArray(new JsonObject { ["step"] = "results-check", ["text"] = "4", ["after"] = "PT2H" }),
            ["events"] = new JsonArray(new JsonObject { ["name"] = "delivered", ["at"] = "P2D" }, new JsonObject { ["name"] = "reorder", ["at"] = "P55D" }),
            ["start"] = "2026-03-03T10:00:00Z",
        };

        using var inline = await SendAsync(HttpMethod.Post, Base + "/simulate", request.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, inline.StatusCode);
        var result = await JsonAsync(inline);
        Assert.Equal("reordered", result.GetProperty("outcome").GetString());
        var first = result.GetProperty("timeline").EnumerateArray().First(e => e.GetProperty("kind").GetString() == "message");
        // Delivered at 05:00 in New York: the welcome text waits for quiet hours to end at 08:00 (13:00 UTC), as live.
        Assert.Equal(("2026-03-05T13:00:00+00:00", "welcome", "sms", "P2DT3H"), (first.GetProperty("at").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture), first.GetProperty("step").GetString(), first.GetProperty("channel").GetString(), first.GetProperty("offset").GetString()));

        // The same against a published version.
        using var saved = await SendAsync(HttpMethod.Post, Base, Pinned("Bye"), "application/yaml");
        using var published = await SendAsync(HttpMethod.Post, Base + "/pinned/publish");
        var byVersion = new JsonObject { ["journeyId"] = "pinned", ["version"] = 1, ["sample"] = Samples.Order(), ["replies"] = new JsonArray(new JsonObject { ["step"] = "rate", ["text"] = "5" }) };
        using var simulated = await SendAsync(HttpMethod.Post, Base + "/simulate", byVersion.ToJsonString());
        var timeline = (await JsonAsync(simulated)).GetProperty("timeline").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "message").Select(e => e.GetProperty("text").GetString()).ToList();
        Assert.Equal(["Hello Maya", "Rate 1-5", "Bye"], timeline);

        using var bad = await SendAsync(HttpMethod.Post, Base + "/simulate", new JsonObject { ["definition"] = Samples.ExampleText("skincare-serum"), ["sample"] = new JsonObject(), ["replies"] = new JsonArray(new JsonObject { ["step"] = "welcome", ["text"] = "hi" }) }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var paths = (await JsonAsync(bad)).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
        Assert.Contains("$.sample.customer", paths);
        Assert.Contains("$.replies[0].step", paths);
    }

    [Fact]
    public async Task Versions_ArePinned_RunningInstancesKeepTheirs_MigrationNeedsAMapping()
    {
        using (var draft = await SendAsync(HttpMethod.Post, Base, Pinned("Goodbye from version one"), "application/yaml"))
        {
            Assert.Equal(HttpStatusCode.Created, draft.StatusCode);
        }

        using (var v1 = await SendAsync(HttpMethod.Post, Base + "/pinned/publish"))
        {
            Assert.Equal(HttpStatusCode.Created, v1.StatusCode);
            Assert.Equal(1, (await JsonAsync(v1)).GetProperty("version").GetInt32());
        }

        using (var again = await SendAsync(HttpMethod.Post, Base + "/pinned/publish"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.False((await JsonAsync(again)).GetProperty("created").GetBoolean());
        }

        var first = await StartAsync(version: 1);
        await SendAsync(HttpMethod.Post, Base, Pinned("Goodbye from version two"), "application/yaml");
        using (var v2 = await SendAsync(HttpMethod.Post, Base + "/pinned/publish"))
        {
            Assert.Equal(2, (await JsonAsync(v2)).GetProperty("version").GetInt32());
        }

        var second = await StartAsync(version: 2);
        using (var versions = await SendAsync(HttpMethod.Get, Base + "/pinned/versions"))
        {
            Assert.Equal([1, 2], (await JsonAsync(versions)).EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        }

        // Both reach the question; each then finishes with the text of the version it started on.
        await WaitForStepAsync(first, "rate");
        await WaitForStepAsync(second, "rate");
        await ReplyAsync(first, "5");
        await ReplyAsync(second, "5");
        await AssertLastMessageAsync(first, 3, "Goodbye from version one");
        await AssertLastMessageAsync(second, 3, "Goodbye from version two");

        // A migration must map every step an instance can wait at; with one, waiting instances move.
        var third = await StartAsync(version: 1);
        await WaitForStepAsync(third, "rate");
        using (var incomplete = await SendAsync(HttpMethod.Post, Base + "/pinned/migrate", """{"fromVersion":1,"toVersion":2,"steps":{"rate":"rate"}}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, incomplete.StatusCode);
            Assert.Equal("$.steps.pause", (await JsonAsync(incomplete)).GetProperty("field").GetString());
        }

        using (var migrate = await SendAsync(HttpMethod.Post, Base + "/pinned/migrate", """{"fromVersion":1,"toVersion":2,"steps":{"pause":"pause","rate":"rate"}}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, migrate.StatusCode);
            Assert.Equal(1, (await JsonAsync(migrate)).GetProperty("instances").GetInt32());
        }

        await Eventually.TrueAsync(async () => (int?)(await CustomStatusAsync(third))?["version"] == 2, "the instance to move to version 2", 60_000);
        await ReplyAsync(third, "4");
        await AssertLastMessageAsync(third, 3, "Goodbye from version two");
    }

    private readonly Dictionary<string, string> _customers = [];

    private async Task<string> StartAsync(int version)
    {
        var id = "shop.example:1001:" + Guid.NewGuid().ToString("N")[..8];
        var order = Samples.Order(timeZone: Samples.DaytimeZone());
        // One customer per instance (the frequency cap counts per customer), whose number was given for the order.
        var customer = "cust-" + id[^8..];
        order["customer"]!["id"] = customer;
        _customers[id] = customer;
        await _host.Services.GetRequiredService<ConsentLedger>().RecordAsync(
            new ConsentChange(ContactChannel.Sms, (string)order["customer"]!["phone"]!, ConsentAction.ServiceGranted, DateTimeOffset.UtcNow, "checkout", null, "order:" + id),
            CancellationToken.None);
        var input = new JourneyInput("pinned", version, order["customer"]!.AsObject(), order["order"]!.AsObject(), [], [], []);
        await _host.Services.GetRequiredService<IJourneyContexts>().SaveAsync(id, input, CancellationToken.None);
        using var started = await SendAsync(HttpMethod.Post, $"/runtime/webhooks/durabletask/orchestrators/{JourneyFunctionNames.Orchestrator}/{id}", $$"""{"JourneyId":"pinned","Version":{{version}}}""");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        return id;
    }

    private async Task<JsonNode?> CustomStatusAsync(string id)
    {
        using var status = await SendAsync(HttpMethod.Get, $"/runtime/webhooks/durabletask/instances/{id}");
        return status.StatusCode == HttpStatusCode.NotFound ? null : JsonNode.Parse(await status.Content.ReadAsStringAsync())?["customStatus"];
    }

    private Task WaitForStepAsync(string id, string step) =>
        Eventually.TrueAsync(async () => (string?)(await CustomStatusAsync(id))?["step"] == step, $"{id} to wait at {step}", 60_000);

    private async Task ReplyAsync(string id, string text)
    {
        // As the inbound SMS handler does: the text beside the instance, its reference in the event.
        var reference = await _host.Services.GetRequiredService<IReplyStore>().SaveAsync(id, "test:" + Guid.NewGuid().ToString("N"), new JourneyText("customer", "sms", text, DateTimeOffset.UtcNow), CancellationToken.None);
        using var raised = await SendAsync(HttpMethod.Post, $"/runtime/webhooks/durabletask/instances/{id}/raiseEvent/reply", new JsonObject { ["ref"] = reference, ["channel"] = "sms" }.ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
    }

    /// <summary>Waits for the instance's <paramref name="count"/>th sent message (from the message log) and checks its text.</summary>
    private async Task AssertLastMessageAsync(string id, int count, string expected)
    {
        var log = _host.Services.GetRequiredService<MessageLog>();
        List<MessageRecord> sent = [];
        await Eventually.TrueAsync(
            async () =>
            {
                sent = (await log.ForCustomerAsync("c:" + _customers[id], CancellationToken.None))
                    .Where(m => m.InstanceId == id && m.Status == MessageStatus.Sent)
                    .OrderBy(m => m.SentAt)
                    .ToList();
                return sent.Count >= count;
            },
            $"{count} messages from {id}",
            60_000);
        Assert.True(
            sent.Count == count && sent[^1].Preview == expected,
            $"Expected {count} messages from {id}, the last '{expected}'; sent: " +
            string.Join("; ", sent.Select(m => $"{m.Step} {m.EffectId} {m.SentAt:O} '{m.Preview}'")));
    }
}
