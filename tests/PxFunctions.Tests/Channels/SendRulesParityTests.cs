using Microsoft.Extensions.DependencyInjection;
using PxFunctions.Channels.Compliance;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Simulation;
using PxFunctions.Tests.Infrastructure;

namespace PxFunctions.Tests.Channels;

/// <summary>
/// The same facts give the same decision live (the sender over the consent ledger and the message log on Azurite,
/// sending to the ACS double) and in the simulator (the app's <see cref="SendRules"/> over the simulated facts).
/// </summary>
public sealed class SendRulesParityTests(StorageFixture storage)
{
    private const string Phone = "+14155550123";

    /// <summary>00:30 UTC on 11 March 2026 = 20:30 EDT: after Florida's window, inside New York's.</summary>
    private static readonly DateTimeOffset Evening = new(2026, 3, 11, 0, 30, 0, TimeSpan.Zero);

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task LiveSenderAndSimulator_SameFacts_SameDecision()
    {
        await using var h = await ChannelHarness.StartAsync(storage, Evening);
        var preview = new SendRulesPreview(h.Host.Services.GetRequiredService<SendRules>());
        await h.GrantAsync(ContactChannel.Sms, Phone, ConsentAction.ServiceGranted);
        await h.GrantAsync(ContactChannel.Email, "maya@example.com", ConsentAction.MarketingGranted);
        var consent = new SimulatedConsent(new ChannelConsent(true, false, false), new ChannelConsent(true, true, false));

        var cases = new[]
        {
            ("florida text at 20:30", h.Effect("p-fl", email: null, region: "US-FL")),
            ("new york text at 20:30", h.Effect("p-ny", email: null, region: "US-NY")),
            ("marketing, email allowed", h.Effect("p-mkt", @class: "marketing", region: "US-NY")),
            ("marketing, no email", h.Effect("p-mkt-sms", email: null, @class: "marketing", region: "US-NY")),
        };
        foreach (var (name, effect) in cases)
        {
            var live = await h.Sender.SendAsync(effect, None);
            var simulated = await preview.DecideAsync(new PreviewedSend(effect.Message, Evening, Evening, consent, []), None);

            var liveStatus = live.Status switch
            {
                MessageStatus.Held => SendStatus.Held,
                MessageStatus.Suppressed => SendStatus.Suppressed,
                MessageStatus.Sent => SendStatus.Sent,
                _ => SendStatus.Failed,
            };
            Assert.True(liveStatus == simulated.Status, $"{name}: live {live.Status}, simulated {simulated.Status}");
            Assert.True(live.HoldUntil == simulated.HeldUntil, $"{name}: live held until {live.HoldUntil}, simulated {simulated.HeldUntil}");
            if (live.Status != MessageStatus.Sent)
            {
                Assert.True(live.Reason == simulated.Reason, $"{name}: live '{live.Reason}', simulated '{simulated.Reason}'");
            }
            else
            {
                Assert.True(live.Channel == simulated.Channel, $"{name}: live {live.Channel}, simulated {simulated.Channel}");
            }
        }

        // The facts did differ: one held, two sent (one moved to email), one suppressed.
        Assert.Single(h.Acs.Sms);
        Assert.Single(h.Acs.Emails);
    }
}
