using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Configuration;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Storage;

namespace PxFunctions.Harness.Soak;

/// <summary>
/// The fault soak (issue 13): the standalone app as a separate process, driven only over real HTTP as the world
/// drives it — signed Shopify order and delivery webhooks (some twice, some deliveries before their order), customer
/// replies and STOPs as signed Event Grid deliveries, each retried until it is accepted as its sender would — against
/// an Azurite of its own and an ACS double that throttles and fails a share of requests, while faults land at random
/// moments: <c>kill -9</c> of the app (started again at once), graceful Azurite restarts, an ACS stall. Then it
/// drains and counts what reached the ACS double against what had to: lost, duplicated, sent after a STOP, sent in
/// the recipient's quiet hours.
/// </summary>
public static class SoakRun
{
    private const string Shop = "soak-store.myshopify.com";
    private const string ShopifySecret = "shpss_soak_0123456789abcdef";
    private const string SmsFrom = "+18005550199";
    private const string TextMark = "PX soak";

    /// <summary>The journey every customer gets: a welcome at delivery, a question, thanks (for the answer, or anyway).</summary>
    public const string Journey = """
        id: soak
        name: Fault soak
        trigger: { event: delivered, skus: [SOAK-1] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: welcome, type: send, class: service, message: { sms: { en: "PX soak welcome {{ order.name }}" } } }
          - { id: settle, type: wait, duration: PT3S }
          - id: rate
            type: ask
            class: service
            expect: rating
            scale: 5
            timeout: PT45S
            on: { "1-5": glad }
            noReply: anyway
            unrecognised: anyway
            message: { sms: { en: "PX soak question {{ order.name }}: how do you like it? Reply 1-5" } }
          - { id: glad, type: send, class: service, next: done, message: { sms: { en: "PX soak thanks {{ order.name }} for your answer" } } }
          - { id: anyway, type: send, class: service, message: { sms: { en: "PX soak thanks {{ order.name }}" } } }
          - { id: done, type: end, outcome: finished }
        """;

    /// <summary>
    /// Number prefixes with one time zone (a customer's number is the prefix and four digits), their country and state:
    /// US states with their own texting rules, and zones round the world so that some are in texting hours at any hour.
    /// </summary>
    private static readonly (string Prefix, string Country, string? Province)[] Places =
    [
        ("+1415556", "US", "CA"), ("+1212556", "US", "NY"), ("+1305556", "US", "FL"), ("+1312556", "US", "IL"), ("+1303556", "US", "CO"),
        ("+1808556", "US", "HI"), ("+1907556", "US", "AK"), ("+1206556", "US", "WA"),
        ("+44207946", "GB", null), ("+8135555", "JP", null), ("+6129555", "AU", null), ("+5511955", "BR", null),
    ];

    private sealed record Customer(int Index, string Phone, string Country, string? Province, string Zone, bool Night, bool Replies, bool Stops)
    {
        /// <summary>The region the app applies texting rules for (<c>US-FL</c>), as it makes it from the address.</summary>
        public string? Region => Province is null ? null : $"{Country}-{Province}";

        public string OrderId => (6_600_000_000L + Index).ToString(CultureInfo.InvariantCulture);
        public string LineId => (7_700_000_000L + Index).ToString(CultureInfo.InvariantCulture);
        public string Name => "#S" + Index.ToString(CultureInfo.InvariantCulture);
        public string InstanceId => IntakeProcessor.InstanceIdOf(Shop, OrderId, LineId);
    }

