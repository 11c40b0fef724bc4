using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Metrics;
using PxFunctions.Configuration;
using PxFunctions.Hosting;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Benchmarks;

/// <summary>
/// <c>metrics [journeys] [messages] [requests]</c>: seeds finished journeys (started, funnel steps, an outcome) and
/// their messages (sent, a tenth replied to, delivered) over 90 days through <see cref="MetricsStore"/>, the code the
/// app records with (in bulk, days in parallel), then asks <c>GET /api/admin/metrics</c> for the 90 days over real
/// HTTP, all journeys and one journey, and prints the latency percentiles.
/// </summary>
internal static class MetricsBenchmark
{
    private const int Days = 90;
    private static readonly string[] Journeys = ["serum", "mask", "cleanser", "spf", "toner"];
    private static readonly (string Stage, string Step)[] Steps = [("Unboxing", "welcome"), ("Unboxing", "how-to"), ("Habit", "check-in"), ("Habit", "rate"), ("Renewal", "reorder")];
    private static readonly string[] Outcomes = ["reordered", "lapsed", "refunded", "completed"];

    public static async Task<JsonObject> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var journeys = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var j) ? j : 100_000;
        var messages = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var m) ? m : 1_000_000;
        var requests = args.Length > 2 && int.TryParse(args[2], CultureInfo.InvariantCulture, out var r) ? r : 200;

        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        var key = "benchmark-" + Guid.NewGuid().ToString("N");
        var app = await PxApp.BuildAsync(
            ["--environment", "Production"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    [SettingNames.Key(SettingNames.Storage)] = storage.ConnectionString,
                    [SettingNames.Key(SettingNames.StoragePrefix)] = "bench",
                    [SettingNames.Key(SettingNames.AdminKey)] = key,
                    [SettingNames.Key(SettingNames.DispatcherEnabled)] = "false",
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
            var store = app.Services.GetRequiredService<MetricsStore>();
            var counter = app.Services.GetRequiredService<PxFunctions.Storage.StorageRequestCounter>();
            var first = new DateOnly(2026, 8, 1);
            var seeding = Stopwatch.StartNew();
            var before = counter.Tables;
            var perJourney = Math.Max(1, messages / journeys);
            var seeded = 0L;
            await Parallel.ForEachAsync(Enumerable.Range(0, Days), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (day, ct) =>
            {
                var events = new List<MetricEvent>();
                var start = new DateTimeOffset(first.AddDays(day).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero);
                for (var n = day; n < journeys; n += Days)
                {
                    var journey = Journeys[n % Journeys.Length];
                    var instance = $"shop.example:{n}:1";
                    events.Add(MetricEvent.One("started:" + instance, start, journey, "journeys_started"));
                    for (var s = 0; s < perJourney; s++)
                    {
                        var (stage, step) = Steps[s % Steps.Length];
                        var effectId = $"{instance}/m{s + 1}";
                        var message = Message(journey, 1 + (n % 2), stage, step, ask: s % Steps.Length == 3);
                        events.Add(CustomerMessageSender.Sent(effectId, message, s % 3 == 0 ? "email" : "sms", start.AddMinutes(s)));
                        if (s % 10 == 3)
                        {
                            events.Add(MetricEvent.Of("reply:" + effectId, start.AddMinutes(s), journey, ("replies", 1), ("answers", 1), ("ratings", 1), ("ratings_5", n % 2)));
                        }
                    }

                    events.Add(MetricEvent.Outcome("outcome:" + instance, start, journey, Outcomes[n % Outcomes.Length]));
                }

                await store.RecordAsync(events, ct);
                var done = Interlocked.Add(ref seeded, events.Count);
                Progress.Write($"metrics: day {day + 1} seeded ({done:N0} events so far)");
            });
            seeding.Stop();
            var seedRequests = counter.Tables - before;
            Progress.Write($"metrics: seeded {seeded:N0} events in {seeding.Elapsed.TotalSeconds:F0} s with {seedRequests:N0} table requests");

            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            http.DefaultRequestHeaders.Add("x-functions-key", key);
            var range = $"from={first:yyyy-MM-dd}&to={first.AddDays(Days - 1):yyyy-MM-dd}";
            var latencies = new List<double>();
            var readRequests = counter.Tables;
            JsonNode? last = null;
            for (var i = 0; i < requests; i++)
            {
                var path = i % 2 == 0 ? $"/api/admin/metrics?{range}" : $"/api/admin/metrics?{range}&journey={Journeys[i % Journeys.Length]}";
                var watch = Stopwatch.StartNew();
                using var response = await http.GetAsync(path, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                watch.Stop();
                response.EnsureSuccessStatusCode();
                latencies.Add(watch.Elapsed.TotalMilliseconds);
                last ??= JsonNode.Parse(body);
            }

            readRequests = counter.Tables - readRequests;
            var sorted = latencies.Order().ToArray();
            double Rank(double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
            return new JsonObject
            {
                ["benchmark"] = "metrics",
                ["journeys"] = journeys,
                ["messages"] = (long)journeys * perJourney,
                ["events_recorded"] = seeded,
                ["seed_seconds"] = Math.Round(seeding.Elapsed.TotalSeconds, 1),
                ["seed_table_requests"] = seedRequests,
                ["days"] = Days,
                ["requests"] = requests,
                ["table_requests_per_metrics_request"] = Math.Round((double)readRequests / requests, 1),
                ["messages_sent_total"] = last?["totals"]?["messages_sent"]?.GetValue<double>(),
                ["journeys_started_total"] = last?["totals"]?["journeys_started"]?.GetValue<double>(),
                ["p50_ms"] = Math.Round(Rank(0.50), 1),
                ["p95_ms"] = Math.Round(Rank(0.95), 1),
                ["p99_ms"] = Math.Round(Rank(0.99), 1),
                ["max_ms"] = Math.Round(sorted[^1], 1),
            };
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private static OutboundMessage Message(string journey, int version, string stage, string step, bool ask) => new()
    {
        Kind = OutboundKind.Journey,
        Class = "service",
        JourneyId = journey,
        Version = version,
        Stage = stage,
        Step = step,
        Customer = new CustomerContact("bench", null, null, "en", "UTC", "US"),
        Channels = ["sms", "email"],
        Locale = "en",
        Ask = ask ? new AskOptions("rating", 5, []) : null,
    };
}
