using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Configuration;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Durable;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Intake;

/// <summary>Storefront webhooks over real HTTP with real-shaped payloads, processed by the real app on Azurite.</summary>
public sealed class StorefrontIntakeTests(StorageFixture storage) : IAsyncLifetime
{
    private const string OldSecret = "shpss_old_0123456789abcdef";
    private const string NewSecret = "shpss_new_0123456789abcdef";
    private const string WooSecret = "woo-secret-0123456789";
    private const string OrdersSecret = "orders-secret-0123456789";
    private const string Shop = "glowlabs.myshopify.com";
    private const string SerumLine = "487817672276298554";
    private AppHost _host = null!;
    private string _orderId = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await AppHost.StartAsync(storage, new Dictionary<string, string?>
        {
            [SettingNames.ShopifyWebhookSecrets] = $"{OldSecret},{NewSecret}",
            [SettingNames.WooCommerceWebhookSecrets] = WooSecret,
            [SettingNames.OrdersWebhookSecrets] = OrdersSecret,
            [SettingNames.JourneysLoadExamples] = "true",
            [SettingNames.QueuesRetryDelay] = "00:00:00.200",
        });
        // Each test has an order of its own (the examples are shared by the app under test).
        _orderId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var catalog = _host.Services.GetRequiredService<JourneyCatalog>();
        await Eventually.TrueAsync(async () => (await catalog.ListAsync(CancellationToken.None)).Count(j => j.Latest is not null) >= 3, "the example journeys to be published", 60_000);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private string Payload(string name, Func<JsonObject, JsonObject>? edit = null)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Intake", "Payloads", name + ".json")))!.AsObject();
        if (node.ContainsKey("order_id"))
        {
            node["order_id"] = long.Parse(_orderId, System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (node.ContainsKey("line_items"))
        {
            node["id"] = long.Parse(_orderId, System.Globalization.CultureInfo.InvariantCulture);
        }

        return (edit?.Invoke(node) ?? node).ToJsonString();
    }

    private async Task<HttpResponseMessage> ShopifyAsync(string topic, string body, string? secret = NewSecret, string? eventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/shopify") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Shopify-Topic", topic);
        request.Headers.Add("X-Shopify-Shop-Domain", Shop);
        request.Headers.Add("X-Shopify-API-Version", "2025-10");
        request.Headers.Add("X-Shopify-Webhook-Id", Guid.NewGuid().ToString());
        request.Headers.Add("X-Shopify-Event-Id", eventId ?? Guid.NewGuid().ToString());
        request.Headers.Add("X-Shopify-Triggered-At", "2026-03-02T14:00:00.234647458Z");
        if (secret is not null)
        {
            request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSecrets.Sign(secret, Encoding.UTF8.GetBytes(body)));
        }

