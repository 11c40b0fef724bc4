using PxFunctions.Journeys.Definitions;

namespace PxFunctions.Intake.Lifecycle;

/// <summary>One published journey's trigger against one order line: whether it matched, and if not, why.</summary>
public sealed record TriggerCheck(string JourneyId, int Version, string Event, bool Matched, string? Reason);

/// <summary>
/// One order line as intake checked it: the fields triggers match on (ids and catalogue fields, nothing personal),
/// the journey it started (<see cref="Started"/>, an instance id), or why it started none.
/// </summary>
public sealed record LineCheck(
    string LineItemId,
    string? Sku,
    string? ProductId,
    string? ProductType,
    string? Vendor,
    IReadOnlyList<string> Tags,
    string? Started,
    string? Reason,
    IReadOnlyList<TriggerCheck> Journeys);

/// <summary>What an order event was checked against when it started no journey for some line (kept on the order for the admin view).</summary>
public sealed record OrderJourneyCheck(DateTimeOffset At, string Event, IReadOnlyList<LineCheck> Lines)
{
    /// <summary>Why a journey's trigger does not match a line: the line's values against each list the trigger has.</summary>
    public static string Mismatch(JourneyTrigger trigger, string? sku, string? productId, string? productType, string? vendor, IReadOnlyList<string> tags)
    {
        static string Value(string? v) => v is null ? "none" : $"'{v}'";
        var parts = new List<string>();
        void Compare(string name, IReadOnlyList<string> wanted, string given)
        {
            if (wanted.Count > 0)
            {
                parts.Add($"{name} {given} not in [{string.Join(", ", wanted)}]");
            }
        }

        Compare("sku", trigger.Skus, Value(sku));
        Compare("product id", trigger.ProductIds, Value(productId));
        Compare("product type", trigger.ProductTypes, Value(productType));
        Compare("vendor", trigger.Vendors, Value(vendor));
        Compare("tags", trigger.Tags, tags.Count == 0 ? "none" : $"[{string.Join(", ", tags)}]");
        return parts.Count == 0 ? "the trigger names no products" : string.Join("; ", parts);
    }
}
