using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Configuration;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Tests.Channels;
using PxFunctions.Tests.Infrastructure;
using PxFunctions.Tests.Journeys;

namespace PxFunctions.Tests.Desk;

/// <summary>
/// The app on the ACS double with the dispatcher on (real time, the real Durable engine), the shipped coffee-machine
/// journey published, and optionally a helpdesk receiver on loopback; plus the steps desk tests share: a customer who
/// reports a leak and is handed to a person, and the desk's admin calls.
/// </summary>
internal static class DeskHarness
{
    public const string Journey = "coffee-machine";

    public static async Task<ChannelHarness> StartAsync(StorageFixture storage, HelpdeskDouble? helpdesk = null, string format = "zendesk", IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [SettingNames.QueuesRetryDelay] = "00:00:00.200",
        };
        if (helpdesk is not null)
        {
            settings[SettingNames.HelpdeskUrl] = helpdesk.Url.ToString();
            settings[SettingNames.HelpdeskFormat] = format;
            settings[SettingNames.HelpdeskSecret] = HelpdeskDouble.Secret;
            settings[SettingNames.HelpdeskRetryDelay] = "00:00:00.200";
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true, settings: settings);
        await h.Host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(Samples.Example(Journey), Samples.ExampleText(Journey), CancellationToken.None);
        return h;
    }

    /// <summary>
    /// A coffee-machine customer who bought a Barista Pro (in a zone where it is daytime, with service consent for
    /// texts), answers the setup question with the leak option and is handed to a person; returns the instance id
    /// once the desk lists the handoff.
    /// </summary>
    public static async Task<string> LeakAsync(ChannelHarness h, string name, string phone)
    {
        var id = $"shop.example:{name}:{Guid.NewGuid():N}"[..40];
        var customerId = "cust-" + name + id[^6..];
        var order = Samples.Order(timeZone: Samples.DaytimeZone(), phone: phone);
        order["customer"]!["id"] = customerId;
        order["customer"]!["first_name"] = name;
        order["customer"]!["email"] = name.ToLowerInvariant() + "@example.com";
        await h.GrantAsync(ContactChannel.Sms, phone, ConsentAction.ServiceGranted, "order:" + id);
        var product = order["order"]!["line_items"]![1]!.AsObject().DeepClone().AsObject();
        await Infrastructure.Journeys.StartAsync(h.Host.Services, id, new JourneyInput(
            Journey, 1, order["customer"]!.AsObject(), order["order"]!.AsObject(), product, order["brand"]!.AsObject(), order["links"]!.AsObject()));

        // The question went (the log says sent) before the customer answers it.
        await Eventually.TrueAsync(async () => (await h.Log.ForCustomerAsync("c:" + customerId, CancellationToken.None)).Any(m => m.Step == "setup-check" && m.SentAt is not null), "the setup question sent", 90_000);
        Assert.Contains(h.Acs.Sms, s => s.To == phone && s.Message.StartsWith($"Hi {name}! How's setup going with your Barista Pro?", StringComparison.Ordinal));
        // The reply: "leaks" is the setup question's "leak" option as the reply understanding reads words
        // (stems), so the journey goes to its leak handoff step.
        await TestCustomers.PostSmsAsync(h.Host, "Incoming_" + Guid.NewGuid().ToString("N"), phone, "my machine leaks");
        await Eventually.TrueAsync(async () => (await OpenAsync(h.Host)).Any(x => (string?)x["instanceId"] == id), "the handoff on the desk", 90_000);
        return id;
    }

    public static async Task<List<JsonNode>> OpenAsync(AppHost host, string query = "") =>
        (await TestCustomers.AdminJsonAsync(host, "/api/admin/handoffs" + query))["handoffs"]!.AsArray().Select(n => n!).ToList();

    public static Task<JsonNode> GetAsync(AppHost host, string instanceId) => TestCustomers.AdminJsonAsync(host, "/api/admin/handoffs/" + instanceId);

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(AppHost host, string path, string? json, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}
