using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Intake;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Tests.Channels;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Triggers;

namespace PxFunctions.Tests.Intake;

/// <summary>
/// Erasure, export and retention, end to end: one customer goes through every path that stores something about
/// them (the real app over real HTTP, journeys on the real Durable engine, Azurite, the ACS double), then the whole
/// storage account is searched for them.
/// </summary>
public sealed class PrivacyTests(StorageFixture storage)
{
    private const string ShopifySecret = "shpss_privacy_0123456789abcdef";
    private const string EmailSecret = "inbound-email-secret-0123456789";
    private const string Shop = "glowlabs.myshopify.com";
    private static readonly CancellationToken None = CancellationToken.None;

    private const string Journey = """
        id: privacy-journey
        name: Privacy
        trigger: { event: paid, skus: [SERUM-C-30] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: welcome, type: send, class: service, message: { sms: { en: "Hi {{ customer.first_name }}, your serum is on its way" } } }
          - { id: rate, type: ask, class: service, expect: rating, record: score, timeout: P1D, message: { sms: { en: "How is it, {{ customer.first_name }}? Reply 1-5" } } }
          - { id: help, type: handoff, reason: "Rated {{ answers.score }}", next: done }
          - { id: done, type: end, outcome: done }
        """;

    /// <summary>A coffee-machine journey in short: a rating and the warranty question, then a record step.</summary>
    private const string EspressoJourney = """
        id: espresso-profile
        name: Espresso profile
        trigger: { event: paid, skus: [BARISTA-PRO] }
        locales: [en]
        channels: [sms]
        stages: [Unboxing, Care & Maintenance]
        steps:
          - { id: rate, type: ask, stage: Unboxing, class: service, expect: rating, record: rating, timeout: P1D,
              message: { sms: { en: "How do you like your {{ product.title }}? Reply 1-5" } } }
          - { id: warranty, type: ask, class: service, expect: yesno, record: warranty_opt_in, timeout: P1D, on: { "yes": registered, "no": care }, noReply: care,
              message: { sms: { en: "Register your warranty with order {{ order.name }}? Reply YES or NO." } } }
          - { id: registered, type: record, fact: warranty_order, value: "{{ order.name }}" }
          - { id: care, type: setStage, stage: Care & Maintenance }
          - { id: done, type: end, outcome: registered }
        """;

