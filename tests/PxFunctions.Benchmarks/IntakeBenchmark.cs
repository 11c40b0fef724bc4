using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Configuration;
using PxFunctions.Hosting;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Storage;

namespace PxFunctions.Benchmarks;

/// <summary>
/// The <c>intake</c> benchmark (issue 6): signed Shopify <c>orders/create</c> webhooks posted over loopback HTTP by
/// concurrent senders to the real app on a fresh Azurite, as fast as it accepts them. Reports webhooks accepted per
/// second and the accept latency each sender saw (verify, validate, dedupe record, blob, queue, answer); processing
/// happens off the queue and is not part of the accept path. The app's own queue dispatcher is off during the
/// measurement, so the figure is the accept path's alone.
/// </summary>
internal static class IntakeBenchmark
{
    private const string Secret = "benchmark-shopify-secret";

    public static async Task<JsonObject> RunAsync(int webhooks, int concurrency, CancellationToken cancellationToken)
    {
        Progress.Write($"intake benchmark: {webhooks} signed orders/create webhooks, {concurrency} concurrent senders");
        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        var app = await PxApp.BuildAsync(
            ["--environment", "Production"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    [SettingNames.Key(SettingNames.Storage)] = storage.ConnectionString,
                    [SettingNames.Key(SettingNames.StoragePrefix)] = "intake",
                    [SettingNames.Key(SettingNames.AdminKey)] = "benchmark-" + Guid.NewGuid().ToString("N"),
                    [SettingNames.Key(SettingNames.AnswerLinkKey)] = "benchmark-" + Guid.NewGuid().ToString("N"),
                    [SettingNames.Key(SettingNames.DispatcherEnabled)] = "false",
                    [SettingNames.Key(SettingNames.ShopifyWebhookSecrets)] = Secret,
                    [SettingNames.Key(SettingNames.JourneysLoadExamples)] = "false",
                    [SettingNames.Key(SettingNames.TelemetryConsoleExporter)] = "false",
                    [SettingNames.Key(SettingNames.ApplicationInsightsConnectionString)] = "",
                    ["Logging:LogLevel:Default"] = "Warning",
                });
                builder.WebHost.UseUrls("http://127.0.0.1:0");
            },
            cancellationToken: cancellationToken);
        await app.StartAsync(cancellationToken);
        try
        {
            await app.Services.GetRequiredService<StorageBootstrap>().Ready.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
            using var client = new HttpClient { BaseAddress = address };
            var template = JsonNode.Parse(Order)!.AsObject();

            // Warm up the JIT, the connection pool and the storage clients.
            await SendAllAsync(client, template, 200, concurrency, 0, new ConcurrentBag<TimeSpan>(), cancellationToken);
            var latencies = new ConcurrentBag<TimeSpan>();
            var clock = Stopwatch.StartNew();
            var failures = await SendAllAsync(client, template, webhooks, concurrency, 1_000_000, latencies, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            var accept = Percentiles.Of(latencies) ?? new Percentiles(0, 0, 0);
            var queued = (await app.Services.GetRequiredService<StorageAccount>().Queue("intake").GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            Progress.Write($"{latencies.Count} accepted in {seconds:F1} s, {failures} failed; {queued} queued for processing");
            return new JsonObject
            {
                ["benchmark"] = "intake",
                ["webhooks_per_s"] = Math.Round(latencies.Count / seconds, 1),
                ["accept_latency_p50_ms"] = Math.Round(accept.P50, 1),
                ["accept_latency_p99_ms"] = Math.Round(accept.P99, 1),
                ["accept_latency_max_ms"] = Math.Round(accept.Max, 1),
                ["webhooks"] = webhooks,
                ["accepted"] = latencies.Count,
                ["failed"] = failures,
                ["queued_for_processing"] = queued,
                ["concurrency"] = concurrency,
                ["body_bytes"] = Encoding.UTF8.GetByteCount(Order),
                ["seconds"] = Math.Round(seconds, 1),
            };
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private static async Task<int> SendAllAsync(HttpClient client, JsonObject template, int count, int concurrency, long firstOrder, ConcurrentBag<TimeSpan> latencies, CancellationToken cancellationToken)
    {
        var failures = 0;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var order = (JsonObject)template.DeepClone();
                order["id"] = firstOrder + i;
                var body = Encoding.UTF8.GetBytes(order.ToJsonString());
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/shopify") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.Add("X-Shopify-Topic", "orders/create");
                request.Headers.Add("X-Shopify-Shop-Domain", "bench.myshopify.com");
                request.Headers.Add("X-Shopify-Event-Id", Guid.NewGuid().ToString());
                request.Headers.Add("X-Shopify-Webhook-Id", Guid.NewGuid().ToString());
                request.Headers.Add("X-Shopify-Triggered-At", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                request.Headers.Add("X-Shopify-Hmac-Sha256", WebhookSecrets.Sign(Secret, body));
                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request, ct);
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (response.IsSuccessStatusCode)
                {
                    latencies.Add(elapsed);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            });
        return failures;
    }

    /// <summary>A two-line Shopify order in the shape of the webhook reference's sample.</summary>
    private const string Order = """
        {"id":1,"admin_graphql_api_id":"gid://shopify/Order/1","buyer_accepts_marketing":false,"contact_email":"maya@example.com",
         "created_at":"2026-03-02T09:00:00-05:00","currency":"USD","customer_locale":"en-US","email":"maya@example.com",
         "financial_status":"paid","name":"#1001","order_number":1001,"processed_at":"2026-03-02T09:00:00-05:00","tags":"vip",
         "total_price":"97.00","billing_address":{"first_name":"Maya","phone":"(415) 555-0123","city":"Brooklyn","zip":"11201",
         "province":"New York","country":"United States","last_name":"Lopez","country_code":"US","province_code":"NY"},
         "customer":{"id":115310627314723954,"first_name":"Maya","last_name":"Lopez","email":"maya@example.com","phone":"+14155550123"},
         "line_items":[{"id":487817672276298554,"name":"Vitamin C Serum - 30 ml","price":"48.00","product_exists":true,
         "product_id":788032119674292922,"quantity":1,"sku":"SERUM-C-30","title":"Vitamin C Serum","variant_id":39072856,
         "variant_title":"30 ml","vendor":"Glow Labs"},{"id":789012345678901234,"name":"Gift wrap","price":"49.00",
         "product_exists":false,"product_id":null,"quantity":1,"sku":"GIFT-WRAP","title":"Gift wrap","variant_id":null}],
         "shipping_address":{"first_name":"Maya","phone":"(415) 555-0123","city":"Brooklyn","zip":"11201","province":"New York",
         "country":"United States","last_name":"Lopez","country_code":"US","province_code":"NY"}}
        """;
}
