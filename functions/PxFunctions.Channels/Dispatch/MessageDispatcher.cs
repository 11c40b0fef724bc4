using System.Text.Json.Nodes;
using PxFunctions.Channels.Inbound;
using PxFunctions.Journeys.Interpreter;
using PxFunctions.Runtime;

namespace PxFunctions.Channels.Dispatch;

/// <summary>
/// The effect sink of the app: customer messages go to <see cref="CustomerMessageSender"/>; handoff tickets, facts and
/// unrecognised replies are kept per customer (<see cref="CustomerRecords"/>); anything else to the plain effect log.
/// </summary>
public sealed class MessageDispatcher(CustomerMessageSender sender, CustomerRecords records, EffectLogSink fallback, TimeProvider time) : IEffectSink
{
    public async Task SendAsync(EffectMessage effect, CancellationToken cancellationToken)
    {
        switch (effect.Channel)
        {
            case JourneyChannels.Customer:
                await sender.SendAsync(effect, cancellationToken);
                break;
            case JourneyChannels.Handoff or JourneyChannels.Fact or JourneyChannels.Inbox:
                var payload = JsonNode.Parse(effect.Payload);
                var customer = (string?)payload?["customerId"] ?? (string?)payload?["customer"]?["id"];
                await records.AddAsync(customer is null ? "i:" + effect.InstanceId : "c:" + customer, effect.Channel, effect.EffectId, effect.Payload, time.GetUtcNow(), cancellationToken);
                break;
            default:
                await fallback.SendAsync(effect, cancellationToken);
                break;
        }
    }
}
