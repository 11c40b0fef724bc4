using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Channels;

/// <summary>
/// A journey on WhatsApp through the real runtime, the app's Event Grid endpoint and the ACS double's Advanced
/// Messaging contract: templates while the customer has not written, free text within 24 hours of their message,
/// their reply reaching that journey, and STOP ending WhatsApp for them.
/// </summary>
public sealed class WhatsAppJourneyTests(StorageFixture storage)
{
    private const string Journey = """
        id: wa-care
        name: WhatsApp care
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en]
        channels: [whatsapp, sms]
        steps:
          - id: welcome
            type: send
            class: service
            message:
              sms: { en: "Welcome, {{ customer.first_name }}!" }
              whatsapp: { en: { template: { name: welcome_owner, language: en_US, parameters: ["{{ customer.first_name }}", "{{ brand.name | default: 'Glow Labs' }}"] } } }
          - id: rate
            type: ask
            class: service
            expect: rating
            record: score
            timeout: P1D
            message:
              sms: { en: "How is it? Reply 1-5" }
              whatsapp: { en: { text: "How is it, {{ customer.first_name }}? Reply 1-5", template: { name: rate_it, language: en_US, parameters: ["{{ customer.first_name }}"] } } }
          - { id: thanks, type: send, class: service, message: { sms: { en: "Thanks for the {{ answers.score }}, {{ customer.first_name }}!" } } }
          - { id: recommend, type: ask, class: service, expect: yesno, record: recommends, timeout: P1D,
              message: { sms: { en: "Would you recommend it? YES or NO" } } }
          - { id: tip, type: send, class: service, message: { sms: { en: "Tip: rinse it weekly." }, whatsapp: { en: { text: "Tip: rinse it weekly 💧" } } } }
        """;

    private const string Ann = "+14155550101";

