using PxFunctions.Channels;
using PxFunctions.Channels.Dispatch;
using PxFunctions.Configuration;
using PxFunctions.Intake.Lifecycle;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Journeys.Durable;
using PxFunctions.Journeys.Simulation;

namespace PxFunctions.Journeys;

/// <summary>
/// A simulation as the app runs it, for the admin API and the <c>simulate</c> command alike: the sample completed
/// with the brand and links live intake would give it (<see cref="PurchaseModel"/>), and every message decided by the
/// live sender's <see cref="SendRules"/> (quiet hours with the brand's window, the frequency cap, consent from the
/// request).
/// </summary>
/// <param name="knowledge">The published knowledge bases (the app's); null in the offline command, which reads replies by the journey's keywords only.</param>
public sealed class JourneySimulation(SendRules rules, BrandSettings brand, IKnowledgeBases? knowledge = null)
{
    private readonly SendRulesPreview _preview = new(rules);

    /// <summary>Built from the app's settings, as the app's services are (<see cref="ChannelRegistration"/>).</summary>
    public static JourneySimulation From(ChannelSettings settings) => new(ChannelRegistration.Rules(settings), settings.Brand);

    public async Task<SimulationResult> RunAsync(JourneyDefinition definition, int version, SimulationRequest request, CancellationToken cancellationToken)
    {
        var sample = PurchaseModel.Complete(SimulationRequest.WithProduct(request.Sample, definition), brand);
        var index = knowledge is null ? null : await knowledge.IndexForAsync(definition.Id, cancellationToken);
        return await JourneySimulator.RunAsync(
            definition, version, sample, request.Replies, request.Events, request.Start, request.Horizon, new SimulationRules(_preview, request.Consent), cancellationToken: cancellationToken, knowledge: index);
    }
}
