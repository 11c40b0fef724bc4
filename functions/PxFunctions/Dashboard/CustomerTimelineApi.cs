using System.Text.Json.Nodes;
using PxFunctions.Channels;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Http;
using PxFunctions.Intake.Customers;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Dashboard;

/// <summary>
/// <c>POST /api/admin/customers/find</c>: a customer's timeline found by customer id, email or phone. A POST so
/// an address never sits in a URL (access logs, browser history); the answer names the customer by id only in keys.
/// <c>profile</c> is what they told us (<see cref="ZeroPartyProfile"/>), built from the same reads plus the
/// customer's stored profile and each journey's purchase.
/// </summary>
public static class CustomerTimelineApi
{
    public sealed record FindRequest(string? Query);

    public sealed record ConsentView(string Channel, string Address, ConsentState State, IReadOnlyList<ConsentChange> History);

    public sealed record RecordView(string Kind, JsonNode? Payload, DateTimeOffset At);

    public sealed record JourneyView(string InstanceId, string Status, JsonNode? CustomStatus, DateTimeOffset CreatedTime, DateTimeOffset LastUpdatedTime);

    public sealed record Timeline(
        string Customer,
        string? CustomerId,
        IReadOnlyList<string> Addresses,
        IReadOnlyList<MessageRecord> Messages,
        IReadOnlyList<RecordView> Records,
        IReadOnlyList<ConsentView> Consent,
        IReadOnlyList<JourneyView> Journeys,
        ZeroPartyProfile Profile);

    public static IEndpointRouteBuilder MapCustomerTimelineApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/admin/customers/find", FindAsync).WithName("FindCustomer").RequireFunctionKey();
        return endpoints;
    }

    private static async Task<IResult> FindAsync(
        FindRequest? request, MessageLog log, CustomerStore customers, CustomerRecords records, ConsentLedger consent, IJourneyInstances instances, IJourneyContexts contexts, QuietHours quietHours, CancellationToken ct)
    {
        var query = request?.Query?.Trim();
        if (string.IsNullOrEmpty(query))
        {
            return Problems.BadRequest("query", "is required: a customer id, an email address or a phone number.");
        }

        string key;
        var address = query.Contains('@', StringComparison.Ordinal) ? MessagingApi.AddressOf(query) : query.StartsWith('+') ? E164.Of(query) : null;
        if (address is not null)
        {
            // The customer with this address (the address index: one partition query); else the address's own
            // partition of the message log (messages to an address without a customer).
            var keys = await customers.KeysForAddressAsync(address, 2, ct);
            key = keys.Count > 0 ? "c:" + keys[0] : "a:" + address;
        }
        else
        {
            key = query.StartsWith("c:", StringComparison.Ordinal) ? query : "c:" + query;
        }

        var messages = await log.ForCustomerAsync(key, ct);
        if (address is not null && key.StartsWith("c:", StringComparison.Ordinal))
        {
            messages = [.. messages, .. await log.ForCustomerAsync("a:" + address, ct)];
        }

        var addresses = messages.Select(m => m.To).OfType<string>().Append(address).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (messages.Count == 0 && address is null)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "No such customer.", "No message went to this customer id, email or phone.", "query");
        }

        var rows = new List<(string Kind, string Payload, DateTimeOffset At)>();
        foreach (var partition in addresses.Select(a => "a:" + a).Prepend(key).Distinct(StringComparer.Ordinal))
        {
            rows.AddRange(await records.ListAsync(partition, ct));
        }

        var consentViews = new List<ConsentView>();
        foreach (var to in addresses)
        {
            ContactChannel[] channels = to.Contains('@', StringComparison.Ordinal) ? [ContactChannel.Email] : [ContactChannel.Sms, ContactChannel.WhatsApp];
            foreach (var channel in channels)
            {
                var history = await consent.HistoryAsync(channel, to, ct);
                if (channel == ContactChannel.WhatsApp && history.Count == 0)
                {
                    // Most customers never opt in to WhatsApp: no row rather than an empty one.
                    continue;
                }

                consentViews.Add(new ConsentView(channel.Name(), to, await consent.GetAsync(channel, to, ct), history));
            }
        }

        // The journeys that wrote to the customer, and those that kept a record about them (a fact) without a message.
        var recordViews = rows.Select(r => new RecordView(r.Kind, TryParse(r.Payload), r.At)).ToList();
        var factInstances = recordViews.Select(r => r.Payload is JsonObject p && p["instanceId"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : null);
        var journeyViews = new List<JourneyView>();
        var profileJourneys = new List<ProfileJourney>();
        foreach (var instanceId in messages.Select(m => m.InstanceId).Concat(factInstances).Where(i => !string.IsNullOrEmpty(i)).Distinct(StringComparer.Ordinal))
        {
            var state = await instances.GetAsync(instanceId!, ct);
            if (state is not null)
            {
                journeyViews.Add(new JourneyView(state.InstanceId, state.Status.ToString(), state.CustomStatus is null ? null : TryParse(state.CustomStatus), state.CreatedTime, state.LastUpdatedTime));
            }

            profileJourneys.Add(new ProfileJourney(instanceId!, state, await contexts.GetAsync(instanceId!, ct)));
        }

        var profile = ZeroPartyProfile.Build(
            rows,
            consentViews.Select(c => new ProfileConsent(c.State, c.History)),
            key.StartsWith("c:", StringComparison.Ordinal) && IsTableKey(key[2..]) ? await customers.GetAsync(key[2..], ct) : null,
            profileJourneys,
            quietHours);

        return Results.Ok(new Timeline(
            key,
            key.StartsWith("c:", StringComparison.Ordinal) ? key[2..] : null,
            addresses,
            messages.OrderByDescending(m => m.CreatedAt).ToList(),
            recordViews.OrderBy(r => r.At).ToList(),
            consentViews,
            journeyViews,
            profile));
    }

    /// <summary>Whether a customer key typed into the find can be a table key (a point read would be refused otherwise).</summary>
    private static bool IsTableKey(string key) => key.Length is > 0 and <= 512 && CustomerStore.Safe(key) == key;

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
