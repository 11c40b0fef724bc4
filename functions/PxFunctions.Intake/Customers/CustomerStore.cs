using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using PxFunctions.Channels.Compliance;
using PxFunctions.Intake.Storefronts;

namespace PxFunctions.Intake.Customers;

/// <summary>A customer as the app knows them: one per shop and storefront customer (or email, or number, for guests).</summary>
public sealed record CustomerProfile(
    string Key,
    string Shop,
    string? StoreCustomerId,
    string? FirstName,
    string? LastName,
    string? Email,
    string? Phone,
    string? Locale,
    string? TimeZone,
    string? CountryCode,
    string? ProvinceCode);

/// <summary>
/// Customers, their orders and their active journeys (table <c>Customers</c>, partition = customer key: the profile,
/// <c>order:{id}</c> rows, and <c>journey:{product}</c> rows pointing at the instance that owns that product), and an
/// order index (table <c>Orders</c>) to find an order's customer from a fulfilment or refund. An address index in
/// the same table, partition <c>addr:{keyed hash of the address}</c> with a row per customer key, finds the customers
/// of an email or phone (the dashboard's find) with one partition query: it holds no address in clear.
/// </summary>
public sealed class CustomerStore(TableClient customers, TableClient orders, AddressHasher hasher)
{
    public const string CustomersTable = "Customers";
    public const string OrdersTable = "Orders";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The key of a shop's customer: their storefront id, else their email, else their number.</summary>
    public static string KeyOf(string shop, StoreCustomer customer, string? e164) =>
        Safe($"{shop}|{customer.Id ?? customer.Email?.ToLowerInvariant() ?? e164 ?? "guest"}");

