using System.Text.Json.Nodes;

namespace PxFunctions.Journeys.Definitions;

/// <summary>
/// Checks an admin's step mapping for moving running instances from one published version to another: every step
/// an instance of the old version can be waiting at must map to a step of the new version. Nothing is guessed.
/// </summary>
public static class MigrationPlan
{
    public static List<JourneyError> Check(JourneyDefinition from, JourneyDefinition to, JsonObject steps)
    {
        var errors = new List<JourneyError>();
        foreach (var step in from.Steps.Where(s => s.Waits))
        {
            if (steps[step.Id] is not JsonValue value || !value.TryGetValue<string>(out var target))
            {
                errors.Add(new JourneyError($"$.steps.{step.Id}", $"waiting step '{step.Id}' of the old version needs a step of the new version to move to."));
            }
            else if (to.Step(target) is null)
            {
                errors.Add(new JourneyError($"$.steps.{step.Id}", $"'{target}' is not a step of the new version."));
            }
        }

        foreach (var (key, _) in steps.Where(s => from.Step(s.Key) is null))
        {
            errors.Add(new JourneyError($"$.steps.{key}", $"'{key}' is not a step of the old version."));
        }

        return errors;
    }

    /// <summary>Whether an instance's custom status says it runs this journey version.</summary>
    public static bool IsOn(string? customStatus, string journeyId, int version)
    {
        if (customStatus is null)
        {
            return false;
        }

        var status = JsonNode.Parse(customStatus);
        return (string?)status?["journey"] == journeyId && (int?)status?["version"] == version;
    }
}
