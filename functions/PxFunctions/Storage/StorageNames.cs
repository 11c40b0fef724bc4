namespace PxFunctions.Storage;

/// <summary>
/// Physical names of the app's queues, tables and containers. Code speaks of logical names (<c>events</c>,
/// <c>Instances</c>); the prefix keeps apps and parallel tests that share one account apart.
/// </summary>
public sealed class StorageNames(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>Queue names allow lowercase letters, digits and single hyphens: <c>px-events</c>.</summary>
    public string Queue(string logicalName) => $"{Prefix}-{logicalName.ToLowerInvariant()}";

    /// <summary>The queue the Functions host (and our dispatcher) moves exhausted messages to.</summary>
    public string PoisonQueue(string logicalName) => $"{Queue(logicalName)}-poison";

    /// <summary>Table names allow letters and digits only: <c>pxInstances</c>.</summary>
    public string Table(string logicalName) => $"{Prefix}{logicalName}";

    /// <summary>Container names allow lowercase letters, digits and hyphens: <c>px-leases</c>.</summary>
    public string Container(string logicalName) => $"{Prefix}-{logicalName.ToLowerInvariant()}";
}