    [Fact]
    public async Task Journey_TemplateOutsideTheWindow_FreeTextInside_ReplyRoutes_StopEndsWhatsApp()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true, settings: new Dictionary<string, string?>
        {
            [SettingNames.AcsWhatsAppChannelId] = AcsDouble.WhatsAppChannelId.ToString(),

            // Five journey messages in a few seconds: more than the default cap of 3 a week would let through.
            [SettingNames.FrequencyCapMessages] = "10",
        });
        h.Acs.ApprovedTemplates[("welcome_owner", "en_US")] = 2;
        h.Acs.ApprovedTemplates[("rate_it", "en_US")] = 1;
        var (definition, errors) = JourneyValidator.Validate(Journey);
        Assert.Empty(errors);
        await h.Host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, Journey, CancellationToken.None);

        // Ann opted in to WhatsApp at the storefront, and has never written: both messages go as approved templates.
        await h.GrantAsync(ContactChannel.WhatsApp, Ann, ConsentAction.OptedIn);
        var id = await TestCustomers.StartJourneyAsync(h.Host, "wa-care", "Ann", Ann, null);
        await Eventually.TrueAsync(() => h.Acs.WhatsApp.Count >= 2, "the welcome and the question on WhatsApp", 60_000);
        var (welcome, question) = (h.Acs.WhatsApp.ElementAt(0), h.Acs.WhatsApp.ElementAt(1));
        Assert.Equal(("14155550101", "template", "welcome_owner", "en_US"), (welcome.To, welcome.Kind, welcome.Template, welcome.Language));
        Assert.Equal(["Ann", "Glow Labs"], welcome.Parameters);
        Assert.Equal(("template", "rate_it"), (question.Kind, question.Template));
        Assert.Equal(["Ann"], question.Parameters);
        Assert.Empty(h.Acs.Sms);

        // Ann answers on WhatsApp: the reply reaches her journey, which thanks her in free text (she just wrote).
        await PostAsync(h, "wa-in-1", "4");
        await Eventually.TrueAsync(() => h.Acs.WhatsApp.Any(m => m.Text == "Thanks for the 4, Ann!"), "the thanks in free text", 60_000);
        var thanks = h.Acs.WhatsApp.Single(m => m.Text == "Thanks for the 4, Ann!");
        Assert.Equal(("text", false), (thanks.Kind, thanks.OutsideWindow));
        await Eventually.TrueAsync(() => h.Acs.WhatsApp.Any(m => m.Text == "Would you recommend it? YES or NO"), "the second question", 60_000);
        var sent = await h.Log.ForCustomerAsync("c:cust-Ann" + id[^6..], CancellationToken.None);
        Assert.Equal(4, sent.Count(m => m.Kind == "journey"));
        Assert.All(sent.Where(m => m.Kind == "journey"), m => Assert.Equal("whatsapp", m.Channel));

        // STOP on WhatsApp: one confirmation, the number is out of WhatsApp; her "yes" still reaches the journey, whose
        // next message goes by SMS and nothing more by WhatsApp.
        await PostAsync(h, "wa-in-2", "STOP");
        await Eventually.TrueAsync(async () => (await h.Consent.GetAsync(ContactChannel.WhatsApp, Ann, CancellationToken.None)).OptedOut, "the WhatsApp opt-out", 30_000);
        Assert.Single(h.Acs.WhatsApp, m => m.Text?.Contains("no more WhatsApp messages", StringComparison.Ordinal) == true);
        var beforeYes = h.Acs.WhatsApp.Count;
        await PostAsync(h, "wa-in-3", "yes");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == Ann && s.Message == "Tip: rinse it weekly."), "the tip by SMS", 60_000);
        Assert.Equal(beforeYes, h.Acs.WhatsApp.Count);
        Assert.DoesNotContain(h.Acs.WhatsApp, m => m.OutsideWindow);

        // A redelivered STOP changes nothing and confirms nothing again.
        await PostAsync(h, "wa-in-2", "STOP");
        Assert.Equal(beforeYes, h.Acs.WhatsApp.Count);

        // WhatsApp reports the welcome read: the log says delivered, counted once for WhatsApp however often it reports.
        await PostStatusAsync(h, "wa-st-1", welcome.MessageId, "delivered");
        await PostStatusAsync(h, "wa-st-2", welcome.MessageId, "read");
        await Eventually.TrueAsync(
            async () => (await h.Log.ForCustomerAsync("c:cust-Ann" + id[^6..], CancellationToken.None)).Any(m => m.ProviderMessageId == welcome.MessageId && m.Status == MessageStatus.Delivered),
            "the welcome marked delivered",
            30_000);

        // Metrics: replies and the opt-out counted on WhatsApp, the last message on SMS.
        var path = $"/api/admin/metrics?from={DateTimeOffset.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-dd}";
        JsonNode? totals = null;
        await Eventually.TrueAsync(
            async () =>
            {
                totals = (await TestCustomers.AdminJsonAsync(h.Host, path))["totals"];
                return (double)totals!["replies_whatsapp"]! == 2 && (double)totals["opt_outs_whatsapp"]! == 1 && (double)totals["messages_sent_sms"]! == 1;
            },
            "per-channel metrics",
            30_000);
        Assert.Equal(4, (double)totals!["messages_sent_whatsapp"]!);
        Assert.Equal(1, (double)totals["messages_delivered_whatsapp"]!);
        Assert.Equal(2, (double)totals["replies"]!);
    }

    [Fact]
    public async Task WithoutAChannelRegistration_WhatsAppIsPassedOver()
    {
        await using var h = await ChannelHarness.StartAsync(storage, new DateTimeOffset(2026, 6, 10, 16, 0, 0, TimeSpan.Zero));
        await h.GrantAsync(ContactChannel.WhatsApp, "+14155550123", ConsentAction.OptedIn);
        await h.GrantAsync(ContactChannel.Sms, "+14155550123", ConsentAction.ServiceGranted);
        var effect = h.Effect("c-wa-off", channels: ["whatsapp", "sms"]);
        effect = effect with { Message = effect.Message with { WhatsApp = new PxFunctions.Journeys.Interpreter.WhatsAppContent(null, new("order_update", "en_US", [])) } };

        var record = await h.Sender.SendAsync(effect, CancellationToken.None);

        Assert.Equal((MessageStatus.Sent, "sms"), (record.Status, record.Channel));
        Assert.Empty(h.Acs.WhatsApp);
        Assert.Single(h.Acs.Sms);
    }

    private static async Task PostStatusAsync(ChannelHarness h, string eventId, string messageId, string status)
    {
        var body = new JsonArray(new JsonObject
        {
            ["id"] = eventId,
            ["topic"] = "/acs",
            ["subject"] = "advancedMessage/" + messageId,
            ["eventType"] = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated",
            ["eventTime"] = DateTimeOffset.UtcNow.ToString("O"),
            ["dataVersion"] = "1.0",
            ["data"] = new JsonObject { ["messageId"] = messageId, ["status"] = status, ["channelType"] = "whatsapp", ["to"] = "14155550101", ["receivedTimestamp"] = DateTimeOffset.UtcNow.ToString("O") },
        }).ToJsonString();
        using var response = await h.Host.Client.PostAsync("/api/events/acs?secret=event-grid-secret-for-tests", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A customer's WhatsApp message as Event Grid delivers ACS's <c>AdvancedMessageReceived</c> to the app.</summary>
    private static async Task PostAsync(ChannelHarness h, string eventId, string text)
    {
        var now = DateTimeOffset.UtcNow;
        h.Acs.CustomerWrote(Ann, now);
        var body = new JsonArray(new JsonObject
        {
            ["id"] = eventId,
            ["topic"] = "/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/communicationServices/z",
            ["subject"] = "advancedMessage/sender/14155550101/recipient/" + AcsDouble.WhatsAppChannelId,
            ["eventType"] = "Microsoft.Communication.AdvancedMessageReceived",
            ["eventTime"] = now.ToString("O"),
            ["dataVersion"] = "1.0",
            ["metadataVersion"] = "1",
            ["data"] = new JsonObject
            {
                ["content"] = text,
                ["channelType"] = "whatsapp",
                ["from"] = "14155550101",
                ["to"] = AcsDouble.WhatsAppChannelId.ToString(),
                ["receivedTimestamp"] = now.ToString("O"),
            },
        }).ToJsonString();
        using var response = await h.Host.Client.PostAsync("/api/events/acs?secret=event-grid-secret-for-tests", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
