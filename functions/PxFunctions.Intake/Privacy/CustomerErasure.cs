using System.Text.Json;
using Microsoft.Extensions.Logging;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Desk;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Inbound;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Intake.Privacy;

/// <summary>What an erasure did: whether the customer was known, how many journeys it ended and how many orders it removed.</summary>
public sealed record ErasureResult(bool Found, int Journeys, int Orders);

/// <summary>
/// Erases a customer from every store (<c>customers/redact</c>, <c>POST /api/admin/customers/{id}/erase</c>): their
/// journeys are terminated and purged from the task hub (the purge is queued, so it happens once the engine has
/// stopped them, restarts included), and the purchase and texts beside them, their handoffs in the desk and the notes on them, the message log and its index, the
/// conversations, the team's records (handoff tickets, answers, unrouted replies), stored and rejected webhooks
/// about them, the dev outbox, and their orders and profile are deleted. The consent ledger keeps only the keyed hash
/// of each address with each action, its time and source, so a number that said STOP stays opted out when it comes
/// back with a new order. Idempotent, and the profile goes last: it is how the next run finds the rest, so an
/// interrupted erasure completes when it is run again.
/// </summary>
public sealed class CustomerErasure(
    CustomerStore customers,
    JourneyPurger purger,
    IJourneyInstances instances,
    MessageLog messages,
    Conversations conversations,
    ConsentLedger consent,
    CustomerRecords records,
    HandoffIndex handoffs,
    WebhookInbox inbox,
    AddressHasher hasher,
    IEnumerable<DevOutboxChannel> outbox,
    PxFunctions.Channels.Chat.ChatTranscript chat,
    TimeProvider time,
    ILogger<CustomerErasure> logger)
{
    public const string Reason = "customer data erased";

    /// <param name="known">For a customer we may have no profile for: what the erasure request says of them (see <see cref="CustomerFootprint.ReadAsync"/>).</param>
    public async Task<ErasureResult> EraseAsync(string customerKey, CancellationToken cancellationToken, (string Shop, string? StoreCustomerId, string? Email, string? Phone)? known = null)
    {
        if (await CustomerFootprint.ReadAsync(customers, customerKey, cancellationToken, known) is not { } customer)
        {
            return new ErasureResult(false, 0, 0);
        }

        // Journeys first, so nothing more is sent or written for them while the rest goes.
        var ended = 0;
        foreach (var id in customer.InstanceIds)
        {
            ended += await instances.GetAsync(id, cancellationToken) is { IsActive: true } ? 1 : 0;
            if (!await purger.PurgeAsync(id, Reason, cancellationToken))
            {
                await purger.RequestAsync(new PurgeRequest(id), JourneyPurger.DelayAfter(0), cancellationToken);
            }
        }

        // The purge above forgot the handoffs of the journeys the orders name; these are any others under the customer's id.
        foreach (var handoff in await handoffs.ForCustomerAsync(customerKey, cancellationToken))
        {
            await handoffs.ForgetAsync(handoff.InstanceId, cancellationToken);
        }

        foreach (var partition in customer.Partitions)
        {
            await messages.ForgetAsync(partition, cancellationToken);
            await records.ForgetAsync(partition, cancellationToken);
        }

        foreach (var phone in customer.Phones)
        {
            foreach (var channel in new[] { ContactChannel.Sms, ContactChannel.WhatsApp })
            {
                await conversations.ForgetAsync(channel, phone, cancellationToken);
                await consent.AnonymiseAsync(channel, phone, cancellationToken);
            }
        }

        // The chat is addressed by the customer's id: its transcript goes, its consent keeps only what compliance needs.
        await chat.ForgetAsync(customerKey, cancellationToken);
        await conversations.ForgetAsync(ContactChannel.WebChat, customerKey, cancellationToken);
        await consent.AnonymiseAsync(ContactChannel.WebChat, customerKey, cancellationToken);

        foreach (var email in customer.Emails)
        {
            await conversations.ForgetAsync(ContactChannel.Email, email, cancellationToken);
            await consent.AnonymiseAsync(ContactChannel.Email, email, cancellationToken);
        }

        // Exports the app stored before they were built on request (partition export:{shop}) hold the whole customer.
        var key = JsonSerializer.Serialize(customerKey);
        await records.ForgetMentioningAsync("export:" + customer.Profile.Shop, payload => payload.Contains(key, StringComparison.Ordinal), cancellationToken);

        foreach (var dev in outbox)
        {
            await dev.ForgetAsync([.. customer.Phones, .. customer.Emails], cancellationToken);
        }

        foreach (var rejected in await inbox.RejectedMentioningAsync(customer.Mentions(), cancellationToken))
        {
            await inbox.ForgetRejectedAsync(rejected.PartitionKey, rejected.RowKey, cancellationToken);
        }

        foreach (var blob in customer.WebhookBlobs)
        {
            await inbox.ForgetBodyAsync(blob, cancellationToken);
        }

        // That an erasure happened, for the shop's records: a keyed hash of the key, nothing that identifies anyone.
        await records.AddAsync("erased:" + customer.Profile.Shop, "redact", await hasher.HashAsync(customerKey, cancellationToken), "{}", time.GetUtcNow(), cancellationToken);
        await customers.EraseAsync(customerKey, customer.Orders.Select(o => (o.Shop, o.OrderId)), cancellationToken);
        logger.LogInformation("Customer data erased for a customer of {Shop}: {Journeys} journey(s) ended, {Orders} order(s)", customer.Profile.Shop, ended, customer.Orders.Count);
        return new ErasureResult(true, ended, customer.Orders.Count);
    }
}