    public static async Task<JsonObject> RunAsync(SoakOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        log($"soak: {options.Orders} orders, {options.Seconds} s of faults, seed {options.Seed}");

        // One account key for this run, kept by every restart of the emulator.
        Environment.SetEnvironmentVariable(
            EmbeddedAzurite.AccountsVariable,
            "devstoreaccount1:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)));
        var data = Directory.CreateTempSubdirectory("px-soak-azurite-");
        log($"Azurite data in {data.FullName}");
        var azurite = await EmbeddedAzurite.StartAsync(data.FullName, line => log("azurite: " + line), cancellationToken);
        var ports = (azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
        var connectionString = azurite.ConnectionString;
        await using var acs = await AcsDouble.StartAsync(cancellationToken);
        // The first two requests are refused (429, then 503) whatever the draw, then the random shares.
        acs.NextStatuses.Enqueue(429);
        acs.NextStatuses.Enqueue(503);
        acs.Faults = new AcsFaults(options.Throttled, options.Failed, options.Seed);

        var adminKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var eventGridSecret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var port = FreePort();
        var environment = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            [SettingNames.StoragePrefix] = "soak",
            [SettingNames.AdminKey] = adminKey,
            [SettingNames.AcsConnectionString] = acs.ConnectionString,
            [SettingNames.AcsSmsFrom] = SmsFrom,
            [SettingNames.AcsEmailFrom] = "care@soak-store.example",
            [SettingNames.AnswerLinkKey] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            [SettingNames.PublicBaseUrl] = "https://px.soak-store.example",
            [SettingNames.ShopifyWebhookSecrets] = ShopifySecret,
            [SettingNames.EventGridSecret] = eventGridSecret,
            [SettingNames.JourneysLoadExamples] = "false",
            // What a killed process had taken comes back after 15 s (instead of 5 minutes): queue messages, Durable
            // work items, send claims. The only settings the soak changes from the defaults, so it stays short.
            [SettingNames.QueuesVisibilityTimeout] = "00:00:15",
            [SettingNames.DurableVisibilityTimeout] = "00:00:15",
            [SettingNames.SendLease] = "00:00:15",
            // Each restart is the same worker coming back (as a Functions instance does): it takes its leases back at once.
            [SettingNames.DurableWorkerId] = "soak-worker",
            [SettingNames.TelemetryConsoleExporter] = "false",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
        };

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        AppProcess? app = null;
        var faults = new Faults();
        var posts = new Counters();
        try
        {
            app = StartApp(port, environment);
            await WaitHealthyAsync(http, TimeSpan.FromSeconds(90), cancellationToken);
            await PublishAsync(http, adminKey, cancellationToken);
            log("app up, soak journey published");

            var customers = Customers(options, random, DateTimeOffset.UtcNow);
            log($"{customers.Count(c => !c.Night)} customers in their texting hours, {customers.Count(c => c.Night)} in their quiet hours ({string.Join(", ", customers.Select(c => c.Zone).Distinct())})");

            var stopAccepted = new ConcurrentDictionary<int, DateTimeOffset>();
            var repliesAccepted = new ConcurrentDictionary<int, DateTimeOffset>();
            using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var clock = Stopwatch.StartNew();

            // The storefront: each customer's order and delivery over the first 60% of the window.
            var storefront = Task.WhenAll(customers.Select(c => OrderAndDeliverAsync(c, TimeSpan.FromSeconds(options.Seconds * 0.6 * c.Index / customers.Count), new Random(options.Seed + c.Index), options, http, posts, cancellationToken)));

            // The customers: answer the question, or STOP after the welcome.
            var replies = Task.Run(() => CustomersReplyAsync(customers, acs, http, eventGridSecret, posts, stopAccepted, repliesAccepted, window.Token), CancellationToken.None);

            // The faults, until the window closes.
            var chaos = Task.Run(
                () => InjectFaultsAsync(
                    options,
                    random,
                    clock,
                    faults,
                    acs,
                    log,
                    killApp: () =>
                    {
                        app?.Kill();
                        app?.Dispose();
                        app = StartApp(port, environment);
                    },
                    restartAzurite: async () =>
                    {
                        await azurite.DisposeAsync();
                        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1_000, 3_000)), cancellationToken);
                        azurite = await EmbeddedAzurite.StartAsync(data.FullName, line => log("azurite: " + line), cancellationToken, ports);
                    },
                    cancellationToken),
                CancellationToken.None);
            await chaos;
            await storefront;
            log($"faults over after {clock.Elapsed.TotalSeconds:F0} s: {faults.AppKills} app kills, {faults.AzuriteRestarts} Azurite restarts, {faults.AcsStalls} ACS stalls; {acs.Refused} ACS requests refused; draining");

