using PxFunctions.Configuration;

namespace PxFunctions.Infra.Tests;

/// <summary>
/// The app settings the function app must have in Azure, by name. The app's own names come from
/// <see cref="SettingNames"/>; the names of later features (storefront webhooks, ACS, answer links) are listed in
/// <see cref="Planned"/> until their issues add them to <see cref="SettingNames"/>.
/// </summary>
public static class DeployedSettings
{
    public static IReadOnlyList<string> Planned { get; } =
    [
        "Shopify__WebhookSecrets", "WooCommerce__WebhookSecrets", "Orders__WebhookSecrets",
        "Acs__Endpoint", "Acs__SmsFrom", "Acs__EmailFrom", "Px__AnswerLinkKey", "Px__EventGridSecret",
    ];

    /// <summary>Secrets: each must be a Key Vault reference.</summary>
    public static IReadOnlyList<string> Secrets { get; } =
    [
        SettingNames.AdminKey, "Shopify__WebhookSecrets", "WooCommerce__WebhookSecrets", "Orders__WebhookSecrets",
        "Px__AnswerLinkKey", "Px__EventGridSecret", SettingNames.PrivacyHashKey,
    ];

    /// <summary>Everything that must be set: identity-based storage, telemetry with Entra ID, secrets, ACS.</summary>
    public static IReadOnlyList<string> Required { get; } =
    [
        SettingNames.StorageBlobServiceUri, SettingNames.StorageQueueServiceUri, SettingNames.StorageTableServiceUri,
        SettingNames.StorageCredential, SettingNames.StorageClientId,
        SettingNames.ApplicationInsightsConnectionString, SettingNames.ApplicationInsightsAuthenticationString,
        .. Secrets, "Acs__Endpoint", "Acs__SmsFrom", "Acs__EmailFrom",
    ];

    /// <summary>Read by the Azure SDK (DefaultAzureCredential picks the user-assigned identity), not by the app's settings code.</summary>
    public static IReadOnlyList<string> Platform { get; } = ["AZURE_CLIENT_ID"];

    /// <summary>
    /// Never set in Azure: a storage connection string (shared key), standalone-only settings (the in-process
    /// dispatcher would run triggers twice; the standalone task hub's knobs live in host.json there), and what Flex
    /// Consumption rejects.
    /// </summary>
    public static IReadOnlyList<string> Forbidden { get; } =
    [
        SettingNames.Storage, SettingNames.DispatcherEnabled, SettingNames.DurableTaskHub, SettingNames.DurablePartitions,
        SettingNames.EmbeddedStorageDataPath, SettingNames.EmbeddedStorageInMemory,
        "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    ];
}
