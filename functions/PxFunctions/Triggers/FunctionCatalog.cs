namespace PxFunctions.Triggers;

/// <summary>The queue and timer functions registered with <see cref="FunctionRegistration"/>, by name.</summary>
public sealed class FunctionCatalog
{
    private readonly Dictionary<string, FunctionDefinition> _byName;

    public FunctionCatalog(IEnumerable<FunctionDefinition> definitions)
    {
        _byName = new(StringComparer.OrdinalIgnoreCase);
        foreach (var definition in definitions)
        {
            if (!_byName.TryAdd(definition.Name, definition))
            {
                throw new InvalidOperationException($"Two functions are registered with the name '{definition.Name}'.");
            }
        }
    }

    public IReadOnlyCollection<FunctionDefinition> All => _byName.Values;

    public bool TryGet(string name, out FunctionDefinition definition) => _byName.TryGetValue(name, out definition!);

    public FunctionDefinition Get(string name) =>
        TryGet(name, out var definition) ? definition : throw new KeyNotFoundException($"No function is registered with the name '{name}'.");
}
