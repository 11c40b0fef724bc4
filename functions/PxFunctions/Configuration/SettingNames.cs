namespace PxFunctions.Configuration;

/// <summary>
/// Every setting the app reads, by the name an operator writes in app settings or the environment
/// (<c>__</c> separates sections, as in Azure app settings). One list so README, local.settings.sample.json
/// and the Bicep template can be checked against it.
/// </summary>
public static class SettingNames
{
    /// <summary>Storage connection string, or the prefix of the identity-based settings below.</summary>
    public const string Storage = "AzureWebJobsStorage";
    public const string StorageAccountName = "AzureWebJobsStorage__accountName";
    public const string StorageBlobServiceUri = "AzureWebJobsStorage__blobServiceUri";
    public const string StorageQueueServiceUri = "AzureWebJobsStorage__queueServiceUri";
    public const string StorageTableServiceUri = "AzureWebJobsStorage__tableServiceUri";
    public const string StorageCredential = "AzureWebJobsStorage__credential";
    public const string StorageClientId = "AzureWebJobsStorage__clientId";

    public const string AdminKey = "Px__AdminKey";
    public const string StoragePrefix = "Px__Storage__Prefix";
    public const string EmbeddedStorageDataPath = "Px__EmbeddedStorage__DataPath";
    public const string EmbeddedStorageInMemory = "Px__EmbeddedStorage__InMemory";
    public const string DispatcherEnabled = "Px__Dispatcher__Enabled";
    public const string DispatcherPollInterval = "Px__Dispatcher__PollInterval";
    public const string DispatcherMaxPollInterval = "Px__Dispatcher__MaxPollInterval";
    public const string DispatcherBatchSize = "Px__Dispatcher__BatchSize";
    public const string QueuesMaxDequeueCount = "Px__Queues__MaxDequeueCount";
    public const string QueuesVisibilityTimeout = "Px__Queues__VisibilityTimeout";
    public const string QueuesRetryDelay = "Px__Queues__RetryDelay";
    public const string TelemetryConsoleExporter = "Px__Telemetry__ConsoleExporter";
    public const string DurableTaskHub = "Px__Durable__TaskHub";
    public const string DurablePartitions = "Px__Durable__Partitions";
    public const string DurableMaxPollingInterval = "Px__Durable__MaxPollingInterval";
    public const string DurableExtendedSessions = "Px__Durable__ExtendedSessions";
    public const string DurableMaximumTimerInterval = "Px__Durable__MaximumTimerInterval";
    public const string DurableVisibilityTimeout = "Px__Durable__VisibilityTimeout";
    public const string DurableWorkerId = "Px__Durable__WorkerId";
    public const string JourneysLoadExamples = "Px__Journeys__LoadExamples";

    public const string AcsConnectionString = "Acs__ConnectionString";
    public const string AcsEndpoint = "Acs__Endpoint";
    public const string AcsSmsFrom = "Acs__SmsFrom";
    public const string AcsEmailFrom = "Acs__EmailFrom";
    public const string AcsEmailReplyTo = "Acs__EmailReplyTo";
    public const string AcsWhatsAppChannelId = "Acs__WhatsAppChannelId";
    public const string PublicBaseUrl = "Px__PublicBaseUrl";
    public const string AnswerLinkKey = "Px__AnswerLinkKey";
    public const string EventGridSecret = "Px__EventGridSecret";
    public const string InboundEmailSecret = "Px__InboundEmailSecret";
    public const string ChatAllowedOrigins = "Chat__AllowedOrigins";
    public const string BrandName = "Px__Brand__Name";
    public const string BrandHelpText = "Px__Brand__HelpText";
    public const string BrandPostalAddress = "Px__Brand__PostalAddress";
    public const string BrandSupportEmail = "Px__Brand__SupportEmail";

    /// <summary>The store's address where an order names no shop (journey simulations).</summary>
    public const string BrandStoreUrl = "Px__Brand__StoreUrl";
    public const string QuietHoursStart = "Px__QuietHours__Start";
    public const string QuietHoursEnd = "Px__QuietHours__End";
    public const string FrequencyCapMessages = "Px__FrequencyCap__Messages";
    public const string FrequencyCapDays = "Px__FrequencyCap__Days";
    public const string SendLease = "Px__Messages__SendLease";
    public const string PrivacyHashKey = "Px__Privacy__HashKey";
    public const string PrivacyJourneyRetention = "Px__Privacy__JourneyRetention";
    public const string MetricsAttributionWindow = "Px__Metrics__AttributionWindow";
    public const string AiEndpoint = "Px__Ai__Endpoint";
    public const string AiDeployment = "Px__Ai__Deployment";
    public const string DeskSlaHours = "Px__Desk__SlaHours";
    public const string HelpdeskUrl = "Px__Helpdesk__Url";
    public const string HelpdeskFormat = "Px__Helpdesk__Format";
    public const string HelpdeskSecret = "Px__Helpdesk__Secret";
    public const string HelpdeskMaxAttempts = "Px__Helpdesk__MaxAttempts";
    public const string HelpdeskRetryDelay = "Px__Helpdesk__RetryDelay";

    public const string ShopifyWebhookSecrets = "Shopify__WebhookSecrets";
    public const string WooCommerceWebhookSecrets = "WooCommerce__WebhookSecrets";
    public const string OrdersWebhookSecrets = "Orders__WebhookSecrets";

    public const string ApplicationInsightsConnectionString = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string ApplicationInsightsAuthenticationString = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>The configuration key (<c>:</c>-separated) for a setting name.</summary>
    public static string Key(string settingName) => settingName.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>All settings, in the order the README's configuration table lists them.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Storage, StorageAccountName, StorageBlobServiceUri, StorageQueueServiceUri, StorageTableServiceUri,
        StorageCredential, StorageClientId, AdminKey, StoragePrefix, EmbeddedStorageDataPath, EmbeddedStorageInMemory,
        DispatcherEnabled, DispatcherPollInterval, DispatcherMaxPollInterval, DispatcherBatchSize,
        QueuesMaxDequeueCount, QueuesVisibilityTimeout, QueuesRetryDelay, TelemetryConsoleExporter,
        DurableTaskHub, DurablePartitions, DurableMaxPollingInterval, DurableExtendedSessions, DurableMaximumTimerInterval, DurableVisibilityTimeout, DurableWorkerId,
        JourneysLoadExamples,
        AcsConnectionString, AcsEndpoint, AcsSmsFrom, AcsEmailFrom, AcsEmailReplyTo, AcsWhatsAppChannelId, PublicBaseUrl, AnswerLinkKey, EventGridSecret,
        InboundEmailSecret, ChatAllowedOrigins, BrandName, BrandHelpText, BrandPostalAddress, BrandSupportEmail, BrandStoreUrl, QuietHoursStart, QuietHoursEnd,
        FrequencyCapMessages, FrequencyCapDays, SendLease, PrivacyHashKey, PrivacyJourneyRetention, MetricsAttributionWindow, AiEndpoint, AiDeployment,
        DeskSlaHours, HelpdeskUrl, HelpdeskFormat, HelpdeskSecret, HelpdeskMaxAttempts, HelpdeskRetryDelay, ShopifyWebhookSecrets, WooCommerceWebhookSecrets, OrdersWebhookSecrets,
        ApplicationInsightsConnectionString, ApplicationInsightsAuthenticationString,
    ];
}
