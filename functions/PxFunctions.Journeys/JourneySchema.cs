namespace PxFunctions.Journeys;

/// <summary>The published JSON Schema of journey documents (<c>journey.schema.json</c>, embedded).</summary>
public static class JourneySchema
{
    public static string Text { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(JourneySchema).Assembly.GetManifestResourceStream("journey.schema.json")
            ?? throw new InvalidOperationException("journey.schema.json is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