            // Drain: until every message that may go has gone (or the drain time is up), then a little longer for
            // anything that would go twice.
            var drain = Stopwatch.StartNew();
            while (drain.Elapsed < TimeSpan.FromSeconds(options.DrainSeconds) && !Complete(customers, acs, stopAccepted))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            log($"drained after {drain.Elapsed.TotalSeconds:F0} s; watching 15 s more for anything sent twice");
            await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
            await window.CancelAsync();
            await replies;

            var started = 0;
            foreach (var c in customers)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(c.InstanceId)}");
                request.Headers.Add("x-functions-key", adminKey);
                using var response = await http.SendAsync(request, cancellationToken);
                // The Durable status API answers 200 for a finished instance, 202 for one still running (held at night).
                started += response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted ? 1 : 0;
            }

            var report = Report(options, customers, acs, faults, posts, stopAccepted, repliesAccepted, started, clock.Elapsed);
            if (report["replies_not_applied"] is JsonArray { Count: > 0 } unapplied)
            {
                // Keep what the engine recorded of each such journey, to see why.
                var evidence = Path.Combine(Path.GetTempPath(), $"px-soak-{options.Seed}-unapplied.json");
                var histories = new JsonObject();
                foreach (var index in unapplied.Select(u => (int)u!["customer"]!))
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(customers[index].InstanceId)}?showHistory=true&showHistoryOutput=true");
                    request.Headers.Add("x-functions-key", adminKey);
                    using var response = await http.SendAsync(request, cancellationToken);
                    histories[customers[index].InstanceId] = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                }

                await File.WriteAllTextAsync(evidence, histories.ToJsonString(), cancellationToken);
                log($"histories of the journeys that did not take an accepted answer: {evidence}");
            }

            return report;
        }
        finally
        {
            app?.Dispose();
            await azurite.DisposeAsync();
            try
            {
                data.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A file the emulator still held as it exited; the temporary folder is the system's to clear.
            }
        }
    }

    private sealed class Faults
    {
        public int AppKills;
        public int AzuriteRestarts;
        public int AcsStalls;
    }

    private sealed class Counters
    {
        public int WebhooksSent;
        public int WebhooksAccepted;
        public int WebhookPosts;
        public int EventsAccepted;
        public int EventPosts;
    }

    private static List<Customer> Customers(SoakOptions options, Random random, DateTimeOffset now)
    {
        var quietHours = new QuietHours();
        var horizon = TimeSpan.FromSeconds(options.Seconds + options.DrainSeconds + 120);
        bool Open(string zone, string? region, DateTimeOffset at) =>
            quietHours.NextAllowed(at, TimeZoneInfo.FindSystemTimeZoneById(zone), region) <= at;

        var placed = Places
            .Select(p => (p.Prefix, p.Country, p.Province, Region: p.Province is null ? null : $"{p.Country}-{p.Province}", Zone: ContactDetails.TimeZone(p.Prefix + "0000", p.Country, p.Province)))
            .Where(p => p.Zone is not null)
            .ToList();

        // Day customers in a zone whose window stays open for the whole run; night ones where it stays shut.
        var day = placed.Where(p => Open(p.Zone!, p.Region, now) && Open(p.Zone!, p.Region, now + horizon)).ToList();
        var night = placed.Where(p => !Open(p.Zone!, p.Region, now) && !Open(p.Zone!, p.Region, now + horizon)).ToList();
        if (day.Count == 0)
        {
            throw new InvalidOperationException("No zone of the soak's list is in its texting hours for the whole run.");
        }

        var nightCount = night.Count == 0 ? 0 : Math.Max(2, options.Orders / 10);
        return Enumerable.Range(0, options.Orders).Select(i =>
        {
            var isNight = i % Math.Max(1, options.Orders / Math.Max(1, nightCount)) == 1 && nightCount > 0;
            var place = isNight ? night[i % night.Count] : day[i % day.Count];
            var roll = random.NextDouble();
            return new Customer(
                i,
                place.Prefix + i.ToString("D4", CultureInfo.InvariantCulture),
                place.Country,
                place.Province,
                place.Zone!,
                isNight,
                Replies: !isNight && roll < options.Repliers,
                Stops: !isNight && roll >= options.Repliers && roll < options.Repliers + options.Stoppers);
        }).ToList();
    }

    private static async Task OrderAndDeliverAsync(Customer c, TimeSpan at, Random random, SoakOptions options, HttpClient http, Counters posts, CancellationToken cancellationToken)
    {
        await Task.Delay(at, cancellationToken);
        var order = Webhook("orders/paid", OrderBody(c));
        var delivery = Webhook("fulfillments/create", DeliveryBody(c));
        var (first, second) = random.NextDouble() < options.Reordered ? (delivery, order) : (order, delivery);
        await PostWebhookAsync(first, http, posts, cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(500, 2_500)), cancellationToken);
        await PostWebhookAsync(second, http, posts, cancellationToken);
        if (random.NextDouble() < options.Duplicates)
        {
            // The same webhook again (Shopify redelivers with the same ids), a little later.
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 5_000)), cancellationToken);
            await PostWebhookAsync(random.Next(2) == 0 ? order : delivery, http, posts, cancellationToken, duplicate: true);
        }
    }

    private sealed record ShopifyWebhook(string Topic, string Body, string WebhookId, string EventId);

    private static ShopifyWebhook Webhook(string topic, JsonObject body) => new(topic, body.ToJsonString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString());

    private static JsonObject OrderBody(Customer c)
    {
        var address = new JsonObject { ["first_name"] = "Sam", ["last_name"] = "Soak" + c.Index, ["address1"] = "1 Main St", ["city"] = "Town", ["zip"] = "00000", ["country_code"] = c.Country, ["province_code"] = c.Province };
        return new JsonObject
        {
            ["id"] = long.Parse(c.OrderId, CultureInfo.InvariantCulture),
            ["name"] = c.Name,
            ["email"] = $"soak{c.Index}@example.com",
            ["created_at"] = DateTimeOffset.UtcNow.ToString("O"),
            ["updated_at"] = DateTimeOffset.UtcNow.ToString("O"),
            ["processed_at"] = DateTimeOffset.UtcNow.ToString("O"),
            ["financial_status"] = "paid",
            ["currency"] = "USD",
            ["total_price"] = "10.00",
            ["customer_locale"] = "en-US",
            ["tags"] = "",
            ["customer"] = new JsonObject
            {
                ["id"] = 8_800_000L + c.Index,
                ["first_name"] = "Sam",
                ["last_name"] = "Soak" + c.Index,
                ["email"] = $"soak{c.Index}@example.com",
                ["phone"] = c.Phone,
                ["state"] = "enabled",
            },
            ["billing_address"] = address.DeepClone(),
            ["shipping_address"] = address,
            ["line_items"] = new JsonArray(new JsonObject
            {
                ["id"] = long.Parse(c.LineId, CultureInfo.InvariantCulture),
                ["product_id"] = 990_001L,
                ["variant_id"] = 990_002L,
                ["sku"] = "SOAK-1",
                ["title"] = "Soak kit",
                ["name"] = "Soak kit",
                ["quantity"] = 1,
                ["price"] = "10.00",
                ["vendor"] = "Soak",
            }),
            ["fulfillments"] = new JsonArray(),
            ["refunds"] = new JsonArray(),
        };
    }

    private static JsonObject DeliveryBody(Customer c) => new()
    {
        ["id"] = 5_500_000L + c.Index,
        ["order_id"] = long.Parse(c.OrderId, CultureInfo.InvariantCulture),
        ["status"] = "success",
        ["shipment_status"] = "delivered",
        ["created_at"] = DateTimeOffset.UtcNow.ToString("O"),
        ["updated_at"] = DateTimeOffset.UtcNow.ToString("O"),
        ["line_items"] = new JsonArray(new JsonObject { ["id"] = long.Parse(c.LineId, CultureInfo.InvariantCulture), ["sku"] = "SOAK-1", ["quantity"] = 1, ["product_id"] = 990_001L, ["variant_id"] = 990_002L }),
    };

    /// <summary>As Shopify delivers: until a 2xx, again after a failure or no answer (with the same ids).</summary>
    private static async Task PostWebhookAsync(ShopifyWebhook webhook, HttpClient http, Counters posts, CancellationToken cancellationToken, bool duplicate = false)
    {
        if (!duplicate)
        {
            Interlocked.Increment(ref posts.WebhooksSent);
        }

        var accepted = await PostUntilAcceptedAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/shopify") { Content = new StringContent(webhook.Body, Encoding.UTF8, "application/json") };
                request.Headers.Add("X-Shopify-Topic", webhook.Topic);
                request.Headers.Add("X-Shopify-Shop-Domain", Shop);
                request.Headers.Add("X-Shopify-API-Version", "2025-10");
                request.Headers.Add("X-Shopify-Webhook-Id", webhook.WebhookId);
                request.Headers.Add("X-Shopify-Event-Id", webhook.EventId);
                request.Headers.Add("X-Shopify-Triggered-At", DateTimeOffset.UtcNow.ToString("O"));
                request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSecrets.Sign(ShopifySecret, Encoding.UTF8.GetBytes(webhook.Body)));
                return request;
            },
            http,
            () => Interlocked.Increment(ref posts.WebhookPosts),
            cancellationToken);
        if (accepted && !duplicate)
        {
            Interlocked.Increment(ref posts.WebhooksAccepted);
        }
    }

    /// <summary>The customers' side: answer "5" once the question arrives; text STOP once the welcome arrives.</summary>
    private static async Task CustomersReplyAsync(
        List<Customer> customers, AcsDouble acs, HttpClient http, string secret, Counters posts,
        ConcurrentDictionary<int, DateTimeOffset> stopAccepted, ConcurrentDictionary<int, DateTimeOffset> repliesAccepted, CancellationToken cancellationToken)
    {
        var byPhone = customers.ToDictionary(c => c.Phone, StringComparer.Ordinal);
        var handled = new HashSet<int>();
        var inFlight = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var text in acs.Sms.ToArray())
                {
                    if (!byPhone.TryGetValue(text.To, out var c) || handled.Contains(c.Index))
                    {
                        continue;
                    }

                    if (c.Stops && text.Message.StartsWith(TextMark + " welcome", StringComparison.Ordinal))
                    {
                        handled.Add(c.Index);
                        inFlight.Add(Task.Run(async () =>
                        {
                            if (await PostEventAsync(c, "STOP", http, secret, posts, cancellationToken))
                            {
                                stopAccepted[c.Index] = DateTimeOffset.UtcNow;
                            }
                        }, CancellationToken.None));
                    }
                    else if (c.Replies && text.Message.StartsWith(TextMark + " question", StringComparison.Ordinal))
                    {
                        handled.Add(c.Index);
                        inFlight.Add(Task.Run(
                            async () =>
                            {
                                if (await PostEventAsync(c, "5", http, secret, posts, cancellationToken))
                                {
                                    repliesAccepted[c.Index] = DateTimeOffset.UtcNow;
                                }
                            },
                            CancellationToken.None));
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>As Event Grid delivers an inbound text: until a 2xx, with the same event id.</summary>
    private static async Task<bool> PostEventAsync(Customer c, string text, HttpClient http, string secret, Counters posts, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString();
        var body = new JsonArray(new JsonObject
        {
            ["id"] = id,
            ["topic"] = "/subscriptions/0000/resourceGroups/soak/providers/microsoft.communication/communicationservices/soak",
            ["subject"] = "/phonenumber/" + SmsFrom.TrimStart('+'),
            ["eventType"] = "Microsoft.Communication.SMSReceived",
            ["eventTime"] = DateTimeOffset.UtcNow.ToString("O"),
            ["dataVersion"] = "1.0",
            ["metadataVersion"] = "1",
            ["data"] = new JsonObject
            {
                ["messageId"] = "Incoming_" + id,
                ["from"] = c.Phone,
                ["to"] = SmsFrom,
                ["message"] = text,
                ["receivedTimestamp"] = DateTimeOffset.UtcNow.ToString("O"),
            },
        }).ToJsonString();
        var accepted = false;
        try
        {
            accepted = await PostUntilAcceptedAsync(
                () => new HttpRequestMessage(HttpMethod.Post, "/api/events/acs?secret=" + Uri.EscapeDataString(secret)) { Content = new StringContent(body, Encoding.UTF8, "application/json") },
                http,
                () => Interlocked.Increment(ref posts.EventPosts),
                cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        if (accepted)
        {
            Interlocked.Increment(ref posts.EventsAccepted);
        }

        return accepted;
    }

    private static async Task<bool> PostUntilAcceptedAsync(Func<HttpRequestMessage> make, HttpClient http, Action posted, CancellationToken cancellationToken)
    {
        var giveUp = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5);
        while (DateTimeOffset.UtcNow < giveUp)
        {
            posted();
            try
            {
                using var request = make();
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }

                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                {
                    throw new InvalidOperationException($"{request.RequestUri} refused a valid request: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The app is down or restarting: try again, as the sender would.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        return false;
    }

    private static async Task InjectFaultsAsync(
        SoakOptions options, Random random, Stopwatch clock, Faults faults, AcsDouble acs, Action<string> log, Action killApp, Func<Task> restartAzurite, CancellationToken cancellationToken)
    {
        var end = TimeSpan.FromSeconds(options.Seconds);
        var events = new List<(TimeSpan At, string Kind)>();
        for (var at = TimeSpan.FromSeconds(Draw(random, options.KillEverySeconds)); at < end; at += TimeSpan.FromSeconds(Draw(random, options.KillEverySeconds)))
        {
            events.Add((at, "kill"));
        }

        for (var i = 0; i < options.AzuriteRestarts; i++)
        {
            events.Add((end * ((i + 0.5 + random.NextDouble() * 0.3) / (options.AzuriteRestarts + 0.5)), "azurite"));
        }

        for (var i = 0; i < options.AcsStalls; i++)
        {
            events.Add((end * ((i + 0.3 + random.NextDouble() * 0.4) / options.AcsStalls), "stall"));
        }

        foreach (var (at, kind) in events.OrderBy(e => e.At))
        {
            if (at > clock.Elapsed)
            {
                await Task.Delay(at - clock.Elapsed, cancellationToken);
            }

            switch (kind)
            {
                case "kill":
                    log($"fault at {clock.Elapsed.TotalSeconds:F1} s: kill -9 of the app, {acs.Sms.Count} texts delivered so far");
                    killApp();
                    faults.AppKills++;
                    break;
                case "azurite":
                    log($"fault at {clock.Elapsed.TotalSeconds:F1} s: Azurite restarts (graceful)");
                    await restartAzurite();
                    faults.AzuriteRestarts++;
                    break;
                case "stall":
                    log($"fault at {clock.Elapsed.TotalSeconds:F1} s: ACS stalls for {options.StallSeconds} s");
                    acs.StallFor(TimeSpan.FromSeconds(options.StallSeconds));
                    faults.AcsStalls++;
                    break;
            }
        }

        if (end > clock.Elapsed)
        {
            await Task.Delay(end - clock.Elapsed, cancellationToken);
        }
    }

    private static double Draw(Random random, (double Min, double Max) range) => range.Min + random.NextDouble() * (range.Max - range.Min);

    private enum Text
    {
        Welcome,
        Question,
        Thanks,
        StopConfirmation,
        Other,
    }

    private static Text KindOf(string message) =>
        message.Contains("you are unsubscribed", StringComparison.Ordinal) ? Text.StopConfirmation
        : !message.StartsWith(TextMark, StringComparison.Ordinal) ? Text.Other
        : message.StartsWith(TextMark + " welcome", StringComparison.Ordinal) ? Text.Welcome
        : message.StartsWith(TextMark + " question", StringComparison.Ordinal) ? Text.Question
        : Text.Thanks;

    /// <summary>
    /// What each customer must get in the run: every journey text; or the welcome and the one confirmation of their
    /// STOP; none at night.
    /// </summary>
    private static Text[] Expected(Customer c) => c.Night ? [] : c.Stops ? [Text.Welcome, Text.StopConfirmation] : [Text.Welcome, Text.Question, Text.Thanks];

    private static bool IsJourneyText(Text kind) => kind is Text.Welcome or Text.Question or Text.Thanks;

    private static bool Complete(List<Customer> customers, AcsDouble acs, ConcurrentDictionary<int, DateTimeOffset> stopAccepted)
    {
        var texts = acs.Sms.ToArray().ToLookup(t => t.To, StringComparer.Ordinal);
        return customers.All(c => (!c.Stops || stopAccepted.ContainsKey(c.Index))
            && Expected(c).All(kind => texts[c.Phone].Any(t => KindOf(t.Message) == kind)));
    }

    private static JsonObject Report(
        SoakOptions options, List<Customer> customers, AcsDouble acs, Faults faults, Counters posts,
        ConcurrentDictionary<int, DateTimeOffset> stopAccepted, ConcurrentDictionary<int, DateTimeOffset> repliesAccepted, int started, TimeSpan elapsed)
    {
        var quietHours = new QuietHours();
        var texts = acs.Sms.ToArray();
        var byPhone = texts.ToLookup(t => t.To, StringComparer.Ordinal);
        int expected = 0, lost = 0, duplicated = 0, afterStop = 0, inQuietHours = 0, heldAtNight = 0, answered = 0;
        var unapplied = new JsonArray();
        foreach (var c in customers)
        {
            var mine = byPhone[c.Phone].Where(t => KindOf(t.Message) != Text.Other).ToList();
            expected += Expected(c).Length;
            lost += Expected(c).Count(kind => mine.All(t => KindOf(t.Message) != kind));
            duplicated += mine.GroupBy(t => KindOf(t.Message)).Sum(g => g.Count() - 1);
            if (stopAccepted.TryGetValue(c.Index, out var stoppedAt))
            {
                afterStop += mine.Count(t => IsJourneyText(KindOf(t.Message)) && t.At > stoppedAt);
            }

            // Quiet hours hold what a journey starts; the answer to the customer's own STOP goes at once.
            var zone = TimeZoneInfo.FindSystemTimeZoneById(c.Zone);
            inQuietHours += mine.Count(t => IsJourneyText(KindOf(t.Message)) && quietHours.NextAllowed(t.At, zone, c.Region) > t.At);
            heldAtNight += c.Night && mine.Count == 0 ? 1 : 0;
            var applied = mine.Any(t => t.Message.EndsWith("for your answer", StringComparison.Ordinal));
            answered += c.Replies && applied ? 1 : 0;
            if (repliesAccepted.TryGetValue(c.Index, out var repliedAt) && !applied && mine.FirstOrDefault(t => KindOf(t.Message) == Text.Question) is { Message: not null } question)
            {
                // An answer the app accepted that the journey did not take: when, against the question and the thanks.
                var thanks = mine.FirstOrDefault(t => KindOf(t.Message) == Text.Thanks);
                unapplied.Add(new JsonObject
                {
                    ["customer"] = c.Index,
                    ["reply_accepted_after_question_ms"] = Math.Round((repliedAt - question.At).TotalMilliseconds),
                    ["thanks_after_question_ms"] = thanks.Message is null ? null : Math.Round((thanks.At - question.At).TotalMilliseconds),
                });
            }
        }

        var soakTexts = texts.Where(t => KindOf(t.Message) != Text.Other).ToList();
        var confirmations = soakTexts.Count(t => KindOf(t.Message) == Text.StopConfirmation);
        var span = soakTexts.Count > 1 ? (soakTexts.Max(t => t.At) - soakTexts.Min(t => t.At)).TotalSeconds : 0;
        return new JsonObject
        {
            ["benchmark"] = "soak",
            ["orders"] = options.Orders,
            ["seconds"] = options.Seconds,
            ["seed"] = options.Seed,
            ["webhooks_sent"] = posts.WebhooksSent,
            ["webhooks_accepted"] = posts.WebhooksAccepted,
            ["webhook_posts"] = posts.WebhookPosts,
            ["journeys_started"] = started,
            ["messages_expected"] = expected,
            ["messages_delivered"] = soakTexts.Count,
            ["lost"] = lost,
            ["duplicated"] = duplicated,
            ["sent_after_stop"] = afterStop,
            ["sent_in_quiet_hours"] = inQuietHours,
            ["stops_accepted"] = stopAccepted.Count,
            ["replies_accepted"] = repliesAccepted.Count,
            ["replies_answered"] = answered,
            ["replies_not_applied"] = unapplied,
            ["night_customers_held"] = heldAtNight,
            ["night_customers"] = customers.Count(c => c.Night),
            ["stop_confirmations"] = confirmations,
            ["other_texts"] = texts.Length - soakTexts.Count,
            ["event_posts"] = posts.EventPosts,
            ["faults"] = new JsonObject
            {
                ["app_kills"] = faults.AppKills,
                ["azurite_restarts"] = faults.AzuriteRestarts,
                ["acs_stalls"] = faults.AcsStalls,
                ["acs_refused"] = acs.Refused,
            },
            ["webhooks_per_s"] = Math.Round(posts.WebhooksAccepted / (options.Seconds * 0.6), 2),
            ["texts_per_s"] = span > 0 ? Math.Round(soakTexts.Count / span, 2) : 0,
            ["elapsed_s"] = Math.Round(elapsed.TotalSeconds, 1),
            ["settings"] = new JsonObject
            {
                ["throttled"] = options.Throttled,
                ["failed"] = options.Failed,
                ["kill_every_s"] = $"{options.KillEverySeconds.Min}-{options.KillEverySeconds.Max}",
                ["stall_s"] = options.StallSeconds,
                ["visibility_timeouts"] = "00:00:15 (queues, Durable work items, send claims)",
            },
        };
    }

    private static async Task PublishAsync(HttpClient http, string adminKey, CancellationToken cancellationToken)
    {
        foreach (var (path, body) in new[] { ("/api/admin/journeys", Journey), ("/api/admin/journeys/soak/publish", "") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/yaml") };
            request.Headers.Add("x-functions-key", adminKey);
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }

    private static AppProcess StartApp(int port, Dictionary<string, string?> environment) =>
        AppProcess.Start(["--urls", $"http://127.0.0.1:{port}"], environment);

    private static async Task WaitHealthyAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var health = await http.GetAsync("/api/health", cancellationToken);
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("The app did not answer /api/health.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