    /// <summary>A customer no other test has: a number in a zone where it is daytime now (quiet hours hold texts at night).</summary>
    private sealed record Customer(string Id, string Phone, string Email, string FirstName, string LastName)
    {
        public static Customer New()
        {
            (string Zone, string Prefix, int Digits)[] numbers =
            [
                ("Asia/Tokyo", "+8135", 7), ("Europe/London", "+44207", 7), ("America/New_York", "+121275", 5),
                ("America/Los_Angeles", "+141575", 5), ("Australia/Sydney", "+6129", 7),
            ];
            var (_, prefix, digits) = numbers.First(n => TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(n.Zone)).Hour is >= 9 and < 19);
            var tail = string.Concat(Enumerable.Range(0, digits).Select(_ => (char)('0' + RandomNumberGenerator.GetInt32(10))));
            var word = string.Concat(Enumerable.Range(0, 7).Select(_ => (char)('a' + RandomNumberGenerator.GetInt32(26))));
            return new Customer(
                RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture) + "4242",
                prefix + tail,
                $"zq{word}@privacy.example",
                "Zq" + word,
                "Xv" + word);
        }

        public string Key => CustomerStore.Safe($"{Shop}|{Id}");

        /// <summary>The customer's data in the forms a store may hold it: E.164, digits, the national number, email, names.</summary>
        public IEnumerable<string> Needles()
        {
            var national = E164.Parser.GetNationalSignificantNumber(E164.Parser.Parse(Phone, null));
            return [Phone, Phone[1..], national, Email, FirstName, LastName];
        }
    }

    private static string Order(Customer c, string orderId, Func<JsonObject, JsonObject>? edit = null)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Intake", "Payloads", "shopify-order.json"))
            .Replace("maya@example.com", c.Email, StringComparison.Ordinal)
            .Replace("+14155550123", c.Phone, StringComparison.Ordinal)
            .Replace("(415) 555-0123", c.Phone, StringComparison.Ordinal)
            .Replace("Maya", c.FirstName, StringComparison.Ordinal)
            .Replace("Lopez", c.LastName, StringComparison.Ordinal)
            .Replace("115310627314723954", c.Id, StringComparison.Ordinal)
            .Replace("820982911946154508", orderId, StringComparison.Ordinal);
        var node = JsonNode.Parse(text)!.AsObject();
        return (edit?.Invoke(node) ?? node).ToJsonString();
    }

    private static string Privacy(Customer c, string orderId, bool erase) => new JsonObject
    {
        ["shop_id"] = 954889,
        ["shop_domain"] = Shop,
        ["customer"] = new JsonObject { ["id"] = long.Parse(c.Id, CultureInfo.InvariantCulture), ["email"] = c.Email, ["phone"] = c.Phone },
        [erase ? "orders_to_redact" : "orders_requested"] = new JsonArray(long.Parse(orderId, CultureInfo.InvariantCulture)),
        ["data_request"] = erase ? null : new JsonObject { ["id"] = 7777 },
    }.ToJsonString();

    private static async Task<HttpResponseMessage> ShopifyAsync(AppHost host, string topic, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/shopify") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Shop-Domain", Shop);
        request.Headers.Add("X-Shopify-API-Version", "2025-10");
        request.Headers.Add("X-Shopify-Webhook-Id", Guid.NewGuid().ToString());
        request.Headers.Add("X-Shopify-Event-Id", Guid.NewGuid().ToString());
        request.Headers.Add("X-Shopify-Triggered-At", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSecrets.Sign(ShopifySecret, Encoding.UTF8.GetBytes(body)));
        return await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<HttpStatusCode> SmsFromAsync(AppHost host, Customer c, string text)
    {
        var id = "Incoming_" + Guid.NewGuid().ToString("N");
        var body = new JsonArray(new JsonObject
        {
            ["id"] = id, ["topic"] = "/x", ["subject"] = "/phonenumber/18005550100", ["eventType"] = "Microsoft.Communication.SMSReceived",
            ["eventTime"] = DateTimeOffset.UtcNow, ["dataVersion"] = "1.0", ["metadataVersion"] = "1",
            ["data"] = new JsonObject { ["messageId"] = id, ["from"] = c.Phone, ["to"] = "+18005550100", ["message"] = text, ["receivedTimestamp"] = DateTimeOffset.UtcNow },
        }).ToJsonString();
        using var response = await host.Client.PostAsync("/api/events/acs?secret=event-grid-secret-for-tests", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> AdminAsync(AppHost host, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static string CustomerPath(Customer c, string action) => $"/api/admin/customers/{Uri.EscapeDataString(c.Key)}/{action}";

    private static Task<ChannelHarness> StartAsync(StorageFixture storage, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [SettingNames.ShopifyWebhookSecrets] = ShopifySecret,
            [SettingNames.InboundEmailSecret] = EmailSecret,
            [SettingNames.QueuesRetryDelay] = "00:00:00.200",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true, settings: settings);
    }

    private static async Task PublishAsync(ChannelHarness h, string journey = Journey)
    {
        var (definition, errors) = JourneyValidator.Validate(journey);
        Assert.True(definition is not null, string.Join("; ", errors.Select(e => e.Path + " " + e.Message)));
        await h.Host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, journey, None);
    }

    private static IJourneyInstances Instances(ChannelHarness h) => h.Host.Services.GetRequiredService<IJourneyInstances>();

    private static async Task<string?> WaitingForAsync(ChannelHarness h, string id) =>
        await Instances(h).GetAsync(id, None) is { CustomStatus: { } status } ? (string?)JsonNode.Parse(status)?["waitingFor"] : null;

    /// <summary>The customer's order, their journey up to a handoff with an agent's answer, replies, a STOP, an unrouted email, a rejected webhook.</summary>
    private static async Task<string> SeedAsync(ChannelHarness h, Customer c, string orderId)
    {
        var host = h.Host;
        using (var created = await ShopifyAsync(host, "orders/create", Order(c, orderId)))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var id = IntakeProcessor.InstanceIdOf(Shop, orderId, "487817672276298554");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == c.Phone && s.Message.StartsWith("How is it", StringComparison.Ordinal)), "the journey's question by SMS", 90_000);
        Assert.Equal(HttpStatusCode.OK, await SmsFromAsync(host, c, "2"));
        await Eventually.TrueAsync(async () => await WaitingForAsync(h, id) == "agent", "the handoff to an agent", 90_000);
        using (var reply = await AdminAsync(host, HttpMethod.Post, $"/api/admin/handoffs/{id}/reply", $$"""{"text":"So sorry, {{c.FirstName}}: a new bottle ships today."}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        }

        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == c.Phone && s.Message.StartsWith("So sorry", StringComparison.Ordinal)), "the agent's answer by SMS", 90_000);

        // The desk: the handoff in its index, and an internal note that names the customer.
        await Eventually.TrueAsync(
            async () =>
            {
                using var handoff = await AdminAsync(host, HttpMethod.Get, $"/api/admin/handoffs/{id}");
                return handoff.StatusCode == HttpStatusCode.OK;
            },
            "the handoff on the desk",
            60_000);
        using (var note = await AdminAsync(host, HttpMethod.Post, $"/api/admin/handoffs/{id}/notes", $$"""{"text":"Called {{c.FirstName}} {{c.LastName}} back"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, await SmsFromAsync(host, c, "STOP"));
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == c.Phone && s.Message.Contains("unsubscribed", StringComparison.OrdinalIgnoreCase)), "the opt-out confirmation", 30_000);

        // An email reply nobody asked for (kept for a person, by address), and a delivery the intake refused.
        var email = new JsonObject { ["from"] = $"{c.FirstName} <{c.Email}>", ["to"] = "care@glowlabs.example", ["subject"] = "Hello", ["text"] = $"It is {c.FirstName} {c.LastName} here", ["messageId"] = Guid.NewGuid().ToString("N") }.ToJsonString();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/events/email") { Content = new StringContent(email, Encoding.UTF8, "application/json") })
        {
            request.Headers.Add("X-Px-Signature", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(EmailSecret), Encoding.UTF8.GetBytes(email))));
            using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        using (var rejected = await ShopifyAsync(host, "orders/create", Order(c, orderId, o => { o.Remove("line_items"); return o; })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        }

        return id;
    }

    [Fact]
    public async Task Redact_AfterEveryPath_LeavesNoTraceInAnyTableQueueOrBlob_AndTheStopStillHolds()
    {
        await using var h = await StartAsync(storage);
        await PublishAsync(h);
        var c = Customer.New();
        var orderId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var id = await SeedAsync(h, c, orderId);
        using (var request = await ShopifyAsync(h.Host, "customers/data_request", Privacy(c, orderId, erase: false)))
        {
            Assert.Equal(HttpStatusCode.OK, request.StatusCode);
        }

        var records = h.Host.Services.GetRequiredService<PxFunctions.Channels.Inbound.CustomerRecords>();
        await Eventually.TrueAsync(async () => (await records.ListAsync("c:" + c.Key, None)).Any(r => r.Kind == "data_request"), "the data request", 30_000);
        var (found, where) = await SearchAsync(h.Host, c);
        Assert.True(found.Count > 0, "the seeded customer is in storage before the erasure");
        var store = h.Host.Services.GetRequiredService<CustomerStore>();
        Assert.Equal([c.Key], await store.KeysForAddressAsync(c.Phone, 5, None));
        Assert.Equal([c.Key], await store.KeysForAddressAsync(c.Email.ToUpperInvariant(), 5, None));

        using (var redact = await ShopifyAsync(h.Host, "customers/redact", Privacy(c, orderId, erase: true)))
        {
            Assert.Equal(HttpStatusCode.OK, redact.StatusCode);
        }

        var customers = h.Host.Services.GetRequiredService<CustomerStore>();
        await Eventually.TrueAsync(async () => await customers.GetAsync(c.Key, None) is null, "the customer to be erased", 60_000);
        await Eventually.TrueAsync(async () => await Instances(h).GetAsync(id, None) is null, "the journey to be purged from the task hub", 90_000);
        // The redaction's own body (it names the customer) goes once it is processed.
        await Eventually.TrueAsync(async () => (await SearchAsync(h.Host, c)).Hits.Count == 0, "no trace of the customer", 30_000);
        (found, where) = await SearchAsync(h.Host, c);
        Assert.True(found.Count == 0, "Still found after the erasure: " + string.Join("; ", found.Select(f => f + " in " + where[f])));
        Assert.Contains(where.Keys, k => k.StartsWith("table ", StringComparison.Ordinal)); // the search did look somewhere
        Assert.Empty(await store.KeysForAddressAsync(c.Phone, 5, None)); // the address index holds hashes, and goes too
        Assert.Empty(await store.KeysForAddressAsync(c.Email, 5, None));
        Assert.Empty(await h.Host.Services.GetRequiredService<PxFunctions.Channels.Desk.HandoffIndex>().ForInstanceAsync(id, None)); // the desk's handoff and its note
        using (var handoff = await AdminAsync(h.Host, HttpMethod.Get, $"/api/admin/handoffs/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, handoff.StatusCode);
        }

        using (var again = await AdminAsync(h.Host, HttpMethod.Post, CustomerPath(c, "erase")))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        // The number comes back with a new order: the STOP it sent still holds, so nothing is texted to it.
        var before = h.Acs.Sms.Count(s => s.To == c.Phone);
        var second = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        using (var reorder = await ShopifyAsync(h.Host, "orders/create", Order(c, second)))
        {
            Assert.Equal(HttpStatusCode.OK, reorder.StatusCode);
        }

        Assert.True((await h.Consent.GetAsync(ContactChannel.Sms, c.Phone, None)).OptedOut);
        MessageRecord? welcome = null;
        await Eventually.TrueAsync(
            async () => (welcome = (await h.Log.ForCustomerAsync("c:" + c.Key, None)).FirstOrDefault(m => m.Step == "welcome" && m.IsFinal)) is not null,
            "the new journey's welcome to be decided",
            90_000);
        Assert.Equal(MessageStatus.Suppressed, welcome!.Status);
        Assert.Contains("opted out", welcome.Reason, StringComparison.Ordinal);
        await Task.Delay(2_000, TestContext.Current.CancellationToken);
        Assert.Equal(before, h.Acs.Sms.Count(s => s.To == c.Phone));
        await Instances(h).TerminateAsync(IntakeProcessor.InstanceIdOf(Shop, second, "487817672276298554"), "test over", None);
    }

    [Fact]
    public async Task Redact_OfACustomerWhoNeverOrdered_RemovesTheirConsentUpdatesAndReplies()
    {
        // Storefronts send consent updates for customers who never ordered, and later their redaction: what the
        // updates left (stored bodies, the consent ledger's address, an unrouted reply) must go though no profile exists.
        await using var h = await StartAsync(storage);
        var c = Customer.New();
        var consentUpdate = new JsonObject
        {
            ["id"] = long.Parse(c.Id, CultureInfo.InvariantCulture),
            ["phone"] = c.Phone,
            ["sms_marketing_consent"] = new JsonObject { ["state"] = "subscribed", ["opt_in_level"] = "single_opt_in", ["consent_updated_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) },
        }.ToJsonString();
        using (var update = await ShopifyAsync(h.Host, "customers_marketing_consent/update", consentUpdate))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        await Eventually.TrueAsync(async () => (await h.Consent.GetAsync(ContactChannel.Sms, c.Phone, None)).Marketing, "the consent update to be recorded", 30_000);
        Assert.Equal(HttpStatusCode.OK, await SmsFromAsync(h.Host, c, "hello, is this the shop?"));
        Assert.True((await SearchAsync(h.Host, c)).Hits.Count > 0, "the customer's number is in storage before the erasure");

        using (var redact = await ShopifyAsync(h.Host, "customers/redact", Privacy(c, "1", erase: true)))
        {
            Assert.Equal(HttpStatusCode.OK, redact.StatusCode);
        }

        await Eventually.TrueAsync(async () => (await SearchAsync(h.Host, c)).Hits.Count == 0, "no trace of the customer who never ordered", 60_000);
        // What compliance needs stays: the ledger still knows the (hashed) number's state.
        Assert.True((await h.Consent.GetAsync(ContactChannel.Sms, c.Phone, None)).Marketing);
    }

    [Fact]
    public async Task Export_HoldsEveryStore_AdminEraseIsIdempotent_BadIdsAreProblems()
    {
        await using var h = await StartAsync(storage);
        await PublishAsync(h);
        var c = Customer.New();
        var orderId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var id = await SeedAsync(h, c, orderId);

        using var exported = await AdminAsync(h.Host, HttpMethod.Get, CustomerPath(c, "export"));
        Assert.Equal(HttpStatusCode.OK, exported.StatusCode);
        var export = JsonNode.Parse(await exported.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal((c.FirstName, c.Phone, c.Email), ((string?)export["profile"]!["firstName"], (string?)export["profile"]!["phone"], (string?)export["profile"]!["email"]));
        Assert.Equal(orderId, (string?)export["orders"]![0]!["orderId"]);
        var journey = export["journeys"]!.AsArray().Single(j => (string?)j!["instanceId"] == id)!;
        Assert.Equal(c.FirstName, (string?)journey["purchase"]!["customer"]!["first_name"]);
        Assert.Contains(journey["texts"]!.AsArray(), t => (string?)t!["text"] == "2");
        Assert.Contains(journey["texts"]!.AsArray(), t => ((string?)t!["text"])?.StartsWith("So sorry", StringComparison.Ordinal) == true);
        var messages = export["messages"]!.AsArray();
        Assert.Contains(messages, m => (string?)m!["step"] == "welcome" && (string?)m["to"] == c.Phone);
        Assert.Contains(messages, m => (string?)m!["kind"] == "keyword" && ((string?)m["preview"])!.Contains("unsubscribed", StringComparison.Ordinal));
        var sms = export["addresses"]!.AsArray().Single(a => (string?)a!["channel"] == "sms")!;
        Assert.True((bool?)sms["consent"]!["optedOut"]);
        Assert.Contains(sms["consentHistory"]!.AsArray(), e => (string?)e!["action"] == "optedOut" && (string?)e["text"] == "STOP");
        Assert.Contains(sms["conversations"]!.AsArray(), v => (string?)v!["instanceId"] == id);
        var kinds = export["records"]!.AsArray().Select(r => (string?)r!["kind"]).ToList();
        Assert.Contains("handoff", kinds);
        Assert.Contains("fact", kinds);
        Assert.Contains("unrouted", kinds);
        var handoff = export["handoffs"]!.AsArray().Single(x => (string?)x!["instanceId"] == id)!;
        Assert.Equal((c.Key, "Rated 2"), ((string?)handoff["customerId"], (string?)handoff["reason"]));
        Assert.Contains(handoff["notes"]!.AsArray(), n => (string?)n!["text"] == $"Called {c.FirstName} {c.LastName} back");
        Assert.Contains(export["webhooks"]!.AsArray(), w => (string?)w!["body"]!["id"]?.ToString() == orderId);
        Assert.Single(export["rejectedWebhooks"]!.AsArray());

        using (var erased = await AdminAsync(h.Host, HttpMethod.Post, CustomerPath(c, "erase")))
        {
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
            Assert.True((await erased.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("erased").GetBoolean());
        }

        using (var again = await AdminAsync(h.Host, HttpMethod.Post, CustomerPath(c, "erase")))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Equal("id", (await again.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("field").GetString());
        }

        using (var gone = await AdminAsync(h.Host, HttpMethod.Get, CustomerPath(c, "export")))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        await Eventually.TrueAsync(async () => await Instances(h).GetAsync(id, None) is null, "the journey to be purged", 90_000);
        foreach (var bad in new[] { "no-shop-separator", Uri.EscapeDataString(Shop + "|" + new string('9', 400)) })
        {
            using var problem = await AdminAsync(h.Host, HttpMethod.Post, $"/api/admin/customers/{bad}/erase");
            Assert.Equal(HttpStatusCode.BadRequest, problem.StatusCode);
            Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
            Assert.Equal("id", (await problem.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Profile_AfterTwoAnsweredQuestions_FindAndExportShowTheAnswersWithTheirJourney()
    {
        await using var h = await StartAsync(storage);
        await PublishAsync(h, EspressoJourney);
        var c = Customer.New();
        var orderId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        using (var created = await ShopifyAsync(h.Host, "orders/create", Order(c, orderId, o =>
        {
            o["line_items"]![0]!["sku"] = "BARISTA-PRO";
            o["line_items"]![0]!["title"] = "Barista Pro";
            return o;
        })))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var id = IntakeProcessor.InstanceIdOf(Shop, orderId, "487817672276298554");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == c.Phone && s.Message == "How do you like your Barista Pro? Reply 1-5"), "the rating question", 90_000);
        Assert.Equal(HttpStatusCode.OK, await SmsFromAsync(h.Host, c, "5 Stars!"));
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == c.Phone && s.Message.StartsWith("Register your warranty", StringComparison.Ordinal)), "the warranty question", 90_000);
        Assert.Equal(HttpStatusCode.OK, await SmsFromAsync(h.Host, c, "Yes please, register it!"));
        await Eventually.TrueAsync(async () => await Instances(h).GetAsync(id, None) is { Status: InstanceStatus.Completed }, "the journey to end", 90_000);

        // The customer page's find (by phone), then the export: the same answers, from the replies, with the journey.
        JsonNode found;
        using (var response = await AdminAsync(h.Host, HttpMethod.Post, "/api/admin/customers/find", new JsonObject { ["query"] = c.Phone }.ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            found = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        }

        using var exported = await AdminAsync(h.Host, HttpMethod.Get, CustomerPath(c, "export"));
        Assert.Equal(HttpStatusCode.OK, exported.StatusCode);
        var export = JsonNode.Parse(await exported.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal(c.FirstName, (string?)export["profile"]!["firstName"]); // the stored profile stays beside what they told us
        Assert.Contains(export["records"]!.AsArray(), r => (string?)r!["kind"] == "fact"); // and the raw records stay

        foreach (var (where, profile) in new[] { ("find", found["profile"]!), ("export", export["profile"]!) })
        {
            var answers = profile["answers"]!.AsArray().ToDictionary(a => (string)a!["fact"]!, a => a!);
            Assert.True(answers.Keys.Order().SequenceEqual(["rating", "warranty_opt_in", "warranty_order"]), where + ": " + string.Join(", ", answers.Keys));
            Assert.Equal(("5", "espresso-profile", id, "rate"), ((string?)answers["rating"]["value"], (string?)answers["rating"]["journeyId"], (string?)answers["rating"]["instanceId"], (string?)answers["rating"]["step"]));
            Assert.Equal(("reply", "5 Stars!"), ((string?)answers["rating"]["source"]!["kind"], (string?)answers["rating"]["source"]!["text"]));
            Assert.StartsWith("reply", (string?)answers["rating"]["source"]!["reference"], StringComparison.Ordinal);
            Assert.Equal(("yes", "warranty", "Yes please, register it!"), ((string?)answers["warranty_opt_in"]["value"], (string?)answers["warranty_opt_in"]["step"], (string?)answers["warranty_opt_in"]["source"]!["text"]));
            Assert.Equal(("#1001", "journey record"), ((string?)answers["warranty_order"]["value"], (string?)answers["warranty_order"]["source"]!["kind"]));
            Assert.Empty(answers["rating"]["history"]!.AsArray());

            var product = Assert.Single(profile["products"]!.AsArray())!;
            Assert.Equal(("Barista Pro", "BARISTA-PRO", "espresso-profile", "Care & Maintenance", "Completed"),
                ((string?)product["title"], (string?)product["sku"], (string?)product["journeyId"], (string?)product["stage"], (string?)product["status"]));
            Assert.Equal(3, product["facts"]!.AsArray().Count);

            var preferences = profile["preferences"]!;
            var sms = preferences["channels"]!.AsArray().Single(x => (string?)x!["channel"] == "sms")!;
            Assert.True((bool)sms["service"]!);
            Assert.Equal("shopify checkout", (string?)sms["source"]!["reference"]);
            Assert.Equal(("US-NY", "customer profile"), ((string?)preferences["quietHours"]!["region"], (string?)preferences["timeZone"]!["source"]!["kind"]));
            // What they told us names no address in full (the export's stored profile beside it does, as it must).
            var told = new JsonObject { ["answers"] = profile["answers"]!.DeepClone(), ["preferences"] = preferences.DeepClone(), ["products"] = profile["products"]!.DeepClone() }.ToJsonString();
            Assert.DoesNotContain(c.Phone, told, StringComparison.Ordinal);
            Assert.DoesNotContain(c.Email, told, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Erase_InterruptedMidway_CompletesWhenRunAgain()
    {
        await using var h = await StartAsync(storage);
        await PublishAsync(h);
        var c = Customer.New();
        var orderId = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        using (var created = await ShopifyAsync(h.Host, "orders/create", Order(c, orderId)))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var id = IntakeProcessor.InstanceIdOf(Shop, orderId, "487817672276298554");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == c.Phone && s.Message.StartsWith("How is it", StringComparison.Ordinal)), "the question", 90_000);
        await Eventually.TrueAsync(async () => await WaitingForAsync(h, id) == "reply", "the journey to wait for the answer", 90_000);

        // An erasure that stopped after its first steps: the message log and consent done, the rest not.
        await h.Log.ForgetAsync("c:" + c.Key, None);
        await h.Consent.AnonymiseAsync(ContactChannel.Sms, c.Phone, None);
        Assert.NotNull(await h.Host.Services.GetRequiredService<CustomerStore>().GetAsync(c.Key, None));

        using (var erased = await AdminAsync(h.Host, HttpMethod.Post, CustomerPath(c, "erase")))
        {
            Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        }

        await Eventually.TrueAsync(async () => await Instances(h).GetAsync(id, None) is null, "the journey to be purged", 90_000);
        await Eventually.TrueAsync(async () => (await SearchAsync(h.Host, c)).Hits.Count == 0, "no trace of the customer", 90_000);
    }

    [Fact]
    public async Task Retention_PurgesFinishedJourneysPastThePeriod_LeavesRunningOnes()
    {
        await using var h = await StartAsync(storage, new() { [SettingNames.PrivacyJourneyRetention] = "00:00:01" });
        await PublishAsync(h);
        var c = Customer.New();
        var first = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var second = (long.Parse(first, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        foreach (var order in new[] { first, second })
        {
            using var created = await ShopifyAsync(h.Host, "orders/create", Order(c, order, o => { o["customer"]!["id"] = long.Parse(c.Id, CultureInfo.InvariantCulture) + long.Parse(order, CultureInfo.InvariantCulture) % 2; return o; }));
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var finished = IntakeProcessor.InstanceIdOf(Shop, first, "487817672276298554");
        var running = IntakeProcessor.InstanceIdOf(Shop, second, "487817672276298554");
        await Eventually.TrueAsync(async () => await Instances(h).GetAsync(finished, None) is { IsActive: true } && await Instances(h).GetAsync(running, None) is { IsActive: true }, "both journeys to start", 90_000);
        Assert.Equal(InstanceOperation.Accepted, await Instances(h).TerminateAsync(finished, "ended for the test", None));
        await Eventually.TrueAsync(async () => await Instances(h).GetAsync(finished, None) is { Status: InstanceStatus.Terminated }, "the first journey to end", 60_000);
        await Task.Delay(1_500, TestContext.Current.CancellationToken);

        var invoker = h.Host.Services.GetRequiredService<FunctionInvoker>();
        var result = await invoker.InvokeTimerAsync(JourneyRetentionTimer.FunctionName, false, DateTimeOffset.UtcNow, None);
        Assert.Equal(InvocationOutcome.Succeeded, result.Outcome);

        Assert.Null(await Instances(h).GetAsync(finished, None));
        Assert.Null(await h.Host.Services.GetRequiredService<JourneyContextStore>().GetAsync(finished, None));
        Assert.True(await Instances(h).GetAsync(running, None) is { IsActive: true });
        Assert.NotNull(await h.Host.Services.GetRequiredService<JourneyContextStore>().GetAsync(running, None));
        await Instances(h).TerminateAsync(running, "test over", None);
    }

    [Fact]
    public async Task ConsentLedger_RowsFromBeforeHashing_StillHold_AndAreMovedUnderTheHashOnErasure()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow);
        var c = Customer.New();
        var table = h.Host.Storage.Table(ConsentLedger.TableName);
        var legacy = "sms:" + c.Phone;
        var at = DateTimeOffset.UtcNow.AddDays(-30);
        await table.AddEntityAsync(new TableEntity(legacy, "state") { ["Service"] = true, ["ServiceAt"] = at, ["OptedOut"] = true, ["OptedOutAt"] = at, ["CustomerId"] = c.Key, ["Channel"] = "Sms" }, None);
        await table.AddEntityAsync(new TableEntity(legacy, "h:0638000000000000000:sms-old") { ["Action"] = "OptedOut", ["At"] = at, ["Source"] = "sms reply", ["Text"] = "STOP", ["EventId"] = "sms:old", ["Address"] = c.Phone, ["Channel"] = "Sms" }, None);

        Assert.True((await h.Consent.GetAsync(ContactChannel.Sms, c.Phone, None)).OptedOut);
        await h.GrantAsync(ContactChannel.Sms, c.Phone, ConsentAction.ServiceGranted);
        Assert.True((await h.Consent.GetAsync(ContactChannel.Sms, c.Phone, None)).OptedOut); // seeded from the legacy state
        Assert.Equal(2, (await h.Consent.HistoryAsync(ContactChannel.Sms, c.Phone, None)).Count);

        await h.Consent.AnonymiseAsync(ContactChannel.Sms, c.Phone, None);
        await h.Consent.AnonymiseAsync(ContactChannel.Sms, c.Phone, None);

        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(cancellationToken: None))
        {
            rows.Add(row);
        }

        Assert.DoesNotContain(rows, r => r.PartitionKey == legacy);
        Assert.All(rows, r => Assert.DoesNotContain(c.Phone, string.Join("|", r.Select(p => p.Value)), StringComparison.Ordinal));
        Assert.All(rows, r => Assert.True(r.GetString("Text") is null && r.GetString("Address") is null && r.GetString("CustomerId") is null));
        Assert.True((await h.Consent.GetAsync(ContactChannel.Sms, c.Phone, None)).OptedOut);
        var history = await h.Consent.HistoryAsync(ContactChannel.Sms, c.Phone, None);
        Assert.Equal([ConsentAction.OptedOut, ConsentAction.ServiceGranted], history.Select(e => e.Action));
        Assert.All(history, e => Assert.Null(e.Text));
    }

    /// <summary>
    /// Every table, queue and blob container of the account, enumerated (none is named here): where any form of the
    /// customer's data occurs. Blobs the task hub compresses are read uncompressed; queue messages as text and base64.
    /// </summary>
    private static async Task<(List<string> Hits, Dictionary<string, string> Where)> SearchAsync(AppHost host, Customer c)
    {
        var account = host.Storage;
        var needles = c.Needles().ToList();
        var hits = new List<string>();
        var where = new Dictionary<string, string>();
        void Look(string place, string text)
        {
            where.TryAdd(place.Split(' ')[0] + " ", "");
            foreach (var needle in needles.Where(n => text.Contains(n, StringComparison.OrdinalIgnoreCase)))
            {
                hits.Add(needle);
                where[needle] = place;
            }
        }

        try
        {
            await foreach (var table in account.Tables.QueryAsync(cancellationToken: None))
            {
                try
                {
                    await foreach (var row in account.Tables.GetTableClient(table.Name).QueryAsync<TableEntity>(cancellationToken: None))
                    {
                        Look($"table {table.Name} ({row.PartitionKey} / {row.RowKey})", row.PartitionKey + "|" + row.RowKey + "|" + string.Join("|", row.Select(p => p.Value?.ToString())));
                    }
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // Another test's table, deleted while we looked.
                }
            }

            await foreach (var container in account.Blobs.GetBlobContainersAsync(cancellationToken: None))
            {
                var client = account.Blobs.GetBlobContainerClient(container.Name);
                await foreach (var blob in client.GetBlobsAsync(cancellationToken: None))
                {
                    try
                    {
                        var bytes = (await client.GetBlobClient(blob.Name).DownloadContentAsync(None)).Value.Content.ToArray();
                        Look($"blob {container.Name}/{blob.Name}", blob.Name + "|" + Text(bytes));
                    }
                    catch (RequestFailedException ex) when (ex.Status == 404)
                    {
                    }
                }
            }

            await foreach (var queue in account.Queues.GetQueuesAsync(cancellationToken: None))
            {
                try
                {
                    foreach (var message in (await account.Queues.GetQueueClient(queue.Name).PeekMessagesAsync(32, None)).Value)
                    {
                        var text = message.Body.ToString();
                        Look($"queue {queue.Name}", text + "|" + (TryBase64(text) ?? ""));
                    }
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }

        return (hits, where);
    }

    private static string Text(byte[] bytes)
    {
        if (bytes is [0x1f, 0x8b, ..])
        {
            using var memory = new MemoryStream(bytes);
            using var gzip = new GZipStream(memory, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip);
            return reader.ReadToEnd();
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private static string? TryBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var n) ? Text(buffer[..n]) : null;
    }
}
