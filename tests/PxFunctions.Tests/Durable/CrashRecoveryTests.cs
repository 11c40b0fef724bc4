using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PxFunctions.Channels.Compliance;
using PxFunctions.Configuration;
using PxFunctions.Intake.Customers;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Storage;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Tests.Journeys;

namespace PxFunctions.Tests.Durable;

/// <summary>
/// The standalone app as a real process, killed with SIGKILL at random moments while 50 journeys run, and started
/// again each time: the Durable engine and the send activity's message ids must bring every journey to its end with
/// each message delivered exactly once.
/// </summary>
public sealed class CrashRecoveryTests(StorageFixture storage, ITestOutputHelper output)
{
    private const int Journeys = 50;

    private const string Journey = """
        id: crash-soak
        name: Crash soak
        trigger: { event: paid, skus: [SERUM-C-30] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: welcome, type: send, class: service, message: { sms: { en: "Welcome {{ customer.id }}" } } }
          - { id: first-wait, type: wait, duration: PT2S }
          - { id: tip, type: send, class: service, message: { sms: { en: "Tip {{ customer.id }}" } } }
          - { id: second-wait, type: wait, duration: PT2S }
          - { id: bye, type: send, class: service, message: { sms: { en: "Bye {{ customer.id }}" } } }
          - { id: done, type: end, outcome: finished }
        """;

    [Fact]
    public async Task FiftyJourneys_AppKilledAtRandomMoments_EveryJourneyEnds_EachMessageDeliveredOnce()
    {
        await using var acs = await AcsDouble.StartAsync(TestContext.Current.CancellationToken);
        var prefix = StorageFixture.NewPrefix();
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"prefix {prefix}, seed {seed}");
        var environment = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage.ConnectionString,
            [SettingNames.StoragePrefix] = prefix,
            [SettingNames.AdminKey] = AppHost.AdminKey,
            [SettingNames.AcsConnectionString] = acs.ConnectionString,
            [SettingNames.AcsSmsFrom] = "+18005550100",
            [SettingNames.AcsEmailFrom] = "care@glowlabs.example",
            [SettingNames.AnswerLinkKey] = "answer-link-key-for-tests-0123456789abcdef",
            [SettingNames.PublicBaseUrl] = "https://px.glowlabs.example",
            [SettingNames.JourneysLoadExamples] = "false",
            [SettingNames.DurablePartitions] = "2",
            // Work a killed process had taken comes back after this (instead of 5 minutes), so the test stays short.
            [SettingNames.DurableVisibilityTimeout] = "00:00:10",
            // A message a killed process had claimed goes again after this (instead of 3 minutes).
            [SettingNames.SendLease] = "00:00:10",
            // Each restart is the same worker coming back (as a Functions instance does): it takes its leases back at once.
            [SettingNames.DurableWorkerId] = "crash-soak-worker",
            [SettingNames.TelemetryConsoleExporter] = "false",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
        };

        var app = await StartAppAsync(environment);
        try
        {
            var account = new StorageAccount(new StorageSettings { ConnectionString = storage.ConnectionString }, prefix);
            var (definition, errors) = JourneyValidator.Validate(Journey);
            Assert.Empty(errors);
            await new JourneyCatalog(account, TimeProvider.System).PublishAsync(definition!, Journey, CancellationToken.None);
            var contexts = new JourneyContextStore(account.Table(JourneyContextStore.TableName));
            var consent = new ConsentLedger(account.Table(ConsentLedger.TableName), new AddressHasher(null, account.Table(AddressHasher.TableName)));
            var zone = Samples.DaytimeZone();

            var ids = new List<string>();
            for (var i = 0; i < Journeys; i++)
            {
                var phone = "+1415556" + i.ToString("D4", CultureInfo.InvariantCulture);
                var order = Samples.Order(timeZone: zone, phone: phone);
                order["customer"]!["id"] = $"c{i}";
                var id = $"crash.example:{i}:1";
                await consent.RecordAsync(new ConsentChange(ContactChannel.Sms, phone, ConsentAction.ServiceGranted, DateTimeOffset.UtcNow, "checkout", null, "order:" + id), CancellationToken.None);
                await contexts.SaveAsync(id, new JourneyInput("crash-soak", 1, order["customer"]!.AsObject(), order["order"]!.AsObject(), [], [], []), CancellationToken.None);
                ids.Add(id);
            }

            await Task.WhenAll(ids.Select(async id =>
            {
                using var started = await SendAsync(app.Client, HttpMethod.Post, $"/runtime/webhooks/durabletask/orchestrators/OwnershipJourney/{id}", """{"JourneyId":"crash-soak","Version":1}""");
                Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            }));

            // Kill the app at random moments while the journeys run, and start it again each time.
            for (var kill = 0; kill < 4; kill++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1_000, 4_000)), TestContext.Current.CancellationToken);
                output.WriteLine($"kill {kill + 1} at {DateTimeOffset.UtcNow:O}, {acs.Sms.Count} texts delivered so far");
                app.Kill();
                app = await StartAppAsync(environment);
            }

            await Eventually.TrueAsync(
                async () => (await CompletedAsync(app.Client, ids)) == Journeys,
                "every journey to complete after the kills",
                240_000);

            var texts = acs.Sms.ToList();
            Assert.Equal(Journeys * 3, texts.Count);
            for (var i = 0; i < Journeys; i++)
            {
                var phone = "+1415556" + i.ToString("D4", CultureInfo.InvariantCulture);
                Assert.Equal([$"Welcome c{i}", $"Tip c{i}", $"Bye c{i}"], texts.Where(t => t.To == phone).Select(t => t.Message));
            }
        }
        finally
        {
            app.Kill();
        }
    }

    private static async Task<int> CompletedAsync(HttpClient client, IEnumerable<string> ids)
    {
        var done = 0;
        foreach (var id in ids)
        {
            using var response = await SendAsync(client, HttpMethod.Get, $"/runtime/webhooks/durabletask/instances/{id}");
            if (response.StatusCode == HttpStatusCode.OK
                && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runtimeStatus").GetString() == "Completed")
            {
                done++;
            }
        }

        return done;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await client.SendAsync(request);
    }

    private static async Task<RunningApp> StartAppAsync(Dictionary<string, string?> environment)
    {
        var port = AppHost.FreePort();
        var process = AppProcess.Start(["--urls", $"http://127.0.0.1:{port}"], environment);
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    using var health = await client.GetAsync("/api/health");
                    return health.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the app to answer /api/health",
            60_000);
        return new RunningApp(process, client);
    }

    private sealed record RunningApp(AppProcess Process, HttpClient Client)
    {
        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            if (!Process.Process.HasExited)
            {
                Process.Process.Kill(entireProcessTree: false);
                Process.Process.WaitForExit(10_000);
            }

            Client.Dispose();
            Process.Dispose();
        }
    }
}