    public async Task SaveAsync(CustomerProfile profile, StoreOrder order, CancellationToken cancellationToken)
    {
        await customers.UpsertEntityAsync(
            new TableEntity(profile.Key, "profile")
            {
                ["Shop"] = profile.Shop,
                ["StoreCustomerId"] = profile.StoreCustomerId,
                ["FirstName"] = profile.FirstName,
                ["LastName"] = profile.LastName,
                ["Email"] = profile.Email,
                ["Phone"] = profile.Phone,
                ["Locale"] = profile.Locale,
                ["TimeZone"] = profile.TimeZone,
                ["CountryCode"] = profile.CountryCode,
                ["ProvinceCode"] = profile.ProvinceCode,
            },
            TableUpdateMode.Merge,
            cancellationToken);
        foreach (var address in AddressesOf(profile))
        {
            await customers.UpsertEntityAsync(new TableEntity(await AddressPartitionAsync(address, cancellationToken), profile.Key), TableUpdateMode.Replace, cancellationToken);
        }

        var existing = await GetOrderAsync(order.Shop, order.OrderId, cancellationToken);
        var merged = existing is null ? order : order with
        {
            FulfilledAt = order.FulfilledAt ?? existing.Value.Order.FulfilledAt,
            DeliveredAt = order.DeliveredAt ?? existing.Value.Order.DeliveredAt,
            CancelledAt = order.CancelledAt ?? existing.Value.Order.CancelledAt,
            LineItems = order.LineItems.Count > 0 ? order.LineItems : existing.Value.Order.LineItems,
            Customer = order.Customer.Email is null && order.Customer.Phone is null ? existing.Value.Order.Customer : order.Customer,
        };
        var document = JsonSerializer.Serialize(merged, Json);
        await orders.UpsertEntityAsync(new TableEntity(OrderKey(order.Shop, order.OrderId), "order") { ["Customer"] = profile.Key, ["Order"] = document }, TableUpdateMode.Replace, cancellationToken);
        await customers.UpsertEntityAsync(new TableEntity(profile.Key, "order:" + Safe(order.OrderId)) { ["Order"] = document }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<(string CustomerKey, StoreOrder Order)?> GetOrderAsync(string shop, string orderId, CancellationToken cancellationToken)
    {
        var row = await orders.GetEntityIfExistsAsync<TableEntity>(OrderKey(shop, orderId), "order", cancellationToken: cancellationToken);
        return row.HasValue ? (row.Value!.GetString("Customer")!, JsonSerializer.Deserialize<StoreOrder>(row.Value.GetString("Order")!, Json)!) : null;
    }

    public async Task<CustomerProfile?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var row = await customers.GetEntityIfExistsAsync<TableEntity>(key, "profile", cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        var e = row.Value!;
        return new CustomerProfile(key, e.GetString("Shop") ?? "", e.GetString("StoreCustomerId"), e.GetString("FirstName"), e.GetString("LastName"), e.GetString("Email"), e.GetString("Phone"), e.GetString("Locale"), e.GetString("TimeZone"), e.GetString("CountryCode"), e.GetString("ProvinceCode"));
    }

    /// <summary>The instance that owns a customer's journey for a product, if any.</summary>
    public async Task<string?> ActiveJourneyAsync(string customerKey, string productKey, CancellationToken cancellationToken)
    {
        var row = await customers.GetEntityIfExistsAsync<TableEntity>(customerKey, "journey:" + Safe(productKey), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("InstanceId") : null;
    }

    public Task SetActiveJourneyAsync(string customerKey, string productKey, string instanceId, CancellationToken cancellationToken) =>
        customers.UpsertEntityAsync(new TableEntity(customerKey, "journey:" + Safe(productKey)) { ["InstanceId"] = instanceId }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Everything stored for a customer: profile, orders and journey pointers (for an export).</summary>
    public async Task<List<TableEntity>> AllAsync(string customerKey, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in customers.QueryAsync<TableEntity>(r => r.PartitionKey == customerKey, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Remembers that a stored webhook body is about this customer, so erasure can delete it (row <c>webhook:{key}</c>).</summary>
    public Task LinkWebhookAsync(string customerKey, string webhookKey, string blobName, CancellationToken cancellationToken) =>
        customers.UpsertEntityAsync(new TableEntity(customerKey, "webhook:" + Safe(webhookKey)) { ["Blob"] = blobName }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>
    /// Deletes the index rows of a customer's orders, then their rows, the profile last: the profile is how an erasure
    /// finds everything else, so a run that stops half-way is finished by the next one.
    /// </summary>
    public async Task EraseAsync(string customerKey, IEnumerable<(string Shop, string OrderId)> orderIds, CancellationToken cancellationToken)
    {
        if (await GetAsync(customerKey, cancellationToken) is { } profile)
        {
            foreach (var address in AddressesOf(profile))
            {
                await IgnoreMissingAsync(customers.DeleteEntityAsync(await AddressPartitionAsync(address, cancellationToken), customerKey, cancellationToken: cancellationToken));
            }
        }

        foreach (var (shop, orderId) in orderIds)
        {
            await IgnoreMissingAsync(orders.DeleteEntityAsync(OrderKey(shop, orderId), "order", cancellationToken: cancellationToken));
            await IgnoreMissingAsync(orders.DeleteEntityAsync(OrderKey(shop, orderId), JourneyCheckRow, cancellationToken: cancellationToken));
        }

        foreach (var row in (await AllAsync(customerKey, cancellationToken)).OrderBy(r => r.RowKey == "profile"))
        {
            await IgnoreMissingAsync(customers.DeleteEntityAsync(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken));
        }
    }

    /// <summary>The order index's row for what the last order event that started no journey was checked against.</summary>
    private const string JourneyCheckRow = "journeys";

    /// <summary>Keeps why an order event started no journey for some line (the latest check replaces the one before).</summary>
    public Task SaveJourneyCheckAsync(string shop, string orderId, Lifecycle.OrderJourneyCheck check, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(check, Json);
        if (json.Length > MaxCheckLength)
        {
            // A string property holds 64 KiB: a huge order keeps each line's reason, not every trigger's.
            json = JsonSerializer.Serialize(check with { Lines = check.Lines.Take(200).Select(l => l with { Journeys = [] }).ToList() }, Json);
        }

        return orders.UpsertEntityAsync(
            new TableEntity(OrderKey(shop, orderId), JourneyCheckRow) { ["Check"] = json },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    private const int MaxCheckLength = 30_000;

    public async Task<Lifecycle.OrderJourneyCheck?> GetJourneyCheckAsync(string shop, string orderId, CancellationToken cancellationToken)
    {
        var row = await orders.GetEntityIfExistsAsync<TableEntity>(OrderKey(shop, orderId), JourneyCheckRow, cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetString("Check") is { } json ? JsonSerializer.Deserialize<Lifecycle.OrderJourneyCheck>(json, Json) : null;
    }

    /// <summary>Finds a customer of a shop by storefront id, email or number (for consent and privacy topics).</summary>
    public async Task<CustomerProfile?> FindAsync(string shop, string? storeCustomerId, string? email, string? e164, CancellationToken cancellationToken)
    {
        foreach (var candidate in new[] { storeCustomerId, email?.ToLowerInvariant(), e164 }.OfType<string>())
        {
            if (await GetAsync(Safe($"{shop}|{candidate}"), cancellationToken) is { } profile)
            {
                return profile;
            }
        }

        return null;
    }

    /// <summary>The keys of the customers with this email or phone (E.164), from the address index: one partition query.</summary>
    public async Task<List<string>> KeysForAddressAsync(string address, int max, CancellationToken cancellationToken)
    {
        var partition = await AddressPartitionAsync(address, cancellationToken);
        var keys = new List<string>();
        await foreach (var row in customers.QueryAsync<TableEntity>(e => e.PartitionKey == partition, maxPerPage: max, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            keys.Add(row.RowKey);
            if (keys.Count >= max)
            {
                break;
            }
        }

        return keys;
    }

    private static IEnumerable<string> AddressesOf(CustomerProfile profile) =>
        new[] { profile.Email?.Trim().ToLowerInvariant(), profile.Phone?.Trim() }.Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.Ordinal)!;

    private async Task<string> AddressPartitionAsync(string address, CancellationToken cancellationToken) =>
        "addr:" + await hasher.HashAsync(address, cancellationToken);

    private static async Task IgnoreMissingAsync(Task delete)
    {
        try
        {
            await delete;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone.
        }
    }

    private static string OrderKey(string shop, string orderId) => Safe($"{shop}|{orderId}");

    /// <summary>Table keys may not hold / \ # ? or control characters.</summary>
    public static string Safe(string key) => new(key.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c).ToArray());
}
