using Microsoft.Extensions.Configuration;
using PxFunctions.Configuration;

namespace PxFunctions.Tests;

public sealed class SettingsTests
{
    private static PxSettings Read(Dictionary<string, string?> values, bool development = false) =>
        PxSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(kv => SettingNames.Key(kv.Key), kv => kv.Value)).Build(), development);

    private const string Azurite = "UseDevelopmentStorage=true";

    [Theory]
    [InlineData(SettingNames.Storage, "not a connection string", "AzureWebJobsStorage")]
    [InlineData(SettingNames.StoragePrefix, "Bad_Prefix", "Px__Storage__Prefix")]
    [InlineData(SettingNames.AdminKey, "short", "Px__AdminKey")]
    [InlineData(SettingNames.DurableTaskHub, "px-hub", "Px__Durable__TaskHub")]
    [InlineData(SettingNames.DurablePartitions, "17", "Px__Durable__Partitions")]
    [InlineData(SettingNames.DispatcherBatchSize, "64", "Px__Dispatcher__BatchSize")]
    [InlineData(SettingNames.QueuesMaxDequeueCount, "0", "Px__Queues__MaxDequeueCount")]
    [InlineData(SettingNames.QueuesVisibilityTimeout, "-00:00:01", "Px__Queues__VisibilityTimeout")]
    [InlineData(SettingNames.DispatcherEnabled, "yes", "Px__Dispatcher__Enabled")]
    [InlineData(SettingNames.AcsConnectionString, "endpoint=https://px.communication.azure.com/", "Acs__ConnectionString")]
    [InlineData(SettingNames.AcsEndpoint, "http://px.communication.azure.com", "Acs__Endpoint")]
    [InlineData(SettingNames.AnswerLinkKey, "too-short", "Px__AnswerLinkKey")]
    [InlineData(SettingNames.QuietHoursStart, "8am", "Px__QuietHours__Start")]
    [InlineData(SettingNames.FrequencyCapMessages, "0", "Px__FrequencyCap__Messages")]
    [InlineData(SettingNames.DeskSlaHours, "four", "Px__Desk__SlaHours")]
    [InlineData(SettingNames.DeskSlaHours, "0", "Px__Desk__SlaHours")]
    [InlineData(SettingNames.HelpdeskUrl, "http://helpdesk.example/hook", "Px__Helpdesk__Url")]
    [InlineData(SettingNames.HelpdeskUrl, "https://helpdesk.example/hook", "Px__Helpdesk__Format")]
    public void Read_InvalidValue_NamesTheSetting(string setting, string value, string expectedName)
    {
        var values = new Dictionary<string, string?> { [SettingNames.Storage] = Azurite, [setting] = value };

        var ex = Assert.Throws<InvalidSettingException>(() => Read(values));

        Assert.Equal(expectedName, ex.SettingName);
        Assert.StartsWith($"Setting '{expectedName}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Desk_DefaultsToAFourHourSla_AndNoHelpdesk()
    {
        var settings = Read(new() { [SettingNames.Storage] = Azurite });

        Assert.Equal(TimeSpan.FromHours(4), settings.Desk.Sla);
        Assert.Null(settings.Desk.Helpdesk);
    }

    [Fact]
    public void Read_Helpdesk_NeedsAFormatAndASecret_RetriesDoubleUpToAnHour()
    {
        var values = new Dictionary<string, string?>
        {
            [SettingNames.Storage] = Azurite,
            [SettingNames.DeskSlaHours] = "1.5",
            [SettingNames.HelpdeskUrl] = "https://glowlabs.zendesk.example/px",
            [SettingNames.HelpdeskFormat] = "Gorgias",
        };
        Assert.Equal(SettingNames.HelpdeskSecret, Assert.Throws<InvalidSettingException>(() => Read(values)).SettingName);

        values[SettingNames.HelpdeskSecret] = "helpdesk-secret-0123456789";
        var settings = Read(values);

        Assert.Equal(TimeSpan.FromMinutes(90), settings.Desk.Sla);
        var helpdesk = settings.Desk.Helpdesk!;
        Assert.Equal((PxFunctions.Channels.Desk.HelpdeskFormat.Gorgias, 10), (helpdesk.Format, helpdesk.MaxAttempts));
        Assert.Equal((30, 60, 120, 3600), ((int)helpdesk.DelayAfter(1).TotalSeconds, (int)helpdesk.DelayAfter(2).TotalSeconds, (int)helpdesk.DelayAfter(3).TotalSeconds, (int)helpdesk.DelayAfter(12).TotalSeconds));
        Assert.True(Read(new(values) { [SettingNames.HelpdeskUrl] = "http://127.0.0.1:5000/hook" }).Desk.Helpdesk is not null); // loopback may be plain http
        Assert.Equal(SettingNames.HelpdeskMaxAttempts, Assert.Throws<InvalidSettingException>(() => Read(new(values) { [SettingNames.HelpdeskMaxAttempts] = "0" })).SettingName);
        Assert.Equal(SettingNames.HelpdeskRetryDelay, Assert.Throws<InvalidSettingException>(() => Read(new(values) { [SettingNames.HelpdeskRetryDelay] = "02:00:00" })).SettingName);
    }

    [Fact]
    public void Read_IdentityBasedWithAccountName_DerivesServiceUris()
    {
        var settings = Read(new()
        {
            [SettingNames.StorageAccountName] = "pxstore01",
            [SettingNames.StorageCredential] = "managedidentity",
            [SettingNames.StorageClientId] = "5f0e5b3c-0b0a-4c57-a6a1-6a3b9d1b2c3d",
        });

        Assert.True(settings.Storage.IsIdentityBased);
        Assert.Equal(new Uri("https://pxstore01.queue.core.windows.net"), settings.Storage.QueueServiceUri);
        Assert.Equal(new Uri("https://pxstore01.table.core.windows.net"), settings.Storage.TableServiceUri);
        Assert.Equal(new Uri("https://pxstore01.blob.core.windows.net"), settings.Storage.BlobServiceUri);
    }

    [Fact]
    public void Read_IdentityBasedMissingOneServiceUri_NamesTheMissingSetting()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => Read(new()
        {
            [SettingNames.StorageBlobServiceUri] = "https://a.blob.core.windows.net",
            [SettingNames.StorageQueueServiceUri] = "https://a.queue.core.windows.net",
        }));

        Assert.Equal(SettingNames.StorageTableServiceUri, ex.SettingName);
    }

    [Fact]
    public void Read_ServiceUriOverPlainHttp_IsRefused()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => Read(new()
        {
            [SettingNames.StorageAccountName] = "pxstore01",
            [SettingNames.StorageQueueServiceUri] = "http://pxstore01.queue.core.windows.net",
        }));

        Assert.Equal(SettingNames.StorageQueueServiceUri, ex.SettingName);
    }

    [Fact]
    public void Read_UnderTheFunctionsHost_TurnsTheDispatcherAndExamplesOff()
    {
        var settings = PxSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [SettingNames.Key(SettingNames.Storage)] = Azurite }).Build(), isDevelopment: false, underFunctionsHost: true);

        Assert.True(settings.UnderFunctionsHost);
        Assert.False(settings.DispatcherEnabled);
        Assert.False(settings.LoadExampleJourneys);
    }

    [Fact]
    public void Read_TaskHub_DefaultsToTheDeployedHub_OrOnePerStoragePrefix()
    {
        Assert.Equal("PxJourneys", Read(new() { [SettingNames.Storage] = Azurite }).Durable.TaskHub);
        Assert.Equal("t1234hub", Read(new() { [SettingNames.Storage] = Azurite, [SettingNames.StoragePrefix] = "t1234" }).Durable.TaskHub);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Read_NoAdminKey_OpensAdminOnlyInDevelopment(bool development, bool expectedOpen)
    {
        var settings = Read(new() { [SettingNames.Storage] = Azurite }, development);

        Assert.Equal(expectedOpen, settings.AllowAnonymousAdmin);
    }

    [Fact]
    public void NeedsEmbeddedStorage_TrueOnlyWithoutAnyStorageSetting()
    {
        static bool Needs(Dictionary<string, string?> v) =>
            PxSettings.NeedsEmbeddedStorage(new ConfigurationBuilder().AddInMemoryCollection(v.ToDictionary(kv => SettingNames.Key(kv.Key), kv => kv.Value)).Build());

        Assert.True(Needs(new()));
        Assert.True(Needs(new() { [SettingNames.Storage] = " " }));
        Assert.False(Needs(new() { [SettingNames.Storage] = Azurite }));
        Assert.False(Needs(new() { [SettingNames.StorageAccountName] = "pxstore01" }));
    }
}
