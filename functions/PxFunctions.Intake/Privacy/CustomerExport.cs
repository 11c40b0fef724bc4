using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Desk;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Intake.Privacy;

/// <summary>
/// Everything held about a customer, as one JSON document (<c>GET /api/admin/customers/{id}/export</c>, what a
/// <c>customers/data_request</c> asks for): the profile and orders; each journey with its status, answers, purchase
/// and texts (replies, agents' answers); every message (recipient, text, status); the conversations; the consent
/// state and history of each address; the team's records (handoff tickets, answers, reorders, unrouted replies);
/// the desk's handoffs with their internal notes; the stored webhook bodies about them and rejected webhooks that
/// mention them; and in <c>profile</c>, beside the stored profile, what they told us (<see cref="ZeroPartyProfile"/>:
/// answers, preferences, products) read from the same records, consent and journeys. Built when asked, from the stores
/// themselves, so it is complete and current and no second copy of the data is left to erase.
/// </summary>
public sealed class CustomerExport(
    CustomerStore customers,
    IJourneyInstances instances,
    IJourneyContexts contexts,
    JourneyTexts texts,
    MessageLog messages,
    Conversations conversations,
    ConsentLedger consent,
    CustomerRecords records,
    HandoffIndex handoffs,
    WebhookInbox inbox,
    QuietHours quietHours,
    TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public async Task<JsonObject?> BuildAsync(string customerKey, CancellationToken cancellationToken)
    {
        if (await CustomerFootprint.ReadAsync(customers, customerKey, cancellationToken) is not { } customer)
        {
            return null;
        }

        var journeys = new JsonArray();
        var rows = new List<(string Kind, string Payload, DateTimeOffset At)>();
        var profileJourneys = new List<ProfileJourney>();
        foreach (var id in customer.InstanceIds)
        {
            var state = await instances.GetAsync(id, cancellationToken);
            var purchase = await contexts.GetAsync(id, cancellationToken);
            if (state is null && purchase is null)
            {
                continue;
            }

            var journeyRecords = await records.ListAsync("i:" + id, cancellationToken);
            rows.AddRange(journeyRecords);
            profileJourneys.Add(new ProfileJourney(id, state, purchase));
            journeys.Add(new JsonObject
            {
                ["instanceId"] = id,
                ["status"] = state?.Status.ToString(),
                ["createdAt"] = state?.CreatedTime,
                ["lastUpdatedAt"] = state?.LastUpdatedTime,
                ["progress"] = Parse(state?.CustomStatus),
                ["outcome"] = Parse(state?.Output),
                ["purchase"] = purchase is null ? null : JsonNode.Parse(purchase.ToJson()),
                ["texts"] = JsonSerializer.SerializeToNode(await texts.RecentAsync(id, int.MaxValue, cancellationToken), Json),
                ["records"] = Records(journeyRecords),
            });
        }

        var sent = new List<MessageRecord>();
        var kept = new JsonArray();
        foreach (var partition in customer.Partitions)
        {
            sent.AddRange(await messages.ForCustomerAsync(partition, cancellationToken));
            var partitionRecords = await records.ListAsync(partition, cancellationToken);
            rows.AddRange(partitionRecords);
            foreach (var node in Records(partitionRecords))
            {
                kept.Add(node!.DeepClone());
            }
        }

        var addresses = new JsonArray();
        var consents = new List<ProfileConsent>();
        foreach (var (channel, address) in customer.Phones.SelectMany(p => new[] { (ContactChannel.Sms, p), (ContactChannel.WhatsApp, p) }).Concat(customer.Emails.Select(e => (ContactChannel.Email, e))))
        {
            var state = await consent.GetAsync(channel, address, cancellationToken);
            var history = await consent.HistoryAsync(channel, address, cancellationToken);
            if (channel == ContactChannel.WhatsApp && history.Count == 0)
            {
                continue;
            }

            consents.Add(new ProfileConsent(state, history));
            addresses.Add(new JsonObject
            {
                ["channel"] = channel.Name(),
                ["address"] = address,
                ["consent"] = JsonSerializer.SerializeToNode(state, Json),
                ["consentHistory"] = JsonSerializer.SerializeToNode(history, Json),
                ["conversations"] = JsonSerializer.SerializeToNode(await conversations.ForAsync(channel, address, cancellationToken), Json),
            });
        }

        var desk = new JsonArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var handed = (await handoffs.ForCustomerAsync(customerKey, cancellationToken)).Select(h => h.InstanceId).Concat(customer.InstanceIds);
        foreach (var instanceId in handed.Where(seen.Add))
        {
            foreach (var handoff in await handoffs.ForInstanceAsync(instanceId, cancellationToken))
            {
                var node = JsonSerializer.SerializeToNode(handoff with { ETag = default }, Json)!.AsObject();
                node.Remove("eTag");
                node["notes"] = JsonSerializer.SerializeToNode(await handoffs.NotesAsync(handoff, cancellationToken), Json);
                desk.Add(node);
            }
        }

        var webhooks = new JsonArray();
        foreach (var blob in customer.WebhookBlobs)
        {
            if (await inbox.BodyAsync(blob, cancellationToken) is { } body)
            {
                webhooks.Add(new JsonObject { ["stored"] = blob, ["body"] = Parse(body) ?? JsonValue.Create(body) });
            }
        }

        var rejected = new JsonArray();
        foreach (var r in await inbox.RejectedMentioningAsync(customer.Mentions(), cancellationToken))
        {
            rejected.Add(new JsonObject { ["topic"] = r.Topic, ["receivedAt"] = r.ReceivedAt, ["body"] = r.Body });
        }

        // The stored profile (contact details, locale, zone), and beside it what the customer told us.
        var profile = JsonSerializer.SerializeToNode(customer.Profile, Json)!.AsObject();
        var told = JsonSerializer.SerializeToNode(ZeroPartyProfile.Build(rows, consents, customer.Profile, profileJourneys, quietHours), Json)!.AsObject();
        foreach (var (name, value) in told.ToList())
        {
            told.Remove(name);
            profile[name] = value;
        }

        return new JsonObject
        {
            ["customerKey"] = customerKey,
            ["exportedAt"] = time.GetUtcNow(),
            ["profile"] = profile,
            ["orders"] = JsonSerializer.SerializeToNode(customer.Orders, Json),
            ["journeys"] = journeys,
            ["messages"] = JsonSerializer.SerializeToNode(sent.OrderBy(m => m.CreatedAt).Select(m => new
            {
                m.EffectId, m.InstanceId, m.JourneyId, m.Step, m.Kind, m.Channel, m.Class, m.To, m.Preview, m.Status, m.Reason,
                m.CreatedAt, m.SentAt, m.Engagement, m.EngagedAt,
            }), Json),
            ["addresses"] = addresses,
            ["records"] = kept,
            ["handoffs"] = desk,
            ["webhooks"] = webhooks,
            ["rejectedWebhooks"] = rejected,
        };
    }

    private static JsonArray Records(List<(string Kind, string Payload, DateTimeOffset At)> rows) =>
        new(rows.Select(r => (JsonNode?)new JsonObject { ["kind"] = r.Kind, ["at"] = r.At, ["payload"] = Parse(r.Payload) ?? JsonValue.Create(r.Payload) }).ToArray());

    /// <summary>JSON text as a node; null when it is empty or not JSON (then the text itself is shown).</summary>
    private static JsonNode? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
