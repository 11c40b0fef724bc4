using System.Globalization;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Channels.Links;
using PxFunctions.Channels.Metrics;
using PxFunctions.Intake.Storefronts;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Intake.Lifecycle;

/// <summary>
/// The PX metrics intake records: journeys started, and orders attributed to the journey whose message reached the
/// customer last within the attribution window before the order (<c>Px__Metrics__AttributionWindow</c>). The
/// customer's recent sends are one partition query of the message log. An order is counted once however often (and
/// by whichever events, created or paid) it is reported: its event id is the order's, its day the order's creation.
/// </summary>
public sealed class OrderAttribution(MessageLog log, MetricsStore metrics, ReferralLinks referrals, TimeSpan window)
{
    /// <summary>The referral links journeys give their customers (<c>links.referral</c>), issued as a journey starts.</summary>
    public ReferralLinks Referrals => referrals;

    /// <summary>
    /// An order (created or paid) whose landing page carries a referral code (<see cref="StoreOrder.ReferralCode"/>)
    /// that was issued converts that referral: <c>referrals_converted</c> for the referring journey, on the order's
    /// day, once per order (event <c>referral:{shop}:{order}</c>). The referrer's own order through their link is no
    /// referral; an unknown code counts nothing. One point read of <c>PxReferrals</c> per order that carries a code.
    /// </summary>
    public async Task ReferredAsync(string customerKey, StoreOrder order, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (order.ReferralCode is not { } code || await referrals.FindAsync(code, cancellationToken) is not { } referral
            || referral.CustomerHash == ReferralLinks.HashOf(customerKey) || referral.Shop != order.Shop)
        {
            return;
        }

        await metrics.RecordAsync(MetricEvent.One($"referral:{order.Shop}:{order.OrderId}", order.CreatedAt ?? at, referral.JourneyId, "referrals_converted"), cancellationToken);
    }

    public async Task StartedAsync(string instanceId, string journeyId, DateTimeOffset at, CancellationToken cancellationToken) =>
        await metrics.RecordAsync(MetricEvent.One("started:" + instanceId, at, journeyId, "journeys_started"), cancellationToken);

    /// <summary>
    /// A journey the intake ended because its order line was refunded or the order cancelled: its outcome
    /// (<c>refunded</c>, <c>cancelled</c>) and, for a refund, <c>refunds</c>. The event id is the instance's outcome id
    /// (<c>outcome:{instance}</c>), the one every end of a journey records under, so a journey has one outcome however it ends.
    /// </summary>
    public async Task EndedAsync(string instanceId, InstanceState state, string outcome, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (JourneyIdOf(state) is not { } journeyId)
        {
            return;
        }

        await metrics.RecordAsync(Ended(instanceId, journeyId, outcome, at), cancellationToken);
    }

    /// <summary>
    /// A journey's end as a metric: its outcome under <c>outcome:{instance}</c> (one outcome per instance, whichever
    /// path sees the end first), and <c>refunds</c> too when it was a refund.
    /// </summary>
    public static MetricEvent Ended(string instanceId, string journeyId, string outcome, DateTimeOffset at)
    {
        var metric = MetricEvent.Outcome(JourneyProgressMetrics.OutcomeId(instanceId), at, journeyId, outcome);
        return outcome == "refunded"
            ? metric with { Counters = new Dictionary<string, long>(metric.Counters) { [MetricColumns.Counter("refunds")] = 1 } }
            : metric;
    }

    /// <summary>The outcome a termination's reason names: the intake's <c>refunded</c> and <c>cancelled</c>, else <c>terminated</c>.</summary>
    public static string OutcomeOfTermination(string? reason) => reason is "refunded" or "cancelled" ? reason : "terminated";

    /// <summary>Whether a terminated instance's output is the reason it was terminated with (the engine keeps it as a JSON string or as text).</summary>
    public static bool OutputIs(string? output, string reason) =>
        output == reason || output == System.Text.Json.JsonSerializer.Serialize(reason);

    /// <summary>The journey an instance runs, from its input (a <see cref="JourneyRun"/>: ids only).</summary>
    private static string? JourneyIdOf(InstanceState state)
    {
        try
        {
            return state.Input is { } input && System.Text.Json.Nodes.JsonNode.Parse(input) is System.Text.Json.Nodes.JsonObject run
                ? (string?)(run["JourneyId"] ?? run["journeyId"])
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public async Task AttributeAsync(string customerKey, StoreOrder order, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var placed = order.CreatedAt ?? at;
        var ownInstances = $"{InstanceIdPrefix(order.Shop, order.OrderId)}";
        var last = (await log.SentSinceAsync("c:" + customerKey, placed - window, cancellationToken))
            .Where(m => m.JourneyId is not null && m.SentAt <= placed && !m.InstanceId.StartsWith(ownInstances, StringComparison.Ordinal))
            .MaxBy(m => m.SentAt);
        if (last is null)
        {
            return;
        }

        var minor = decimal.TryParse(order.TotalPrice, NumberStyles.Number, CultureInfo.InvariantCulture, out var total) ? (long)Math.Round(total * 100) : 0;
        // A repeat customer is counted once per journey and day; the marker holds a hash of their key, never the key.
        var customerHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(customerKey)))[..32];
        await metrics.RecordAsync(
            [
                MetricEvent.Of($"order:{order.Shop}:{order.OrderId}", placed, last.JourneyId, ("orders_attributed", 1), ("revenue_attributed_minor", minor)),
                MetricEvent.One($"repeat:{last.JourneyId}:{customerHash}", placed, last.JourneyId, "repeat_customers"),
            ],
            cancellationToken);
    }

    private static string InstanceIdPrefix(string shop, string orderId) => IntakeProcessor.InstanceIdOf(shop, orderId, "x")[..^1];
}
