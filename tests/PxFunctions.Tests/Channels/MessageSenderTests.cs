using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Durable;
using PxFunctions.Storage;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Channels;

/// <summary>The dispatcher's rules for every send, whatever the journey says: consent, opt-outs, quiet hours, caps, once only.</summary>
public sealed class MessageSenderTests(StorageFixture storage)
{
    private const string Phone = "+14155550123";

    /// <summary>Tuesday 10 March 2026, 15:00 UTC = 11:00 in New York (EDT since 8 March).</summary>
    private static readonly DateTimeOffset Midday = new(2026, 3, 10, 15, 0, 0, TimeSpan.Zero);

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task NoSmsConsent_ServiceMessage_GoesByEmailInstead()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);

        var record = await h.Sender.SendAsync(h.Effect("c-email"), None);

        Assert.Equal((MessageStatus.Sent, "email"), (record.Status, record.Channel));
        Assert.Empty(h.Acs.Sms);
        Assert.Single(h.Acs.Emails);
    }

    [Fact]
    public async Task Marketing_WithoutMarketingConsentAnywhere_IsSuppressedWithEveryReason()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);

        var record = await h.Sender.SendAsync(h.Effect("c-mkt", @class: "marketing"), None);

        Assert.Equal(MessageStatus.Suppressed, record.Status);
        Assert.Equal("no channel allowed: sms has no marketing consent; email has no marketing consent", record.Reason);
        Assert.Empty(h.Acs.Sms);
        Assert.Empty(h.Acs.Emails);
    }

    [Fact]
    public async Task ServiceConsent_SmsSentOnce_TheSameEffectAgainSendsNothing()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        var effect = h.Effect("c-once");

        var first = await h.Sender.SendAsync(effect, None);
        var again = await h.Sender.SendAsync(effect, None);

        Assert.Equal((MessageStatus.Sent, "sms"), (first.Status, first.Channel));
        Assert.Equal(first.ProviderMessageId, again.ProviderMessageId);
        var sms = Assert.Single(h.Acs.Sms);
        Assert.Equal((Phone, "Your serum has arrived", ("c:c-once", effect.EffectId)), (sms.To, sms.Message, MessageLog.ReadSmsTag(sms.Tag)));
    }

    [Fact]
    public async Task CrashAfterAcsAccepted_RetryAfterTheLease_IsNotDeliveredTwice()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        var effect = h.Effect("c-crash");
        var counter = h.Host.Services.GetRequiredService<StorageAccount>().Counter;
        counter.BeforeSend = (service, _) =>
        {
            // The worker dies at its first storage call after ACS took the message.
            if (service == StorageService.Table && !h.Acs.Sms.IsEmpty)
            {
                counter.BeforeSend = null;
                throw new InjectedCrashException("worker died");
            }
        };

        await Assert.ThrowsAnyAsync<Exception>(() => h.Sender.SendAsync(effect, None));
        // Redelivered at once: another worker may still be sending it.
        await Assert.ThrowsAsync<MessageBusyException>(() => h.Sender.SendAsync(effect, None));
        h.Clock.Advance(TimeSpan.FromMinutes(4));
        var record = await h.Sender.SendAsync(effect, None);

        Assert.Equal((MessageStatus.Sent, 2), (record.Status, record.Attempts));
        Assert.Single(h.Acs.Sms);
        Assert.Equal(2, h.Acs.Requests.Count(r => r == "POST /sms"));
    }

    [Fact]
    public async Task TransientAcsFailure_IsRetriedByTheQueue_WithTheSameKey()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        var effect = h.Effect("c-transient");
        h.Acs.NextRecipientStatuses.Enqueue(503);

        await Assert.ThrowsAsync<TransientSendException>(() => h.Sender.SendAsync(effect, None));
        var record = await h.Sender.SendAsync(effect, None);

        Assert.Equal(MessageStatus.Sent, record.Status);
        Assert.Single(h.Acs.Sms);
    }

    [Fact]
    public async Task QuietHours_NightInNewYork_HeldUntil8AmLocal_ThenSent()
    {
        // 03:00 UTC = 23:00 EDT.
        await using var h = await ChannelHarness.StartAsync(storage, new DateTimeOffset(2026, 3, 10, 3, 0, 0, TimeSpan.Zero));
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        var effect = h.Effect("c-night", email: null);

        var held = await h.Sender.SendAsync(effect, None);
        Assert.Equal((MessageStatus.Held, new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero)), (held.Status, held.HoldUntil));
        Assert.Equal("quiet hours in the recipient's time zone", held.Reason);
        Assert.Empty(h.Acs.Sms);

        h.Clock.SetUtcNow(held.HoldUntil!.Value);
        var sent = await h.Sender.SendAsync(effect, None);
        Assert.Equal(MessageStatus.Sent, sent.Status);
        Assert.Single(h.Acs.Sms);
    }

    [Fact]
    public async Task QuietHours_StricterStateRule_FloridaEndsAt8Pm()
    {
        // 00:30 UTC = 20:30 EDT: fine in New York, too late in Florida.
        await using var h = await ChannelHarness.StartAsync(storage, new DateTimeOffset(2026, 3, 11, 0, 30, 0, TimeSpan.Zero));
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);

        var newYork = await h.Sender.SendAsync(h.Effect("c-ny", email: null, region: "US-NY"), None);
        var florida = await h.Sender.SendAsync(h.Effect("c-fl", email: null, region: "US-FL"), None);

        Assert.Equal(MessageStatus.Sent, newYork.Status);
        Assert.Equal((MessageStatus.Held, new DateTimeOffset(2026, 3, 11, 12, 0, 0, TimeSpan.Zero)), (florida.Status, florida.HoldUntil));
    }

    [Fact]
    public async Task FrequencyCap_FourthJourneyMessageInAWeek_IsHeld_RepliesAreNotCapped()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        var first = await h.Sender.SendAsync(h.Effect("c-cap", instanceId: "a"), None);
        h.Clock.Advance(TimeSpan.FromDays(1));
        await h.Sender.SendAsync(h.Effect("c-cap", instanceId: "b"), None);
        await h.Sender.SendAsync(h.Effect("c-cap", instanceId: "c"), None);

        var fourth = await h.Sender.SendAsync(h.Effect("c-cap", instanceId: "d"), None);
        var faq = await h.Sender.SendAsync(h.Effect("c-cap", instanceId: "a", kind: OutboundKind.Faq), None);

        Assert.Equal(MessageStatus.Held, fourth.Status);
        Assert.Equal(first.SentAt!.Value + TimeSpan.FromDays(7), fourth.HoldUntil);
        Assert.StartsWith("frequency cap (3 per 7 days)", fourth.Reason, StringComparison.Ordinal);
        Assert.Equal(MessageStatus.Sent, faq.Status);
        Assert.Equal(4, h.Acs.Sms.Count);
    }

    [Fact]
    public async Task TerminatedJourney_ItsQueuedMessageIsSuppressed()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        var client = h.Host.Services.GetRequiredService<IJourneyInstances>();
        await client.StartAsync(JourneyFunctionNames.Orchestrator, "term-1", new JourneyRun { JourneyId = "never-published", Version = 1 }, None);
        Assert.Equal(InstanceOperation.Accepted, await client.TerminateAsync("term-1", "refunded", None));
        await Eventually.TrueAsync(async () => await client.GetAsync("term-1", None) is { Status: InstanceStatus.Terminated }, "the journey to be terminated", 60_000);

        var record = await h.Sender.SendAsync(h.Effect("c-term", instanceId: "term-1"), None);

        Assert.Equal((MessageStatus.Suppressed, "the journey was terminated"), (record.Status, record.Reason));
        Assert.Empty(h.Acs.Sms);
    }

    [Fact]
    public async Task Stop_OptsOutAtOnce_OneConfirmation_ThenNothing_UntilStart()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.MarketingGranted);

        await h.Inbound.HandleAsync("(415) 555-0123", "STOP", "in-1", Midday, None);
        await h.Inbound.HandleAsync(Phone, "please stop texting me", "in-2", Midday, None);
        var blocked = await h.Sender.SendAsync(h.Effect("c-stop", email: null), None);

        Assert.Equal("You are unsubscribed".ToLowerInvariant(), Assert.Single(h.Acs.Sms).Message[11..31].ToLowerInvariant());
        Assert.Equal((MessageStatus.Suppressed, "no channel allowed: sms opted out; no email address"), (blocked.Status, blocked.Reason));
        var history = await h.Consent.HistoryAsync(ContactChannel.Sms, Phone, None);
        Assert.Equal(["MarketingGranted", "OptedOut", "OptedOut"], history.Select(c => c.Action.ToString()));
        Assert.Equal(["STOP", "please stop texting me"], history.Skip(1).Select(c => c.Text));

        await h.Inbound.HandleAsync(Phone, "START", "in-3", Midday, None);
        var after = await h.Sender.SendAsync(h.Effect("c-stop", email: null, instanceId: "inst-2"), None);

        Assert.Equal(MessageStatus.Sent, after.Status);
        Assert.Equal(3, h.Acs.Sms.Count);
        // Marketing consent does not come back by itself with START: it was withdrawn with the opt-out.
        Assert.False((await h.Consent.GetAsync(ContactChannel.Sms, Phone, None)).Marketing);
    }

    [Fact]
    public async Task Stop_WhoseConfirmationFailsForNow_IsConfirmedOnceWhenRedelivered()
    {
        // Found by the fault soak: the opt-out was recorded, the confirmation's send failed (or the process died), and the
        // redelivered STOP saw a number already out, so the one confirmation never went.
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.MarketingGranted);
        h.Acs.NextRecipientStatuses.Enqueue(503);

        await Assert.ThrowsAsync<TransientSendException>(() => h.Inbound.HandleAsync(Phone, "STOP", "in-1", Midday, None));
        Assert.True((await h.Consent.GetAsync(ContactChannel.Sms, Phone, None)).OptedOut);
        Assert.Empty(h.Acs.Sms);

        await h.Inbound.HandleAsync(Phone, "STOP", "in-1", Midday, None);
        await h.Inbound.HandleAsync(Phone, "STOP", "in-1", Midday, None);
        await h.Inbound.HandleAsync(Phone, "stop", "in-2", Midday, None);

        Assert.Contains("you are unsubscribed", Assert.Single(h.Acs.Sms).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_AnswersWithTheBrandsHelpText_AndReplyMentioningStopIsNotAnOptOut()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);

        var help = await h.Inbound.HandleAsync(Phone, "help", "in-h", Midday, None);
        var chat = await h.Inbound.HandleAsync(Phone, "I can't stop using it, love it!", "in-c", Midday, None);

        Assert.Equal("help", help.Action);
        Assert.Equal("Glow Labs: Questions? care@glowlabs.example", Assert.Single(h.Acs.Sms).Message);
        Assert.Equal("unrouted", chat.Action);
        Assert.False((await h.Consent.GetAsync(ContactChannel.Sms, Phone, None)).OptedOut);
    }

    [Fact]
    public async Task MarketingEmail_HasPostalAddressUnsubscribeLinkAndOneClickHeaders_AndOneClickWorks()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.GrantAsync(ContactChannel.Email, "maya@example.com", ConsentAction.MarketingGranted);

        var record = await h.Sender.SendAsync(h.Effect("c-mail", phone: null, @class: "marketing"), None);

        Assert.Equal((MessageStatus.Sent, "email"), (record.Status, record.Channel));
        var body = Assert.Single(h.Acs.Emails).Body;
        var unsubscribe = ((string)body["headers"]!["List-Unsubscribe"]!).Trim('<', '>');
        Assert.Equal("List-Unsubscribe=One-Click", (string?)body["headers"]!["List-Unsubscribe-Post"]);
        Assert.StartsWith("https://px.glowlabs.example/api/u/", unsubscribe, StringComparison.Ordinal);
        Assert.Contains("1 Main St, Springfield, IL 62701", (string)body["content"]!["html"]!, StringComparison.Ordinal);
        Assert.Contains("Unsubscribe: " + unsubscribe, (string)body["content"]!["plainText"]!, StringComparison.Ordinal);

        // The mail client's one-click POST (RFC 8058), sent to this app.
        var path = new Uri(unsubscribe).AbsolutePath;
        using var response = await h.Host.Client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }), None);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        var next = await h.Sender.SendAsync(h.Effect("c-mail", phone: null, @class: "marketing", instanceId: "inst-2"), None);
        Assert.Equal((MessageStatus.Suppressed, "no channel allowed: no phone number; email opted out"), (next.Status, next.Reason));
        Assert.Contains(await h.Consent.HistoryAsync(ContactChannel.Email, "maya@example.com", None), c => c is { Action: ConsentAction.OptedOut, Source: "one-click unsubscribe (RFC 8058)" });
    }

    [Fact]
    public async Task Stale_ConsentReport_CannotUndoANewerStop()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Midday);
        await h.Inbound.HandleAsync(Phone, "STOP", "in-s", Midday, None);

        // A storefront report of marketing consent dated before the STOP arrives late.
        await h.Consent.RecordAsync(new ConsentChange(ContactChannel.Sms, Phone, ConsentAction.OptedIn, Midday - TimeSpan.FromDays(1), "storefront", null, "late"), None);

        Assert.True((await h.Consent.GetAsync(ContactChannel.Sms, Phone, None)).OptedOut);
    }
}
