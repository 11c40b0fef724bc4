using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using PxFunctions.Configuration;

namespace PxFunctions.Storage;

/// <summary>
/// The app's storage clients, built once from <see cref="StorageSettings"/>, every request counted by
/// <see cref="Counter"/>. Names of the app's queues, tables and containers come from <see cref="Names"/>.
/// </summary>
public sealed class StorageAccount
{
    public StorageAccount(StorageSettings settings, string prefix, StorageRequestCounter? counter = null)
    {
        Counter = counter ?? new StorageRequestCounter();
        Names = new StorageNames(prefix);
        Settings = settings;

        var tableOptions = new TableClientOptions();
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var blobOptions = new BlobClientOptions();
        tableOptions.AddPolicy(Counter.PolicyFor(StorageService.Table), HttpPipelinePosition.PerRetry);
        queueOptions.AddPolicy(Counter.PolicyFor(StorageService.Queue), HttpPipelinePosition.PerRetry);
        blobOptions.AddPolicy(Counter.PolicyFor(StorageService.Blob), HttpPipelinePosition.PerRetry);

        if (settings.ConnectionString is { } connectionString)
        {
            Tables = new TableServiceClient(connectionString, tableOptions);
            Queues = new QueueServiceClient(connectionString, queueOptions);
            Blobs = new BlobServiceClient(connectionString, blobOptions);
        }
        else
        {
            var credential = CreateCredential(settings);
            Tables = new TableServiceClient(settings.TableServiceUri!, credential, tableOptions);
            Queues = new QueueServiceClient(settings.QueueServiceUri!, credential, queueOptions);
            Blobs = new BlobServiceClient(settings.BlobServiceUri!, credential, blobOptions);
        }
    }

    public StorageSettings Settings { get; }
    public StorageRequestCounter Counter { get; }
    public StorageNames Names { get; }
    public TableServiceClient Tables { get; }
    public QueueServiceClient Queues { get; }
    public BlobServiceClient Blobs { get; }

    public TableClient Table(string logicalName) => Tables.GetTableClient(Names.Table(logicalName));

    public QueueClient Queue(string logicalName) => Queues.GetQueueClient(Names.Queue(logicalName));

    /// <summary>
    /// Clients for the Durable Task Framework's Azure Storage provider (the standalone host's task hub), on the same
    /// account and credential as the app's own; their requests are counted apart, by <see cref="DurableCounter"/>.
    /// </summary>
    public StorageRequestCounter DurableCounter { get; } = new();

    public DurableTask.AzureStorage.StorageAccountClientProvider DurableClients()
    {
        var counter = DurableCounter;
        var tableOptions = new TableClientOptions();
        var queueOptions = new QueueClientOptions();
        var blobOptions = new BlobClientOptions();
        tableOptions.AddPolicy(counter.PolicyFor(StorageService.Table), HttpPipelinePosition.PerRetry);
        queueOptions.AddPolicy(counter.PolicyFor(StorageService.Queue), HttpPipelinePosition.PerRetry);
        blobOptions.AddPolicy(counter.PolicyFor(StorageService.Blob), HttpPipelinePosition.PerRetry);
        if (Settings.ConnectionString is { } connectionString)
        {
            return new(
                DurableTask.AzureStorage.StorageServiceClientProvider.ForBlob(connectionString, blobOptions),
                DurableTask.AzureStorage.StorageServiceClientProvider.ForQueue(connectionString, queueOptions),
                DurableTask.AzureStorage.StorageServiceClientProvider.ForTable(connectionString, tableOptions));
        }

        var credential = CreateCredential(Settings);
        return new(
            DurableTask.AzureStorage.StorageServiceClientProvider.ForBlob(Settings.BlobServiceUri!, credential, blobOptions),
            DurableTask.AzureStorage.StorageServiceClientProvider.ForQueue(Settings.QueueServiceUri!, credential, queueOptions),
            DurableTask.AzureStorage.StorageServiceClientProvider.ForTable(Settings.TableServiceUri!, credential, tableOptions));
    }

    /// <summary>The app's Entra ID identity (the managed identity in Azure), for other services such as ACS.</summary>
    public TokenCredential Credential() => CreateCredential(Settings);

    private static TokenCredential CreateCredential(StorageSettings settings) =>
        string.Equals(settings.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(settings.ClientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(settings.ClientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = settings.ClientId });
}
