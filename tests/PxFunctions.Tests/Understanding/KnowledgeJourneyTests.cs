using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Journeys;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Tests.Channels;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Understanding;

/// <summary>
/// A knowledge base published through the admin API answering customers of a running journey over SMS (real
/// Durable engine, real HTTP, Azurite, the ACS double): the answer is logged with its source, the question keeps
/// waiting, an entry marked for a person hands the customer over, and the language they wrote in is answered.
/// </summary>
public sealed class KnowledgeJourneyTests(StorageFixture storage)
{
    private const string Journey = """
        id: kettle-care
        name: Kettle care
        trigger: { event: paid, skus: [SKU-1] }
        locales: [en]
        channels: [sms]
        steps:
          - { id: setup, type: ask, class: service, expect: yesno, record: set_up, timeout: P1D,
              message: { sms: { en: "Is your kettle set up, {{ customer.first_name }}? Reply YES or NO" } } }
          - { id: thanks, type: send, class: service, message: { sms: { en: "Thanks, enjoy your tea!" } } }
        """;

    private const string Knowledge = """
        id: kettle
        name: Kettle help
        journeys: [kettle-care]
        locales: [en, es]
        synonyms:
          en: [[descale, limescale, scale, crust]]
          es: [[cal, sarro]]
        entries:
          - id: descale
            topic: care
            questions:
              en: ["how do I descale the kettle", "white crust inside the kettle"]
              es: ["cómo quito la cal del hervidor", "tiene cal por dentro"]
            keywords: { en: [descale, limescale], es: [cal] }
            answer:
              en: "Boil half water, half vinegar, then rinse twice, {{ customer.first_name | default: 'there' }}."
              es: "Hierva mitad agua y mitad vinagre y enjuague dos veces."
            subject: { en: "Descaling your kettle", es: "Descalcificar el hervidor" }
          - id: cord-damage
            topic: troubleshooting
            handoff: true
            questions:
              en: ["the cord is melted", "sparks came out of the base", "the cable smells burnt"]
              es: ["el cable está quemado", "salen chispas de la base"]
            keywords: { en: [sparks, melted, burnt], es: [chispas, quemado] }
            answer:
              en: "Please unplug it now and do not use it; a person from {{ brand.name }} will text you shortly."
              es: "Desenchúfelo y no lo use; una persona de {{ brand.name }} le escribirá enseguida."
        """;