        return await _host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<string?> StatusOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).TryGetProperty("status", out var s) ? s.GetString() : null;

    private string SerumInstance => IntakeProcessor.InstanceIdOf(Shop, _orderId, SerumLine);

    private Task<InstanceState?> InstanceAsync(string id) => _host.Services.GetRequiredService<IJourneyInstances>().GetAsync(id, CancellationToken.None);

    /// <summary>The purchase a journey renders its messages from (kept by the intake, outside the orchestration).</summary>
    private async Task<JsonObject> PurchaseAsync(string id) =>
        JsonNode.Parse((await _host.Services.GetRequiredService<JourneyContextStore>().GetAsync(id, CancellationToken.None))!.ToJson())!.AsObject();

    private Task WaitForAsync(string id, Func<InstanceState, bool> condition, string what) =>
        Eventually.TrueAsync(async () => await InstanceAsync(id) is { } s && condition(s), what, 60_000);

    /// <summary>The serum journey's welcome in the message log, once the dispatcher has taken it.</summary>
    private async Task<MessageRecord> WelcomeAsync()
    {
        var log = _host.Services.GetRequiredService<MessageLog>();
        MessageRecord? welcome = null;
        await Eventually.TrueAsync(
            async () => (welcome = (await log.ForCustomerAsync("c:" + Shop + "|115310627314723954", CancellationToken.None)).FirstOrDefault(m => m.InstanceId == SerumInstance && m.Step == "welcome")) is not null,
            "the welcome in the message log",
            60_000);
        return welcome!;
    }

    [Fact]
    public async Task Signatures_OldAndNewSecretsDuringRotation_WrongOrMissingIs401AndStoresNothing()
    {
        var body = Payload("shopify-order");

        using var old = await ShopifyAsync("orders/create", body, OldSecret);
        using var current = await ShopifyAsync("orders/create", body, NewSecret);
        using var wrong = await ShopifyAsync("orders/create", Payload("shopify-order", o => { o["id"] = 1; return o; }), "shpss_not_ours");
        using var missing = await ShopifyAsync("orders/create", body, secret: null);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (old.StatusCode, current.StatusCode));
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (wrong.StatusCode, missing.StatusCode));
        Assert.Equal("X-Shopify-Hmac-Sha256", (await wrong.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("field").GetString());
        Assert.Null(await _host.Services.GetRequiredService<CustomerStore>().GetOrderAsync(Shop, "1", CancellationToken.None));
    }

    [Fact]
    public async Task OrderThenDelivery_StartsTheSerumJourney_WhichReachesItsFirstMessage()
    {
        using var created = await ShopifyAsync("orders/create", Payload("shopify-order"));
        Assert.Equal("accepted", await StatusOf(created));
        await Eventually.TrueAsync(async () => await _host.Services.GetRequiredService<CustomerStore>().GetOrderAsync(Shop, _orderId, CancellationToken.None) is not null, "the order to be stored", 30_000);
        Assert.Null(await InstanceAsync(SerumInstance)); // a "delivered" journey does not start at payment

        using var delivered = await ShopifyAsync("fulfillments/update", Payload("shopify-fulfillment"));
        Assert.Equal("accepted", await StatusOf(delivered));

        // Welcomed and waiting in settle-in or, at night in the customer's zone (Pacific), with the welcome held for
        // quiet hours: the test must pass at any hour, and the welcome is in the log either way.
        await WaitForAsync(
            SerumInstance,
            s => s.CustomStatus is { } status && (status.Contains("\"step\":\"settle-in\"", StringComparison.Ordinal) || status.Contains("\"waitingFor\":\"send\"", StringComparison.Ordinal)),
            "the journey to welcome the customer and wait");
        var orchestrationInput = (await InstanceAsync(SerumInstance))!.Input!;
        Assert.DoesNotContain("+14155550123", orchestrationInput, StringComparison.Ordinal);
        Assert.DoesNotContain("Maya", orchestrationInput, StringComparison.Ordinal);
        var input = await PurchaseAsync(SerumInstance);
        Assert.Equal(("skincare-serum", "Maya", "+14155550123", "America/Los_Angeles"), ((string?)input["journey"]!["id"], (string?)input["customer"]!["first_name"], (string?)input["customer"]!["phone"], (string?)input["customer"]!["time_zone"]));
        Assert.Equal($"https://{Shop}/cart/39072856:1", (string?)input["links"]!["reorder"]);
        var welcome = await WelcomeAsync();
        Assert.StartsWith("Hi Maya, your Vitamin C Serum from", welcome.Preview, StringComparison.Ordinal);

        // The number given at checkout allows service texts; the gift wrap has no journey.
        Assert.True((await _host.Services.GetRequiredService<ConsentLedger>().GetAsync(ContactChannel.Sms, "+14155550123", CancellationToken.None)).Service);
        Assert.Null(await InstanceAsync(IntakeProcessor.InstanceIdOf(Shop, _orderId, "789012345678901234")));
    }

    private async Task<JsonElement> AdminOrderAsync(string orderId, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/admin/orders/{Shop}/{orderId}");
        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        using var response = await _host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task OrderStartingNoJourney_TheAdminOrderViewSaysWhatWasCheckedAndWhy()
    {
        using var created = await ShopifyAsync("orders/create", Payload("shopify-order"));
        Assert.Equal("accepted", await StatusOf(created));
        var customers = _host.Services.GetRequiredService<CustomerStore>();
        await Eventually.TrueAsync(async () => await customers.GetJourneyCheckAsync(Shop, _orderId, CancellationToken.None) is not null, "the order's journey check", 30_000);
        var check = (await AdminOrderAsync(_orderId)).GetProperty("journeyCheck");

        // Paid, but the serum journey starts at delivery; the gift wrap matches no journey's trigger.
        Assert.Equal("created", check.GetProperty("event").GetString());
        var lines = check.GetProperty("lines").EnumerateArray().ToDictionary(l => l.GetProperty("lineItemId").GetString()!);
        var serum = lines[SerumLine];
        Assert.Equal(JsonValueKind.Null, serum.GetProperty("started").ValueKind);
        Assert.Equal("journey 'skincare-serum' matches, but its trigger event is delivered (started at fulfilment); this event was created", serum.GetProperty("reason").GetString());
        var serumTrigger = serum.GetProperty("journeys").EnumerateArray().Single(j => j.GetProperty("journeyId").GetString() == "skincare-serum");
        Assert.True(serumTrigger.GetProperty("matched").GetBoolean());
        Assert.Equal("delivered (started at fulfilment)", serumTrigger.GetProperty("event").GetString());

        var wrap = lines["789012345678901234"];
        Assert.Equal(("GIFT-WRAP", "no published journey's trigger matches the line"), (wrap.GetProperty("sku").GetString(), wrap.GetProperty("reason").GetString()));
        var coffee = wrap.GetProperty("journeys").EnumerateArray().Single(j => j.GetProperty("journeyId").GetString() == "coffee-machine");
        Assert.False(coffee.GetProperty("matched").GetBoolean());
        Assert.Contains("sku 'GIFT-WRAP' not in [", coffee.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(wrap.GetProperty("journeys").GetArrayLength() >= 3);

        // The view: the order's lines, without a journey yet; ids and catalogue fields, no customer details.
        var order = await AdminOrderAsync(_orderId);
        Assert.Equal((_orderId, Shop), (order.GetProperty("orderId").GetString(), order.GetProperty("shop").GetString()));
        Assert.All(order.GetProperty("lines").EnumerateArray(), l => Assert.Equal(JsonValueKind.Null, l.GetProperty("journey").ValueKind));
        Assert.DoesNotContain("Maya", order.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("+14155550123", order.GetRawText(), StringComparison.Ordinal);

        // Once delivered, the serum line shows its journey.
        using var delivered = await ShopifyAsync("fulfillments/update", Payload("shopify-fulfillment"));
        await WaitForAsync(SerumInstance, s => s.IsActive, "the serum journey to start");
        var after = await AdminOrderAsync(_orderId);
        var serumLine = after.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("id").GetString() == SerumLine);
        Assert.Equal(SerumInstance, serumLine.GetProperty("journey").GetProperty("instanceId").GetString());

        var missing = await AdminOrderAsync("no-such-order", HttpStatusCode.NotFound);
        Assert.Equal("orderId", missing.GetProperty("field").GetString());
    }

    [Fact]
    public async Task RepeatedReorderedAndConcurrentDeliveries_StartExactlyOneJourneyPerLine()
    {
        // The delivery report first (reordered), then the order three times over, some concurrently and one repeated.
        using var early = await ShopifyAsync("fulfillments/update", Payload("shopify-fulfillment"));
        var order = Payload("shopify-order");
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => ShopifyAsync(i % 2 == 0 ? "orders/create" : "orders/paid", order, eventId: i < 4 ? "evt-" + i : "evt-0")));
        using var repeat = await ShopifyAsync("orders/create", order, eventId: "evt-0");

        Assert.Equal("accepted", await StatusOf(early));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal("duplicate", await StatusOf(repeat));
        // Past the welcome: waiting in settle-in, or (at night in the customer's zone, Pacific) with the welcome held
        // for quiet hours — the test must pass at any hour.
        await WaitForAsync(
            SerumInstance,
            s => s.CustomStatus is { } status && (status.Contains("settle-in", StringComparison.Ordinal) || status.Contains("\"send\"", StringComparison.Ordinal)),
            "the journey to start once the order is known");

        var client = _host.Services.GetRequiredService<IJourneyInstances>();
        var all = new List<InstanceState>();
        string? token = null;
        do
        {
            var page = await client.QueryAsync(new InstanceQuery(PageSize: 1000, ContinuationToken: token), CancellationToken.None);
            all.AddRange(page.Instances);
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Single(all, i => i.InstanceId.Contains(_orderId, StringComparison.Ordinal));
        await WelcomeAsync();
        var welcomes = (await _host.Services.GetRequiredService<MessageLog>().ForCustomerAsync("c:" + Shop + "|115310627314723954", CancellationToken.None)).Count(m => m.InstanceId == SerumInstance && m.Step == "welcome");
        Assert.Equal(1, welcomes);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task CancellationAndRefund_EndTheJourney()
    {
        await ShopifyAsync("orders/create", Payload("shopify-order"));
        await ShopifyAsync("orders/fulfilled", Payload("shopify-order", o => { o["fulfillment_status"] = "fulfilled"; return o; }));
        await WaitForAsync(SerumInstance, s => s.Status == InstanceStatus.Running, "the journey to start at fulfilment");

        using var refund = await ShopifyAsync("refunds/create", Payload("shopify-refund"));
        Assert.Equal("accepted", await StatusOf(refund));
        await WaitForAsync(SerumInstance, s => s.Status == InstanceStatus.Terminated, "the refund to end the journey");
        Assert.Equal("refunded", (await InstanceAsync(SerumInstance))!.Output);

        using var cancelled = await ShopifyAsync("orders/cancelled", Payload("shopify-order", o => { o["cancelled_at"] = "2026-03-21T10:00:00-04:00"; o["cancel_reason"] = "customer"; return o; }));
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
    }

    [Fact]
    public async Task NoPhoneAtCheckout_TheJourneyTextsNothing_ItEmails()
    {
        await ShopifyAsync("orders/create", Payload("shopify-order", o =>
        {
            o["customer"]!["phone"] = null;
            o["shipping_address"]!["phone"] = null;
            o["billing_address"]!["phone"] = null;
            return o;
        }));
        await ShopifyAsync("fulfillments/update", Payload("shopify-fulfillment"));

        var log = _host.Services.GetRequiredService<MessageLog>();
        MessageRecord? welcome = null;
        await Eventually.TrueAsync(
            async () => (welcome = (await log.ForCustomerAsync("c:" + Shop + "|115310627314723954", CancellationToken.None)).FirstOrDefault(m => m.InstanceId == SerumInstance && m.IsFinal)) is not null,
            "the welcome to be dispatched",
            60_000);
        Assert.Equal((MessageStatus.Sent, "email"), (welcome!.Status, welcome.Channel));
    }

    [Fact]
    public async Task ConsentTopics_BothWireNames_RecordMarketingConsent()
    {
        await ShopifyAsync("orders/create", Payload("shopify-order"));
        using var sms = await ShopifyAsync("customers_marketing_consent/update", Payload("shopify-sms-consent"));
        using var email = await ShopifyAsync("customers/email_marketing_consent_update", Payload("shopify-email-consent"));
        Assert.Equal(("accepted", "accepted"), (await StatusOf(sms), await StatusOf(email)));

        var ledger = _host.Services.GetRequiredService<ConsentLedger>();
        await Eventually.TrueAsync(async () => (await ledger.GetAsync(ContactChannel.Sms, "+14155550123", CancellationToken.None)).Marketing && (await ledger.GetAsync(ContactChannel.Email, "maya@example.com", CancellationToken.None)).Marketing, "marketing consent on both channels", 30_000);
        var history = await ledger.HistoryAsync(ContactChannel.Sms, "+14155550123", CancellationToken.None);
        Assert.Contains(history, c => c.Action == ConsentAction.MarketingGranted && c.Source == "shopify consent update" && c.Text == "state=subscribed; opt_in_level=single_opt_in");
    }

    [Fact]
    public async Task PrivacyTopics_DataRequestExports_RedactErasesAndEndsJourneys()
    {
        await ShopifyAsync("orders/create", Payload("shopify-order"));
        await ShopifyAsync("orders/fulfilled", Payload("shopify-order"));
        await WaitForAsync(SerumInstance, s => s.Status == InstanceStatus.Running, "the journey to start");
        var store = _host.Services.GetRequiredService<CustomerStore>();

        using var export = await ShopifyAsync("customers/data_request", Payload("shopify-data-request"));
        var records = _host.Services.GetRequiredService<CustomerRecords>();
        await Eventually.TrueAsync(async () => (await records.ListAsync("c:" + Shop + "|115310627314723954", CancellationToken.None)).Any(r => r.Kind == "data_request"), "the data request", 30_000);
        using var fetch = new HttpRequestMessage(HttpMethod.Get, $"/api/admin/customers/{Uri.EscapeDataString(Shop + "|115310627314723954")}/export");
        fetch.Headers.Add("x-functions-key", AppHost.AdminKey);
        using var fetched = await _host.Client.SendAsync(fetch, TestContext.Current.CancellationToken);
        var exported = JsonNode.Parse(await fetched.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("Maya", (string?)exported["profile"]!["firstName"]);

        using var redact = await ShopifyAsync("customers/redact", Payload("shopify-redact", o => { o["orders_to_redact"] = new JsonArray(long.Parse(_orderId, System.Globalization.CultureInfo.InvariantCulture)); return o; }));
        await WaitForAsync(SerumInstance, s => s.Status == InstanceStatus.Terminated, "the journey to end with the erasure");
        var key = CustomerStore.KeyOf(Shop, new StoreCustomer("115310627314723954", null, null, null, null, null), null);
        await Eventually.TrueAsync(
            async () => await store.GetAsync(key, CancellationToken.None) is null && await store.GetOrderAsync(Shop, _orderId, CancellationToken.None) is null,
            "the customer and the order to be erased",
            30_000);
        Assert.Null(await _host.Services.GetRequiredService<JourneyContextStore>().GetAsync(SerumInstance, CancellationToken.None));
    }

    [Fact]
    public async Task BadInput_Is400NamingTheField_AndKeptForAnAdmin_UnknownTopicsAreAcknowledged()
    {
        using var notJson = await ShopifyAsync("orders/create", "{ not json");
        using var noLines = await ShopifyAsync("orders/create", Payload("shopify-order", o => { o.Remove("line_items"); return o; }));
        using var unknown = await ShopifyAsync("products/update", """{"id": 1}""");
        using var huge = await ShopifyAsync("orders/create", "{\"id\":\"" + new string('x', 1_100_000) + "\"}");

        Assert.Equal((HttpStatusCode.BadRequest, "body"), (notJson.StatusCode, (await notJson.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("field").GetString()));
        Assert.Equal((HttpStatusCode.BadRequest, "$.line_items"), (noLines.StatusCode, (await noLines.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("field").GetString()));
        Assert.Equal((HttpStatusCode.OK, "ignored"), (unknown.StatusCode, await StatusOf(unknown)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        using var rejected = new HttpRequestMessage(HttpMethod.Get, "/api/admin/webhooks/rejected");
        rejected.Headers.Add("x-functions-key", AppHost.AdminKey);
        using var list = await _host.Client.SendAsync(rejected, TestContext.Current.CancellationToken);
        var fields = (await list.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).EnumerateArray().Select(r => r.GetProperty("field").GetString()).ToList();
        Assert.Contains("$.line_items", fields);
        Assert.Contains("body", fields);
    }

    [Fact]
    public async Task WooCommerce_PingAndSignedOrder_StartsThePaidJourney()
    {
        using var ping = await _host.Client.PostAsync("/api/webhooks/woocommerce", new StringContent("webhook_id=2", Encoding.UTF8, "application/x-www-form-urlencoded"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);

        var order = new JsonObject
        {
            ["id"] = 727, ["number"] = "727", ["status"] = "processing", ["currency"] = "USD",
            ["date_created_gmt"] = "2026-03-02T19:28:02", ["date_modified_gmt"] = "2026-03-02T19:28:08", ["date_paid_gmt"] = "2026-03-02T19:28:08",
            ["total"] = "78.00", ["customer_id"] = 0,
            ["billing"] = new JsonObject { ["first_name"] = "Sam", ["last_name"] = "Lee", ["email"] = "sam@example.com", ["phone"] = "(555) 555-5555", ["country"] = "US", ["state"] = "CA" },
            ["shipping"] = new JsonObject { ["first_name"] = "Sam", ["last_name"] = "Lee", ["city"] = "San Francisco", ["state"] = "CA", ["postcode"] = "94103", ["country"] = "US" },
            ["line_items"] = new JsonArray(new JsonObject { ["id"] = 315, ["name"] = "Daily Greens &ndash; 30 servings", ["product_id"] = 7350123456, ["variation_id"] = 0, ["quantity"] = 2, ["sku"] = "", ["price"] = 39 }),
        }.ToJsonString();
        async Task<HttpResponseMessage> PostAsync(string secret)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/woocommerce") { Content = new StringContent(order, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-WC-Webhook-Source", "https://greens.example/");
            request.Headers.Add("X-WC-Webhook-Topic", "order.updated");
            request.Headers.Add("X-WC-Webhook-Resource", "order");
            request.Headers.Add("X-WC-Webhook-Event", "updated");
            request.Headers.Add("X-WC-Webhook-ID", "3");
            request.Headers.Add("X-WC-Webhook-Delivery-ID", Guid.NewGuid().ToString("N"));
            request.Headers.Add("X-WC-Webhook-Signature", WebhookSecrets.Sign(secret, Encoding.UTF8.GetBytes(order)));
            return await _host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        }

        using var wrong = await PostAsync("nope");
        using var accepted = await PostAsync(WooSecret);
        using var again = await PostAsync(WooSecret);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(("accepted", "duplicate"), (await StatusOf(accepted), await StatusOf(again)));
        var id = IntakeProcessor.InstanceIdOf("greens.example", "727", "315");
        await WaitForAsync(id, s => s.Status == InstanceStatus.Running, "the supplement journey to start");
        Assert.Equal("Daily Greens – 30 servings", (string?)(await PurchaseAsync(id))["product"]!["title"]);
    }

    [Fact]
    public async Task GenericOrdersWebhook_SignedPaidOrder_StartsTheJourney_BadOnesAreRefused()
    {
        var body = new JsonObject
        {
            ["event"] = "order.paid", ["id"] = "evt-" + _orderId, ["shop"] = "brand.example", ["occurred_at"] = "2026-03-02T10:00:00Z",
            ["order"] = new JsonObject
            {
                ["id"] = _orderId, ["name"] = "B-" + _orderId,
                ["customer"] = new JsonObject { ["id"] = "c-9", ["first_name"] = "Ana", ["email"] = "ana@example.com", ["phone"] = "+14155550124" },
                ["line_items"] = new JsonArray(new JsonObject { ["id"] = "l1", ["product_id"] = "7350123456", ["title"] = "Daily Greens", ["quantity"] = 1, ["tags"] = new JsonArray("subscription") }),
            },
        }.ToJsonString();
        async Task<HttpResponseMessage> PostAsync(string json, string secret)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/orders") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Px-Signature", WebhookSecrets.Sign(secret, Encoding.UTF8.GetBytes(json)));
            return await _host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        }

        using var accepted = await PostAsync(body, OrdersSecret);
        using var unsigned = await PostAsync(body, "wrong");
        using var missing = await PostAsync("""{"event":"order.paid","id":"x","shop":"brand.example","occurred_at":"2026-03-02T10:00:00Z"}""", OrdersSecret);

        Assert.Equal("accepted", await StatusOf(accepted));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal((HttpStatusCode.BadRequest, "$.order"), (missing.StatusCode, (await missing.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("field").GetString()));
        await WaitForAsync(IntakeProcessor.InstanceIdOf("brand.example", _orderId, "l1"), s => s.Status == InstanceStatus.Running, "the journey to start");
    }
}
