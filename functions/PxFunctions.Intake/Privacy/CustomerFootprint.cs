using System.Text.Json;
using PxFunctions.Channels.Compliance;
using PxFunctions.Intake.Customers;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Intake.Storefronts;

namespace PxFunctions.Intake.Privacy;

/// <summary>
/// Where a customer's data can be found, read from their rows in <c>Customers</c>: their orders (and through them
/// every journey instance a line item can have), the journey pointers, the stored webhook bodies about them, and the
/// addresses and other forms of them (numbers as storefronts write them) that stores keyed or filled by address hold.
/// </summary>
public sealed record CustomerFootprint(
    CustomerProfile Profile,
    IReadOnlyList<StoreOrder> Orders,
    IReadOnlyList<string> InstanceIds,
    IReadOnlyList<string> WebhookBlobs,
    IReadOnlyList<string> Phones,
    IReadOnlyList<string> Emails)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Message log and record partitions of this customer: by id, and by each address (keyword replies, unrouted replies).</summary>
    public IEnumerable<string> Partitions =>
        new[] { "c:" + Profile.Key }.Concat(Phones.Concat(Emails).Select(a => "a:" + a));

    /// <summary>Texts that identify the customer in a document no row ties to them (a rejected webhook).</summary>
    public IReadOnlyCollection<string> Mentions()
    {
        var mentions = new HashSet<string>(Emails, StringComparer.OrdinalIgnoreCase);
        foreach (var phone in Phones)
        {
            mentions.Add(phone);
            mentions.Add(phone.TrimStart('+'));
            try
            {
                mentions.Add(E164.Parser.GetNationalSignificantNumber(E164.Parser.Parse(phone, null)));
            }
            catch (PhoneNumbers.NumberParseException)
            {
                // Not a number libphonenumber reads: the forms above are all there is.
            }
        }

        if (Profile is { FirstName.Length: > 0, LastName.Length: > 0 })
        {
            mentions.Add(Profile.FirstName + " " + Profile.LastName);
        }

        if (Profile.StoreCustomerId is { Length: >= 8 } id)
        {
            mentions.Add(id);
        }

        return mentions;
    }

    /// <param name="known">
    /// What the request to erase says of a customer we may have no profile for (a <c>customers/redact</c> of someone who
    /// never ordered, whose consent updates we kept): their shop, storefront id and addresses. Without a profile the
    /// footprint is what those and the rows under the key reach; null when there is nothing at all.
    /// </param>
    public static async Task<CustomerFootprint?> ReadAsync(CustomerStore customers, string customerKey, CancellationToken cancellationToken, (string Shop, string? StoreCustomerId, string? Email, string? Phone)? known = null)
    {
        var rows = await customers.AllAsync(customerKey, cancellationToken);
        var profile = await customers.GetAsync(customerKey, cancellationToken);
        if (profile is null)
        {
            if (known is not { } k || (rows.Count == 0 && k.Email is null && k.Phone is null))
            {
                return null;
            }

            profile = new CustomerProfile(customerKey, k.Shop, k.StoreCustomerId, null, null, k.Email?.ToLowerInvariant(), k.Phone, null, null, null, null);
        }

        var orders = rows.Where(r => r.RowKey.StartsWith("order:", StringComparison.Ordinal))
            .Select(r => JsonSerializer.Deserialize<StoreOrder>(r.GetString("Order")!, Json)!)
            .ToList();
        var instanceIds = orders.SelectMany(o => o.LineItems.Select(l => IntakeProcessor.InstanceIdOf(o.Shop, o.OrderId, l.Id)))
            .Concat(rows.Where(r => r.RowKey.StartsWith("journey:", StringComparison.Ordinal)).Select(r => r.GetString("InstanceId")).OfType<string>())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var blobs = rows.Where(r => r.RowKey.StartsWith("webhook:", StringComparison.Ordinal)).Select(r => r.GetString("Blob")).OfType<string>().ToList();
        var phones = new[] { profile.Phone }
            .Concat(orders.SelectMany(o => new[] { E164.Of(o.Customer.Phone, o.Shipping?.CountryCode), E164.Of(o.Shipping?.Phone, o.Shipping?.CountryCode) }))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var emails = new[] { profile.Email }
            .Concat(orders.Select(o => o.Customer.Email?.ToLowerInvariant()))
            .OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new CustomerFootprint(profile, orders, instanceIds, blobs, phones, emails);
    }
}
