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

    /// <summary>The standalone host's defaults are the Functions host's host.json: one set of figures holds for both.</summary>
    [Fact]
    public void HostJsonDurableSettings_AreTheStandaloneDefaults()
    {
        var durable = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!["extensions"]!["durableTask"]!;
        var provider = durable["storageProvider"]!;
        var defaults = new DurableSettings();
        Assert.Equal(DurableSettings.DefaultTaskHub, (string?)durable["hubName"]);
        Assert.Equal(defaults.Partitions, (int?)provider["partitionCount"]);
        Assert.Equal(defaults.ControlQueueBatchSize, (int?)provider["controlQueueBatchSize"]);
        Assert.Equal(defaults.MaxQueuePollingInterval, TimeSpan.Parse((string)provider["maxQueuePollingInterval"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True((bool?)provider["useTablePartitionManagement"]);
        Assert.Equal(defaults.ExtendedSessions, (bool?)durable["extendedSessionsEnabled"]);
        Assert.Equal(DurableSettings.ExtendedSessionIdleTimeout.TotalSeconds, (double?)durable["extendedSessionIdleTimeoutInSeconds"]);
    }
}
