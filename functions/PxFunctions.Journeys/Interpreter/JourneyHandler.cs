using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using PxFunctions.Journeys.Definitions;
using PxFunctions.Runtime;

namespace PxFunctions.Journeys.Interpreter;

/// <summary>Where published journey versions are read from (immutable once published).</summary>
public interface IJourneyDefinitionSource
{
    /// <summary>A published version, or null when that version was never published.</summary>
    ValueTask<JourneyDefinition?> GetPublishedAsync(string journeyId, int version, CancellationToken cancellationToken);
}

/// <summary>
/// The runtime handler of ownership journeys: <see cref="PrepareAsync"/> loads the published versions an event
/// needs (the instance's pinned one, and a migration's target), <see cref="Apply"/> runs the
/// <see cref="JourneyInterpreter"/> on them. Published versions never change, so keeping them loaded is safe.
/// </summary>
public sealed class JourneyHandler(IJourneyDefinitionSource source) : IPreparingInstanceHandler
{
    public const string HandlerName = "journey";

    private readonly ConcurrentDictionary<(string Id, int Version), JourneyDefinition> _loaded = new();

    public string Name => HandlerName;

    public async ValueTask PrepareAsync(InstanceView instance, InstanceEvent instanceEvent, CancellationToken cancellationToken)
    {
        var state = JourneyState.Parse(instance.State);
        var id = state?.JourneyId;
        var version = state?.Version;
        if (id is null)
        {
            var input = JourneyInput.Parse(instance.Input);
            (id, version) = (input.JourneyId, input.Version);
        }

        await LoadAsync(id, version!.Value, cancellationToken);
        if (instanceEvent is { Kind: InstanceEventKind.External, Name: JourneyInterpreter.Events.Migrate }
            && JsonNode.Parse(instanceEvent.Data ?? "{}")?["version"] is JsonValue v && v.TryGetValue<int>(out var target))
        {
            await LoadAsync(id, target, cancellationToken);
        }
    }

    public Transition Apply(InstanceView instance, InstanceEvent instanceEvent) =>
        new JourneyInterpreter((id, version) => _loaded.GetValueOrDefault((id, version))).Apply(instance, instanceEvent);

    private async ValueTask LoadAsync(string id, int version, CancellationToken cancellationToken)
    {
        if (!_loaded.ContainsKey((id, version)) && await source.GetPublishedAsync(id, version, cancellationToken) is { } definition)
        {
            _loaded[(id, version)] = definition;
        }
    }
}
