using System.Text.Json;
using System.Text.Json.Nodes;
using PxFunctions.Journeys.Durable;

namespace PxFunctions.Channels.Metrics;

/// <summary>
/// The journey an instance runs, read from what the engine already returned for it: its custom status
/// (<c>journey</c>, set from the first step on) or else its input (<c>JourneyId</c>). Ids only.
/// </summary>
public static class InstanceJourney
{
    public static string? Of(InstanceState? state)
    {
        if (state is null)
        {
            return null;
        }

        return Read(state.CustomStatus, "journey") ?? Read(state.Input, nameof(JourneyRun.JourneyId));
    }

    private static string? Read(string? json, string property)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json) is JsonObject o && o.TryGetPropertyValue(property, out var v) && v is JsonValue value && value.TryGetValue<string>(out var id) ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