    private static async Task<HttpResponseMessage> AdminPostAsync(AppHost host, string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/yaml") };
        request.Headers.Add("x-functions-key", AppHost.AdminKey);
        return await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AnInvalidBase_IsAProblemListingItsErrors_AndNothingIsSaved()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow);
        using var invalid = await AdminPostAsync(h.Host, "/api/admin/knowledge", Knowledge.Replace("topic: care", "topic: kettles", StringComparison.Ordinal).Replace("id: kettle\n", "id: kettle-bad\n", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await invalid.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("$.entries[0].topic", (string?)problem["field"]);
        Assert.Contains("kettles", (string?)problem["errors"]![0]!["message"], StringComparison.Ordinal);
        using var missing = await TestCustomers.AdminGetAsync(h.Host, "/api/admin/knowledge/kettle-bad");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task PublishedBase_AnswersQuestionsWithItsSource_HandsOverWhatNeedsAPerson_AndAnswersInTheCustomersLanguage()
    {
        await using var h = await ChannelHarness.StartAsync(storage, DateTimeOffset.UtcNow, dispatcher: true);
        var (definition, errors) = JourneyValidator.Validate(Journey);
        Assert.Empty(errors);
        await h.Host.Services.GetRequiredService<JourneyCatalog>().PublishAsync(definition!, Journey, CancellationToken.None);

        using (var saved = await AdminPostAsync(h.Host, "/api/admin/knowledge", Knowledge))
        {
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        }

        using (var published = await AdminPostAsync(h.Host, "/api/admin/knowledge/kettle/publish", ""))
        {
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            Assert.Equal(1, (int?)JsonNode.Parse(await published.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["version"]);
        }

        var listed = await TestCustomers.AdminJsonAsync(h.Host, "/api/admin/knowledge/kettle");
        Assert.Equal(["descale", "cord-damage"], listed["entries"]!.AsArray().Select(e => (string?)e!["id"]));

        using (var tried = await AdminPostAsync(h.Host, "/api/admin/knowledge/try", """{"journey": "kettle-care", "step": "setup", "text": "how do i get the limescale out?"}"""))
        {
            var body = JsonNode.Parse(await tried.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
            Assert.Equal(HttpStatusCode.OK, tried.StatusCode);
            Assert.Equal(("knowledge", "kb:kettle@1/descale"), ((string?)body["decision"], (string?)body["knowledge"]));
        }

        // A simulation reads a scripted reply the way the live journey does.
        var simulation = new JsonObject
        {
            ["journeyId"] = "kettle-care",
            ["version"] = 1,
            ["sample"] = Journeys.Samples.Order(),
            ["replies"] = new JsonArray(new JsonObject { ["step"] = "setup", ["text"] = "how do i get the limescale out?" }),
        };
        using (var simulated = await AdminPostAsync(h.Host, "/api/admin/journeys/simulate", simulation.ToJsonString()))
        {
            var timeline = JsonNode.Parse(await simulated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["timeline"]!.AsArray();
            Assert.Contains(timeline, e => (string?)e!["kind"] == "message" && ((string?)e["text"])?.StartsWith("Boil half water, half vinegar", StringComparison.Ordinal) == true);
        }

        var ann = await TestCustomers.StartJourneyAsync(h.Host, "kettle-care", "Ann", "+14155550131", null);
        var bob = await TestCustomers.StartJourneyAsync(h.Host, "kettle-care", "Bob", "+14155550132", null);
        var eva = await TestCustomers.StartJourneyAsync(h.Host, "kettle-care", "Eva", "+14155550133", null);
        await Eventually.TrueAsync(() => h.Acs.Sms.Count(s => s.Message.StartsWith("Is your kettle set up", StringComparison.Ordinal)) >= 3, "the three setup questions", 60_000);

        // A question instead of the answer: the base answers it, and the question still waits for its answer.
        await TestCustomers.PostSmsAsync(h.Host, "kb-ann-1", "+14155550131", "how do i get the limescale out?");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == "+14155550131" && s.Message == "Boil half water, half vinegar, then rinse twice, Ann."), "Ann's answer from the base", 60_000);
        var logged = (await h.Host.Services.GetRequiredService<MessageLog>().ForCustomerAsync("c:" + CustomerId(ann), CancellationToken.None)).Single(m => m.Kind == "knowledge");
        Assert.Equal("kb:kettle@1/descale", logged.Source);
        await TestCustomers.PostSmsAsync(h.Host, "kb-ann-2", "+14155550131", "yes");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == "+14155550131" && s.Message == "Thanks, enjoy your tea!"), "Ann's journey to go on", 60_000);

        // Something only a person may deal with: the entry's words, then a ticket, and the journey waits for the agent.
        await TestCustomers.PostSmsAsync(h.Host, "kb-bob-1", "+14155550132", "the cord melted and there were sparks!");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == "+14155550132" && s.Message.StartsWith("Please unplug it now", StringComparison.Ordinal)), "Bob's acknowledgement", 60_000);
        var records = h.Host.Services.GetRequiredService<CustomerRecords>();
        await Eventually.TrueAsync(async () => (await records.ListAsync("c:" + CustomerId(bob), CancellationToken.None)).Any(r => r.Kind == "handoff" && r.Payload.Contains("cord-damage", StringComparison.Ordinal)), "Bob's ticket", 60_000);
        var desk = "";
        await Eventually.TrueAsync(async () => (desk = (await TestCustomers.AdminJsonAsync(h.Host, "/api/admin/handoffs?status=open")).ToJsonString()).Contains(bob, StringComparison.Ordinal), "Bob on the desk", 60_000);
        Assert.Contains("needs a person: cord-damage", desk, StringComparison.Ordinal);
        await TestCustomers.PostSmsAsync(h.Host, "kb-bob-2", "+14155550132", "yes");
        await Eventually.TrueAsync(async () => (await records.ListAsync("c:" + CustomerId(bob), CancellationToken.None)).Count(r => r.Kind == "handoff") >= 2, "Bob's yes on his ticket", 60_000);
        Assert.DoesNotContain(h.Acs.Sms, s => s.To == "+14155550132" && s.Message.StartsWith("Thanks", StringComparison.Ordinal));

        // The answers the base gave count as self-service in the PX metrics; Bob's as a handoff.
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(async () => (double?)(await TestCustomers.AdminJsonAsync(h.Host, $"/api/admin/metrics?from={today}&to={today}&journey=kettle-care"))["totals"]?["auto_answers"] == 1, "one automatic answer counted", 60_000);

        // Written in Spanish to an English journey: answered from the base's Spanish.
        await TestCustomers.PostSmsAsync(h.Host, "kb-eva-1", "+14155550133", "¿cómo quito la cal del hervidor?");
        await Eventually.TrueAsync(() => h.Acs.Sms.Any(s => s.To == "+14155550133" && s.Message == "Hierva mitad agua y mitad vinagre y enjuague dos veces."), "Eva's answer in Spanish", 60_000);
    }

    private static string CustomerId(string instanceId) => "cust-" + instanceId.Split(':')[1] + instanceId[^6..];
}
