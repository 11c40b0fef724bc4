using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace PxFunctions.Channels.Compliance;

/// <summary>A channel an address belongs to (a phone number on SMS or WhatsApp, an email, a customer id in the chat).</summary>
public enum ContactChannel
{
    Sms,
    Email,
    WhatsApp,

    /// <summary>The chat widget; its address is the customer's id.</summary>
    WebChat,
}

/// <summary>Names of <see cref="ContactChannel"/>, as the message log, metrics and APIs write them (<see cref="Journeys.Definitions.ChannelNames"/>).</summary>
public static class ContactChannels
{
    public static string Name(this ContactChannel channel) => channel switch
    {
        ContactChannel.Sms => Journeys.Definitions.ChannelNames.Sms,
        ContactChannel.Email => Journeys.Definitions.ChannelNames.Email,
        ContactChannel.WhatsApp => Journeys.Definitions.ChannelNames.WhatsApp,
        _ => Journeys.Definitions.ChannelNames.WebChat,
    };

    public static ContactChannel? Parse(string? name) => Journeys.Definitions.ChannelNames.Parse(name) switch
    {
        Journeys.Definitions.MessageChannel.Sms => ContactChannel.Sms,
        Journeys.Definitions.MessageChannel.Email => ContactChannel.Email,
        Journeys.Definitions.MessageChannel.WhatsApp => ContactChannel.WhatsApp,
        Journeys.Definitions.MessageChannel.WebChat => ContactChannel.WebChat,
        _ => null,
    };

    /// <summary>The table partition prefix of an address on the channel (<c>sms:</c>, <c>email:</c>...).</summary>
    public static string Prefix(this ContactChannel channel) => channel.Name() + ":";

    /// <summary>Whether the address is a phone number (SMS, WhatsApp).</summary>
    public static bool IsPhone(this ContactChannel channel) => channel is ContactChannel.Sms or ContactChannel.WhatsApp;
}

/// <summary>What happened to a customer's consent on one address.</summary>
public enum ConsentAction
{
    /// <summary>The number or address was given for an order: service messages (order and usage help) may go.</summary>
    ServiceGranted,

    /// <summary>Prior express (written) consent to marketing, as the storefront or a keyword reports it.</summary>
    MarketingGranted,

    /// <summary>Marketing consent withdrawn without a full opt-out (a storefront reports "unsubscribed" from marketing).</summary>
    MarketingWithdrawn,

    /// <summary>STOP, a plain-language revocation, an unsubscribe link: nothing more on this channel.</summary>
    OptedOut,

    /// <summary>START/UNSTOP: the opt-out is lifted and service messages may go; marketing consent must be given again.</summary>
    OptedIn,

    /// <summary>A hard bounce or a carrier block: the address cannot receive.</summary>
    Suppressed,
}

/// <summary>One consent event: who, which address, what, when, from where, and the exact words or record behind it.</summary>
public sealed record ConsentChange(
    ContactChannel Channel,
    string Address,
    ConsentAction Action,
    DateTimeOffset At,
    string Source,
    string? Text,
    string EventId,
    string? CustomerId = null);

/// <summary>Where consent stands on one address now.</summary>
public sealed record ConsentState(
    ContactChannel Channel,
    string Address,
    bool Service,
    bool Marketing,
    bool OptedOut,
    bool Suppressed,
    DateTimeOffset? OptedOutAt,
    string? CustomerId)
{
    /// <summary>When the customer last wrote from this address (WhatsApp's 24-hour window counts from it).</summary>
    public DateTimeOffset? LastInboundAt { get; init; }

    public static ConsentState None(ContactChannel channel, string address) => new(channel, address, false, false, false, false, null, null);
}

/// <summary>
/// The consent ledger: per address (an E.164 number or an email), one state row and an append-only history row per
/// change, written together in one entity-group transaction. A change is recorded once (its event id keys its
/// history row) and changes apply in time order per field, so a late, older storefront report cannot undo a newer
/// STOP. The history keeps source, time, exact text and address: the record a regulator asks for. An address's
/// partition is named by its keyed hash (<see cref="AddressHasher"/>), so when a customer is erased
/// (<see cref="AnonymiseAsync"/>) their rows keep only what compliance needs — the hash, each action, its time and
/// source — and a later order with the same number still finds the STOP. Rows written before addresses were hashed
/// (partition <c>sms:+1415...</c>) are still read, and are moved when the address is erased.
/// </summary>
public sealed class ConsentLedger(TableClient table, AddressHasher hasher)
{
    public const string TableName = "Consent";
    private const string StateKey = "state";

