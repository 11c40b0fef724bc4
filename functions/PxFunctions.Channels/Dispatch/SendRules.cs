using PxFunctions.Channels.Compliance;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Interpreter;

namespace PxFunctions.Channels.Dispatch;

/// <summary>A message the customer was sent, as the caps count it (<c>Kind</c> as the message log writes it: <c>journey</c>, <c>faq</c>...).</summary>
public sealed record PastSend(string? Kind, string? Class, string? Channel, DateTimeOffset SentAt);

/// <summary>
/// What the rules say about a message: go now on <see cref="Channel"/> to <see cref="Address"/>, wait until
/// <see cref="HoldUntil"/> (and why), or not at all (<see cref="Suppress"/>, why). <see cref="Passed"/> says why
/// channels earlier in the message's preference were not taken.
/// </summary>
public sealed record SendDecision(string? Channel, string? Address, string? Suppress, DateTimeOffset? HoldUntil, string? HoldReason)
{
    public IReadOnlyList<string> Passed { get; init; } = [];

    public static SendDecision Go(string channel, string address, IReadOnlyList<string> passed) => new(channel, address, null, null, null) { Passed = passed };

    public static SendDecision Suppressed(string reason) => new(null, null, reason, null, null);
}

/// <summary>Where consent stands on one address (read only when the decision reaches that channel).</summary>
public delegate ValueTask<ConsentState> ConsentReader(ContactChannel channel, string address, CancellationToken cancellationToken);

/// <summary>The customer's sends within <see cref="SendRules.LookBackFrom"/>, other than the message being decided (read only if a cap needs them).</summary>
public delegate ValueTask<IReadOnlyList<PastSend>> RecentSendsReader(CancellationToken cancellationToken);

/// <summary>
/// The one send decision, for the live sender (<see cref="CustomerMessageSender"/>) and the journey simulator alike:
/// consent for the message's class on each channel of its preference (the first allowed channel wins, else it is
/// suppressed with every reason); for messages a journey initiates, quiet hours in the recipient's zone and region
/// (SMS), the frequency cap across journeys, and a region's marketing-texts-per-24-hours cap, which hold the message
/// until they allow it; a message held longer than <see cref="DispatchSettings.MaxHold"/> since it was first asked
/// for is suppressed. The facts come through readers, called lazily and in this order, so the live sender reads
/// consent channel by channel only until one is allowed, and its recent sends only when a cap is looked at.
/// </summary>
public sealed class SendRules(QuietHours quietHours, DispatchSettings settings)
{
    /// <summary>How far back the caps look: the frequency cap's window, at least the 24 h of a region's marketing cap.</summary>
    public DateTimeOffset LookBackFrom(DateTimeOffset now) => now - TimeSpan.FromTicks(Math.Max(settings.Cap.Window.Ticks, TimeSpan.FromDays(1).Ticks));

    /// <param name="firstAskedAt">When the message was first asked for (its log row's creation): a hold's age counts from here.</param>
    public async ValueTask<SendDecision> DecideAsync(
        OutboundMessage message, DateTimeOffset firstAskedAt, DateTimeOffset now, ConsentReader consent, RecentSendsReader recent, CancellationToken cancellationToken)
    {
        var messageClass = message.Class == "marketing" ? MessageClass.Marketing : MessageClass.Service;
        var refusals = new List<string>();
        string? chosen = null;
        string? address = null;
        foreach (var name in message.Channels)
        {
            var (contact, to, hasContent) = name == "sms"
                ? (ContactChannel.Sms, message.Customer.Phone, message.Sms is not null)
                : (ContactChannel.Email, message.Customer.Email, message.Email is not null);
            if (to is null || !hasContent)
            {
                refusals.Add(to is null ? $"no {(name == "sms" ? "phone number" : "email address")}" : $"no {name} content");
                continue;
            }

            var refusal = ConsentPolicy.Refusal(await consent(contact, to, cancellationToken), messageClass);
            if (refusal is null)
            {
                (chosen, address) = (name, to);
                break;
            }

            refusals.Add(refusal);
        }

        if (chosen is null)
        {
            return SendDecision.Suppressed("no channel allowed: " + string.Join("; ", refusals));
        }

        if (message.Kind != OutboundKind.Journey)
        {
            // Answers to the customer (FAQ, agent, confirmations) go at once: they reply to what the customer just wrote.
            return SendDecision.Go(chosen, address!, refusals);
        }

        var (until, reason) = await HoldAsync(message, chosen, messageClass, now, recent, cancellationToken);
        if (until is null)
        {
            return SendDecision.Go(chosen, address!, refusals);
        }

        return now - firstAskedAt > settings.MaxHold
            ? SendDecision.Suppressed($"held longer than {settings.MaxHold.TotalDays:0} days ({reason})")
            : new SendDecision(chosen, address, null, until, reason) { Passed = refusals };
    }

    /// <summary>When a journey's message must wait: quiet hours (SMS), the frequency cap, a region's marketing cap.</summary>
    private async ValueTask<(DateTimeOffset? Until, string? Reason)> HoldAsync(
        OutboundMessage message, string chosen, MessageClass messageClass, DateTimeOffset now, RecentSendsReader recent, CancellationToken cancellationToken)
    {
        var zone = message.Customer.TimeZone is { } id && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var z) ? z : TimeZoneInfo.Utc;
        var region = message.Customer.Region;
        if (chosen == "sms")
        {
            var allowed = quietHours.NextAllowed(now, zone, region);
            if (allowed > now)
            {
                return (allowed, "quiet hours in the recipient's time zone");
            }
        }

        var since = now - settings.Cap.Window;
        var sent = (await recent(cancellationToken)).Where(m => m.Kind == "journey").ToList();
        var inWindow = sent.Where(m => m.SentAt >= since).OrderBy(m => m.SentAt).ToList();
        if (inWindow.Count >= settings.Cap.Messages)
        {
            return (inWindow[^settings.Cap.Messages].SentAt + settings.Cap.Window, $"frequency cap ({settings.Cap.Messages} per {settings.Cap.Window.TotalDays:0} days)");
        }

        if (chosen == "sms" && messageClass == MessageClass.Marketing && quietHours.For(region).MarketingPer24Hours is { } perDay)
        {
            var marketing = sent.Where(m => m.Class == "marketing" && m.Channel == "sms" && m.SentAt >= now - TimeSpan.FromDays(1)).OrderBy(m => m.SentAt).ToList();
            if (marketing.Count >= perDay)
            {
                return (marketing[^perDay].SentAt + TimeSpan.FromDays(1), $"{region} allows {perDay} marketing texts per 24 hours");
            }
        }

        return (null, null);
    }
}
