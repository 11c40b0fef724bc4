using PxFunctions.Infra.Tests.Infrastructure;

namespace PxFunctions.Infra.Tests;

/// <summary>infra/main.bicep compiles and lints with the repo's strict bicepconfig.json and reports nothing at all.</summary>
public sealed class BicepBuildTests(CompiledTemplate template)
{
    private static readonly string[] CommittedJson = ["main.parameters.json", "bicepconfig.json"];

    [Fact]
    public void Build_MainBicep_SucceedsWithoutWarnings()
    {
        Assert.True(template.Build.ExitCode == 0, template.Build.Describe("bicep build"));
        Assert.True(template.Build.StandardError.Trim().Length == 0, template.Build.Describe("bicep build"));

        // A resource-group deployment: azd asks for (or creates) the resource group and deploys into it.
        Assert.EndsWith("/deploymentTemplate.json#", (string?)template.Template["$schema"], StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_MainBicep_ReportsNoDiagnostics()
    {
        Assert.True(template.Lint.ExitCode == 0, template.Lint.Describe("bicep lint"));
        Assert.True((template.Lint.StandardOutput + template.Lint.StandardError).Trim().Length == 0, template.Lint.Describe("bicep lint"));
    }

    [Fact]
    public void Modules_AreLocalFiles_NoRegistryModules()
    {
        var sources = Directory.GetFiles(RepoPaths.Infra, "*.bicep", SearchOption.AllDirectories);
        Assert.NotEmpty(sources);
        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("'br:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'br/", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'ts:", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Repo_HoldsNoCompiledTemplate()
    {
        // The compiled ARM JSON is a build output; committing it lets it drift from the Bicep.
        var jsonFiles = Directory.GetFiles(RepoPaths.Infra, "*.json", SearchOption.AllDirectories).Select(Path.GetFileName);
        Assert.All(jsonFiles, name => Assert.Contains(name, CommittedJson));
    }
}