    /// <summary>The partition of an address: its channel and its keyed hash.</summary>
    public async Task<string> PartitionAsync(ContactChannel channel, string address, CancellationToken cancellationToken) =>
        Prefix(channel) + await hasher.HashAsync(address, cancellationToken);

    /// <summary>Where an address's rows were kept before partitions were hashed.</summary>
    private static string LegacyPartitionOf(ContactChannel channel, string address) => Prefix(channel) + address.Trim().ToLowerInvariant();

    private static string Prefix(ContactChannel channel) => channel.Prefix();

    /// <summary>Records a change; returns false when this event id was recorded before (nothing changes then).</summary>
    public async Task<bool> RecordAsync(ConsentChange change, CancellationToken cancellationToken)
    {
        var partition = await PartitionAsync(change.Channel, change.Address, cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<TableEntity>(partition, StateKey, cancellationToken: cancellationToken);
            var state = current.HasValue ? current.Value! : await LegacyStateAsync(change.Channel, change.Address, partition, cancellationToken) ?? new TableEntity(partition, StateKey);
            Apply(state, change);
            var history = new TableEntity(partition, "h:" + change.At.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + ":" + Key(change.EventId))
            {
                ["Action"] = change.Action.ToString(),
                ["At"] = change.At,
                ["Source"] = change.Source,
                ["Text"] = change.Text,
                ["EventId"] = change.EventId,
                ["CustomerId"] = change.CustomerId,
                ["Address"] = change.Address,
                ["Channel"] = change.Channel.ToString(),
            };
            var marker = new TableEntity(partition, "e:" + Key(change.EventId));
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Add, marker),
                new(TableTransactionActionType.Add, history),
                current.HasValue ? new(TableTransactionActionType.UpdateReplace, state, state.ETag) : new(TableTransactionActionType.Add, state),
            };
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
                return true;
            }
            catch (TableTransactionFailedException ex) when (ex.FailedTransactionActionIndex == 0 && ex.Status == 409)
            {
                return false;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < 10)
            {
                // Another change to the same address committed first: apply ours on top of it.
            }
        }
    }

    public async Task<ConsentState> GetAsync(ContactChannel channel, string address, CancellationToken cancellationToken)
    {
        var partition = await PartitionAsync(channel, address, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(partition, StateKey, cancellationToken: cancellationToken);
        var e = row.HasValue ? row.Value! : await LegacyStateAsync(channel, address, partition, cancellationToken);
        if (e is null)
        {
            return ConsentState.None(channel, address);
        }

        return new ConsentState(
            channel,
            address,
            e.GetBoolean("Service") ?? false,
            e.GetBoolean("Marketing") ?? false,
            e.GetBoolean("OptedOut") ?? false,
            e.GetBoolean("Suppressed") ?? false,
            e.GetBoolean("OptedOut") == true ? e.GetDateTimeOffset("OptedOutAt") : null,
            e.GetString("CustomerId"))
        {
            LastInboundAt = e.GetDateTimeOffset("LastInboundAt"),
        };
    }

    /// <summary>
    /// Notes that the customer wrote from the address at <paramref name="at"/> (kept on its state row, which every send
    /// reads anyway): on WhatsApp, free text may go for 24 hours after. An older message delivered late changes nothing.
    /// </summary>
    public async Task RecordInboundAsync(ContactChannel channel, string address, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var partition = await PartitionAsync(channel, address, cancellationToken);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<TableEntity>(partition, StateKey, cancellationToken: cancellationToken);
            if (current.HasValue && current.Value!.GetDateTimeOffset("LastInboundAt") is { } last && last >= at)
            {
                return;
            }

            try
            {
                if (current.HasValue)
                {
                    await table.UpdateEntityAsync(new TableEntity(partition, StateKey) { ["LastInboundAt"] = at }, current.Value!.ETag, TableUpdateMode.Merge, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(new TableEntity(partition, StateKey) { ["LastInboundAt"] = at }, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // A consent change or another message wrote the row first: look again.
            }
        }
    }

    /// <summary>Every recorded change on an address, oldest first (for an admin or an export).</summary>
    public async Task<List<ConsentChange>> HistoryAsync(ContactChannel channel, string address, CancellationToken cancellationToken)
    {
        var changes = new List<ConsentChange>();
        foreach (var partition in new[] { LegacyPartitionOf(channel, address), await PartitionAsync(channel, address, cancellationToken) })
        {
            await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {"h:"} and RowKey lt {"h;"}"), cancellationToken: cancellationToken))
            {
                changes.Add(new ConsentChange(
                    channel,
                    e.GetString("Address") ?? address,
                    Enum.Parse<ConsentAction>(e.GetString("Action")!),
                    e.GetDateTimeOffset("At") ?? default,
                    e.GetString("Source") ?? "",
                    e.GetString("Text"),
                    e.GetString("EventId") ?? "",
                    e.GetString("CustomerId")));
            }
        }

        return changes.OrderBy(c => c.At).ToList();
    }

    /// <summary>
    /// Erasure: the address's rows keep the action, time, source and event of each change and the state they add up
    /// to (so an opt-out still holds), under the address's keyed hash; the address, the exact texts and the customer
    /// are removed. Idempotent: an interrupted run is finished by the next.
    /// </summary>
    public async Task AnonymiseAsync(ContactChannel channel, string address, CancellationToken cancellationToken)
    {
        var partition = await PartitionAsync(channel, address, cancellationToken);
        var legacy = LegacyPartitionOf(channel, address);
        var hasState = (await table.GetEntityIfExistsAsync<TableEntity>(partition, StateKey, cancellationToken: cancellationToken)).HasValue;
        foreach (var source in new[] { partition, legacy })
        {
            await foreach (var row in table.QueryAsync<TableEntity>(r => r.PartitionKey == source, cancellationToken: cancellationToken))
            {
                var kept = new TableEntity(partition, row.RowKey);
                foreach (var (name, value) in row)
                {
                    if (name is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag" or "Address" or "Text" or "CustomerId"))
                    {
                        kept[name] = value;
                    }
                }

                // The hashed state row (seeded from the legacy one at its first change) wins over the legacy state.
                if (source == partition || row.RowKey != StateKey || !hasState)
                {
                    await table.UpsertEntityAsync(kept, TableUpdateMode.Replace, cancellationToken);
                }

                if (source == legacy)
                {
                    await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                }
            }
        }
    }

    /// <summary>The state row of an address from before partitions were hashed, re-keyed to <paramref name="partition"/>.</summary>
    private async Task<TableEntity?> LegacyStateAsync(ContactChannel channel, string address, string partition, CancellationToken cancellationToken)
    {
        var legacy = await table.GetEntityIfExistsAsync<TableEntity>(LegacyPartitionOf(channel, address), StateKey, cancellationToken: cancellationToken);
        if (!legacy.HasValue)
        {
            return null;
        }

        var state = new TableEntity(partition, StateKey);
        foreach (var (name, value) in legacy.Value!)
        {
            if (name is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
            {
                state[name] = value;
            }
        }

        return state;
    }

    /// <summary>Applies a change to the state row, field by field, only if it is newer than what set that field.</summary>
    private static void Apply(TableEntity state, ConsentChange change)
    {
        void Set(string field, bool value)
        {
            var at = state.GetDateTimeOffset(field + "At");
            if (at is null || change.At >= at)
            {
                state[field] = value;
                state[field + "At"] = change.At;
            }
        }

        switch (change.Action)
        {
            case ConsentAction.ServiceGranted:
                Set("Service", true);
                break;
            case ConsentAction.MarketingGranted:
                Set("Marketing", true);
                break;
            case ConsentAction.MarketingWithdrawn:
                Set("Marketing", false);
                break;
            case ConsentAction.OptedOut:
                Set("OptedOut", true);
                Set("Marketing", false);
                break;
            case ConsentAction.OptedIn:
                // The customer texted START: they want our texts again (service); marketing needs its own consent.
                Set("OptedOut", false);
                Set("Service", true);
                break;
            case ConsentAction.Suppressed:
                Set("Suppressed", true);
                break;
        }

        state["CustomerId"] = change.CustomerId ?? state.GetString("CustomerId");
        state["Channel"] = change.Channel.ToString();
    }

    private static string Key(string eventId) => Dispatch.TableKeys.Safe(eventId, maxLength: 100);
}
