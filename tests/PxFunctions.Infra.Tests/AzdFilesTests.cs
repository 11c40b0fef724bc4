using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PxFunctions.Infra.Tests.Infrastructure;

namespace PxFunctions.Infra.Tests;

/// <summary>azure.yaml and main.parameters.json agree with the template, so `azd up` provisions and deploys it.</summary>
public sealed partial class AzdFilesTests(CompiledTemplate template)
{
    private JsonObject TemplateParameters => template.Template["parameters"]!.AsObject();

    private static JsonObject ParametersFile() =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.MainParameters))!["parameters"]!.AsObject();

    [Fact]
    public void ParametersFile_NamesOnlyTemplateParameters()
    {
        Assert.All(ParametersFile(), p => Assert.True(TemplateParameters.ContainsKey(p.Key), $"main.parameters.json sets '{p.Key}', which main.bicep does not declare."));
    }

    [Fact]
    public void ParametersFile_MapsEveryParameterWithoutDefault_UnlessAzdGeneratesIt()
    {
        var mapped = ParametersFile();
        var unmapped = TemplateParameters
            .Where(p => p.Value!["defaultValue"] is null && !mapped.ContainsKey(p.Key))
            .Where(p => (string?)p.Value!["metadata"]?["azd"]?["type"] != "generate")
            .Select(p => p.Key);
        Assert.Empty(unmapped);
    }

    [Fact]
    public void ParametersFile_ValuesComeFromTheAzdEnvironment()
    {
        Assert.All(ParametersFile(), p => Assert.Matches(EnvironmentReference(), (string?)p.Value!["value"]));
        Assert.Equal("${AZURE_ENV_NAME}", (string?)ParametersFile()["environmentName"]?["value"]);
        Assert.Equal("${AZURE_LOCATION}", (string?)ParametersFile()["location"]?["value"]);
    }

    [Fact]
    public void AzureYaml_DeploysTheFunctionProjectToTheTaggedApp()
    {
        var yaml = File.ReadAllText(RepoPaths.AzureYaml);
        var service = ServiceBlock().Match(yaml);
        Assert.True(service.Success, "azure.yaml has no services entry.");
        Assert.Equal((string?)template.Template["variables"]?["serviceName"], service.Groups["name"].Value);
        Assert.Matches(@"\n\s+host: function\b", service.Value);
        Assert.Matches(@"\n\s+language: dotnet\b", service.Value);
        var project = Regex.Match(service.Value, @"\n\s+project: (?<path>\S+)").Groups["path"].Value;
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, project, "PxFunctions.csproj")), $"azure.yaml project '{project}' is not the function app.");
    }

    [GeneratedRegex(@"^\$\{[A-Z][A-Z0-9_]*\}$")]
    private static partial Regex EnvironmentReference();

    [GeneratedRegex(@"(?m)^services:\s*\n\s+(?<name>[a-z0-9-]+):\s*\n(\s{4,}.*\n?)+")]
    private static partial Regex ServiceBlock();
}
