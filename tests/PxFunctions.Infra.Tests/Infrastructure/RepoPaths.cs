using System.Reflection;

namespace PxFunctions.Infra.Tests.Infrastructure;

/// <summary>Where the repo and the restored Bicep CLI are, as the test project recorded them at build time.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Metadata("RepoRoot");

    /// <summary>The bicep executable inside the restored Azure.Bicep.CommandLine.linux-x64 package.</summary>
    public static string BicepExecutable { get; } = Metadata("BicepPath");

    public static string Infra => Path.Combine(Root, "infra");
    public static string MainBicep => Path.Combine(Infra, "main.bicep");
    public static string MainParameters => Path.Combine(Infra, "main.parameters.json");
    public static string AzureYaml => Path.Combine(Root, "azure.yaml");
    public static string HostJson => Path.Combine(Root, "host.json");
    public static string FunctionProject => Path.Combine(Root, "functions", "PxFunctions", "PxFunctions.csproj");

    private static string Metadata(string key) =>
        typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The test assembly carries no '{key}' metadata; build it from its .csproj.");
}
