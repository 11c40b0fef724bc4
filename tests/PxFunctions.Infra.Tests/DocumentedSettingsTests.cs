using System.Text.Json.Nodes;
using PxFunctions.Configuration;
using PxFunctions.Infra.Tests.Infrastructure;

namespace PxFunctions.Infra.Tests;

/// <summary>Every setting the app reads is in README's configuration table and in local.settings.sample.json.</summary>
public sealed class DocumentedSettingsTests
{
    [Fact]
    public void ReadmeConfigurationTable_NamesEverySetting()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var table = readme[readme.IndexOf("## Configuration", StringComparison.Ordinal)..readme.IndexOf("## HTTP conventions", StringComparison.Ordinal)];
        Assert.All(SettingNames.All, name => Assert.True(
            table.Contains($"`{name}`", StringComparison.Ordinal) || table.Contains($"`{name.Split("__")[^1]}`", StringComparison.Ordinal) || table.Contains($"/ `__{name.Split("__")[^1]}`", StringComparison.Ordinal),
            $"README's configuration table does not name {name}."));
    }

    [Fact]
    public void LocalSettingsSample_HasEverySetting_AndTheIsolatedWorkerRuntime()
    {
        var values = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject();
        Assert.Equal("dotnet-isolated", (string?)values["FUNCTIONS_WORKER_RUNTIME"]);
        var identityOnly = new[] { SettingNames.StorageAccountName, SettingNames.StorageBlobServiceUri, SettingNames.StorageQueueServiceUri, SettingNames.StorageTableServiceUri, SettingNames.StorageCredential, SettingNames.StorageClientId };
        Assert.All(SettingNames.All.Except(identityOnly), name => Assert.True(values.ContainsKey(name), $"local.settings.sample.json has no {name}."));
    }
}
