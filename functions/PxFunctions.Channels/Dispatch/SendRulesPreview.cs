using PxFunctions.Channels.Compliance;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Journeys.Simulation;

namespace PxFunctions.Channels.Dispatch;

/// <summary>
/// The journey simulator's answer to "when and how would this message really go?": the live <see cref="SendRules"/>
/// over the simulated facts — consent from the simulation request, the customer's earlier simulated sends for the caps.
/// </summary>
public sealed class SendRulesPreview(SendRules rules) : IDispatchPreview
{
    public async ValueTask<SendResult> DecideAsync(PreviewedSend send, CancellationToken cancellationToken)
    {
        var decision = await rules.DecideAsync(
            send.Message,
            send.RequestedAt,
            send.Now,
            (channel, address, _) => ValueTask.FromResult(State(channel, address, send.Consent.For(channel.Name())) with
            {
                LastInboundAt = send.LastReplies.TryGetValue(channel.Name(), out var at) ? at : null,
            }),
            _ => ValueTask.FromResult<IReadOnlyList<PastSend>>(send.Sent
                .Where(s => s.SentAt >= rules.LookBackFrom(send.Now))
                .Select(s => new PastSend(Kind(s.Kind), s.Class, s.Channel, s.SentAt))
                .ToList()),
            cancellationToken);
        return decision switch
        {
            { Suppress: { } reason } => new SendResult(SendStatus.Suppressed, Reason: reason),
            { HoldUntil: { } until } => new SendResult(SendStatus.Held, until, decision.Channel, decision.HoldReason),
            _ => new SendResult(SendStatus.Sent, Channel: decision.Channel, Reason: decision.Passed.Count == 0 ? null : string.Join("; ", decision.Passed)),
        };
    }

    /// <summary>The kind as the message log writes it (<see cref="MessageRecord.Kind"/>).</summary>
    private static string Kind(OutboundKind kind) => kind.ToString().ToLowerInvariant();

    private static ConsentState State(ContactChannel channel, string address, ChannelConsent consent) =>
        new(channel, address, consent.Service, consent.Marketing, consent.OptedOut, Suppressed: false, OptedOutAt: null, CustomerId: null);
}
