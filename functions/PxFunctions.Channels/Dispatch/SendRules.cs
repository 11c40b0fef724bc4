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

    /// <summary>On WhatsApp: <see cref="WhatsAppForms.Text"/> or <see cref="WhatsAppForms.Template"/>.</summary>
    public string? Form { get; init; }

    public static SendDecision Go(string channel, string address, IReadOnlyList<string> passed) => new(channel, address, null, null, null) { Passed = passed };

    public static SendDecision Suppressed(string reason) => new(null, null, reason, null, null);
}

/// <summary>How a WhatsApp message goes: as free text (inside the window) or as the approved template.</summary>
public static class WhatsAppForms
{
    public const string Text = "text";
    public const string Template = "template";
}

/// <summary>Where consent stands on one address (read only when the decision reaches that channel).</summary>
public delegate ValueTask<ConsentState> ConsentReader(ContactChannel channel, string address, CancellationToken cancellationToken);

/// <summary>The customer's sends within <see cref="SendRules.LookBackFrom"/>, other than the message being decided (read only if a cap needs them).</summary>
public delegate ValueTask<IReadOnlyList<PastSend>> RecentSendsReader(CancellationToken cancellationToken);

/// <summary>
/// The one send decision, for the live sender (<see cref="CustomerMessageSender"/>) and the journey simulator alike:
/// consent for the message's class on each channel of its preference (the first allowed channel wins, else it is
/// suppressed with every reason); for messages a journey initiates, quiet hours in the recipient's zone and region
/// (SMS, WhatsApp), WhatsApp's 24-hour window (free text inside it, the approved template outside), the frequency cap across journeys, and a region's marketing-texts-per-24-hours cap, which hold the message
/// until they allow it; a message held longer than <see cref="DispatchSettings.MaxHold"/> since it was first asked
/// for is suppressed. The facts come through readers, called lazily and in this order, so the live sender reads
/// consent channel by channel only until one is allowed, and its recent sends only when a cap is looked at.
/// </summary>
public sealed class SendRules(QuietHours quietHours, DispatchSettings settings)
{
    /// <summary>How far back the caps look: the frequency cap's window, at least the 24 h of a region's marketing cap.</summary>
    public DateTimeOffset LookBackFrom(DateTimeOffset now) => now - TimeSpan.FromTicks(Math.Max(settings.Cap.Window.Ticks, TimeSpan.FromDays(1).Ticks));

    /// <param name="firstAskedAt">When the message was first asked for (its log row's creation): a hold's age counts from here.</param>
    /// <param name="switchedOff">Channels this app cannot send on (WhatsApp without a channel registration): passed over, saying so.</param>
    public async ValueTask<SendDecision> DecideAsync(
        OutboundMessage message, DateTimeOffset firstAskedAt, DateTimeOffset now, ConsentReader consent, RecentSendsReader recent, CancellationToken cancellationToken,
        IReadOnlyCollection<string>? switchedOff = null)
    {
        var messageClass = message.Class == "marketing" ? MessageClass.Marketing : MessageClass.Service;
        var refusals = new List<string>();
        string? chosen = null;
        string? address = null;
        string? form = null;
        foreach (var name in message.Channels)
        {
            if (switchedOff?.Contains(name) == true)
            {
                refusals.Add($"{name} is not configured");
                continue;
            }

            var (contact, to, hasContent, missing) = Target(message, name);
            if (contact is null || to is null || !hasContent)
            {
                refusals.Add(contact is null ? $"'{name}' is not a channel" : to is null ? "no " + missing : $"no {name} content");
                continue;
            }

            var state = await consent(contact.Value, to, cancellationToken);
            var refusal = ConsentPolicy.Refusal(state, messageClass);
            if (refusal is null && contact == ContactChannel.WhatsApp)
            {
                (form, refusal) = WhatsAppForm(message.WhatsApp!, state, now);
            }

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
            return SendDecision.Go(chosen, address!, refusals) with { Form = form };
        }

        var (until, reason) = await HoldAsync(message, chosen, messageClass, now, recent, cancellationToken);
        if (until is null)
        {
            return SendDecision.Go(chosen, address!, refusals) with { Form = form };
        }

        return now - firstAskedAt > settings.MaxHold
            ? SendDecision.Suppressed($"held longer than {settings.MaxHold.TotalDays:0} days ({reason})")
            : new SendDecision(chosen, address, null, until, reason) { Passed = refusals, Form = form };
    }

    /// <summary>How long after the customer's last WhatsApp message free text may go (Meta's customer service window).</summary>
    public static readonly TimeSpan WhatsAppWindow = TimeSpan.FromHours(24);

    /// <summary>A channel's address on the message, whether the message has content for it, and what is missing when it has no address.</summary>
    private static (ContactChannel? Contact, string? To, bool HasContent, string Missing) Target(OutboundMessage message, string name) => ContactChannels.Parse(name) switch
    {
        ContactChannel.Sms => (ContactChannel.Sms, message.Customer.Phone, message.Sms is not null, "phone number"),
        ContactChannel.Email => (ContactChannel.Email, message.Customer.Email, message.Email is not null, "email address"),
        ContactChannel.WhatsApp => (ContactChannel.WhatsApp, message.Customer.Phone, message.WhatsApp is not null, "phone number"),
        ContactChannel.WebChat => (ContactChannel.WebChat, message.Customer.Id, message.WebChat is not null, "customer id for the chat"),
        _ => (null, null, false, ""),
    };

    /// <summary>
    /// WhatsApp: free text only within <see cref="WhatsAppWindow"/> of the customer's last message; otherwise the
    /// approved template, or, without one, the next channel.
    /// </summary>
    private static (string? Form, string? Refusal) WhatsAppForm(WhatsAppContent content, ConsentState state, DateTimeOffset now)
    {
        var inWindow = state.LastInboundAt is { } last && now - last < WhatsAppWindow;
        return (inWindow, content) switch
        {
            (true, { Text: not null }) => (WhatsAppForms.Text, null),
            (_, { Template: not null }) => (WhatsAppForms.Template, null),
            _ => (null, "whatsapp is outside the 24-hour window and the message has no approved template"),
        };
    }

    /// <summary>When a journey's message must wait: quiet hours (SMS and WhatsApp), the frequency cap, a region's marketing cap (SMS).</summary>
    private async ValueTask<(DateTimeOffset? Until, string? Reason)> HoldAsync(
        OutboundMessage message, string chosen, MessageClass messageClass, DateTimeOffset now, RecentSendsReader recent, CancellationToken cancellationToken)
    {
        var zone = message.Customer.TimeZone is { } id && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var z) ? z : TimeZoneInfo.Utc;
        var region = message.Customer.Region;
        if (chosen is ChannelNames.Sms or ChannelNames.WhatsApp)
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
