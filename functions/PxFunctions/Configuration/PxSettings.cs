using System.Globalization;
using System.Text.RegularExpressions;
using Azure.Data.Tables;

namespace PxFunctions.Configuration;

/// <summary>
/// The app's settings, read and checked once at start-up. Anything wrong throws
/// <see cref="InvalidSettingException"/> naming the setting, so a misconfigured app never half-starts.
/// </summary>
public sealed partial record PxSettings
{
    public required StorageSettings Storage { get; init; }

    /// <summary>Key that admin and management routes require standalone (in Azure the host checks function keys).</summary>
    public string? AdminKey { get; init; }

    /// <summary>Prefix of every queue, table and container this app owns, so several apps or tests can share an account.</summary>
    public string StoragePrefix { get; init; } = "px";

    /// <summary>Whether the Azure Functions host runs this process (the isolated worker); false when standalone.</summary>
    public bool UnderFunctionsHost { get; init; }

    /// <summary>
    /// App Service Authentication is on in front of this app (the platform's <c>WEBSITE_AUTH_ENABLED</c>, only heeded
    /// under the Functions host): the platform then signs users in, strips any <c>X-MS-CLIENT-PRINCIPAL-*</c> header a
    /// client sends and sets its own, so that header is the platform's word on who is signed in.
    /// </summary>
    public bool AppServiceAuthentication { get; init; }

    /// <summary>Whether the in-process dispatcher polls queues and runs timers (standalone only, by default).</summary>
    public bool DispatcherEnabled { get; init; } = true;

    public TimeSpan DispatcherPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Longest idle poll; bounds how late a due timer is noticed. Keep equal to host.json <c>maxPollingInterval</c>.</summary>
    public TimeSpan DispatcherMaxPollInterval { get; init; } = DefaultMaxPollInterval;

    public static readonly TimeSpan DefaultMaxPollInterval = TimeSpan.FromSeconds(2);
    public int DispatcherBatchSize { get; init; } = 16;

    /// <summary>Attempts before a queue message is poisoned; must match host.json <c>extensions.queues.maxDequeueCount</c>.</summary>
    public int MaxDequeueCount { get; init; } = DefaultMaxDequeueCount;

    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First retry delay of a failed message in the standalone host; doubles per attempt (host.json's <c>visibilityTimeout</c> in Azure).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public bool ConsoleTelemetry { get; init; }

    /// <summary>The standalone host's Durable task hub (under the Functions host, host.json's <c>durableTask</c> section rules).</summary>
    public DurableSettings Durable { get; init; } = new();
    /// <summary>ACS or the dev outbox, link and webhook secrets, brand, quiet hours, frequency cap.</summary>
    public ChannelSettings Channels { get; init; } = ChannelSettings.Read(_ => null, false);

    /// <summary>Webhook signing secrets per storefront (comma-separated for rotation; <c>shop=secret</c> for one shop).</summary>
    public string? ShopifySecrets { get; init; }

    public string? WooCommerceSecrets { get; init; }
    public string? OrdersSecrets { get; init; }

    /// <summary>Publish the example journeys shipped with the app at start-up (standalone by default).</summary>
    public bool LoadExampleJourneys { get; init; } = true;

    /// <summary>How long a finished journey (completed, terminated, failed) keeps its history and purchase before it is purged.</summary>
    public TimeSpan JourneyRetention { get; init; } = DefaultJourneyRetention;

    public static readonly TimeSpan DefaultJourneyRetention = TimeSpan.FromDays(30);

    /// <summary>How long after a journey message a customer's order is attributed to that journey (PX metrics).</summary>
    public TimeSpan AttributionWindow { get; init; } = DefaultAttributionWindow;

    public static readonly TimeSpan DefaultAttributionWindow = TimeSpan.FromDays(30);

    /// <summary>The handoff desk: the first-response SLA and the optional helpdesk webhook.</summary>
    public Channels.Desk.DeskOptions Desk { get; init; } = new();

    public string? ApplicationInsightsConnectionString { get; init; }
    public string? ApplicationInsightsAuthenticationString { get; init; }

    /// <summary>An Azure OpenAI resource (<c>https://{name}.openai.azure.com/</c>) for the optional reply model; null: none.</summary>
    public Uri? AiEndpoint { get; init; }

    /// <summary>The model deployment to ask on <see cref="AiEndpoint"/>.</summary>
    public string? AiDeployment { get; init; }

    /// <summary>Development without an admin key: admin routes are open (loopback use only, logged at start-up).</summary>
    public bool AllowAnonymousAdmin { get; init; }

    public const int DefaultMaxDequeueCount = 5;

    /// <summary>True when no storage setting is present, so the standalone host should start Azurite itself.</summary>
    public static bool NeedsEmbeddedStorage(IConfiguration configuration)
    {
        var section = configuration.GetSection(SettingNames.Storage);
        return string.IsNullOrWhiteSpace(section.Value) && !section.GetChildren().Any(c => !string.IsNullOrWhiteSpace(c.Value));
    }

    /// <summary>Reads and validates every setting. <paramref name="isDevelopment"/> opens admin routes when no key is set and turns on console telemetry.</summary>
    public static PxSettings Read(IConfiguration configuration, bool isDevelopment, bool underFunctionsHost = false)
    {
        string? Get(string name) => NullIfBlank(configuration[SettingNames.Key(name)]);

        var adminKey = Get(SettingNames.AdminKey);
        if (adminKey is { Length: < 16 })
        {
            throw new InvalidSettingException(SettingNames.AdminKey, "must be at least 16 characters long.");
        }

        var prefix = Get(SettingNames.StoragePrefix) ?? "px";
        if (!PrefixPattern().IsMatch(prefix))
        {
            throw new InvalidSettingException(
                SettingNames.StoragePrefix,
                $"must be 2-16 lowercase letters or digits starting with a letter (queue and table names derive from it); got '{prefix}'.");
        }

        var settings = new PxSettings
        {
            Storage = ReadStorage(configuration),
            Channels = ChannelSettings.Read(Get, underFunctionsHost),
            ShopifySecrets = Get(SettingNames.ShopifyWebhookSecrets),
            WooCommerceSecrets = Get(SettingNames.WooCommerceWebhookSecrets),
            OrdersSecrets = Get(SettingNames.OrdersWebhookSecrets),
            AdminKey = adminKey,
            StoragePrefix = prefix,
            UnderFunctionsHost = underFunctionsHost,
            AppServiceAuthentication = underFunctionsHost && string.Equals(NullIfBlank(configuration["WEBSITE_AUTH_ENABLED"]), "True", StringComparison.OrdinalIgnoreCase),
            DispatcherEnabled = ParseBool(Get(SettingNames.DispatcherEnabled), SettingNames.DispatcherEnabled) ?? !underFunctionsHost,
            DispatcherPollInterval = ParseDuration(Get(SettingNames.DispatcherPollInterval), SettingNames.DispatcherPollInterval) ?? TimeSpan.FromMilliseconds(200),
            DispatcherMaxPollInterval = ParseDuration(Get(SettingNames.DispatcherMaxPollInterval), SettingNames.DispatcherMaxPollInterval) ?? DefaultMaxPollInterval,
            DispatcherBatchSize = ParseInt(Get(SettingNames.DispatcherBatchSize), SettingNames.DispatcherBatchSize, 1, 32) ?? 16,
            MaxDequeueCount = ParseInt(Get(SettingNames.QueuesMaxDequeueCount), SettingNames.QueuesMaxDequeueCount, 1, 100) ?? DefaultMaxDequeueCount,
            VisibilityTimeout = ParseDuration(Get(SettingNames.QueuesVisibilityTimeout), SettingNames.QueuesVisibilityTimeout) ?? TimeSpan.FromMinutes(5),
            RetryDelay = ParseDuration(Get(SettingNames.QueuesRetryDelay), SettingNames.QueuesRetryDelay, allowZero: true) ?? TimeSpan.FromSeconds(1),
            Durable = ReadDurable(Get, prefix),
            LoadExampleJourneys = ParseBool(Get(SettingNames.JourneysLoadExamples), SettingNames.JourneysLoadExamples) ?? !underFunctionsHost,
            ConsoleTelemetry = ParseBool(Get(SettingNames.TelemetryConsoleExporter), SettingNames.TelemetryConsoleExporter) ?? isDevelopment,
            JourneyRetention = ParseDuration(Get(SettingNames.PrivacyJourneyRetention), SettingNames.PrivacyJourneyRetention) ?? DefaultJourneyRetention,
            AttributionWindow = ParseDuration(Get(SettingNames.MetricsAttributionWindow), SettingNames.MetricsAttributionWindow) ?? DefaultAttributionWindow,
            Desk = DeskSettings.Read(Get),
            ApplicationInsightsConnectionString = Get(SettingNames.ApplicationInsightsConnectionString),
            ApplicationInsightsAuthenticationString = Get(SettingNames.ApplicationInsightsAuthenticationString),
            AiEndpoint = Get(SettingNames.AiEndpoint) is { } ai
                ? Uri.TryCreate(ai, UriKind.Absolute, out var aiUri) && aiUri.Scheme == Uri.UriSchemeHttps ? aiUri : throw new InvalidSettingException(SettingNames.AiEndpoint, $"must be an https URL such as https://my-resource.openai.azure.com/; got '{ai}'.")
                : null,
            AiDeployment = Get(SettingNames.AiDeployment),
        };

        if ((settings.AiEndpoint is null) != (settings.AiDeployment is null))
        {
            throw new InvalidSettingException(settings.AiEndpoint is null ? SettingNames.AiEndpoint : SettingNames.AiDeployment, $"{SettingNames.AiEndpoint} and {SettingNames.AiDeployment} go together: set both for the optional reply model, or neither.");
        }

        if (settings.DispatcherMaxPollInterval < settings.DispatcherPollInterval)
        {
            throw new InvalidSettingException(SettingNames.DispatcherMaxPollInterval, $"must not be shorter than {SettingNames.DispatcherPollInterval}.");
        }

        // A missing admin key is not fatal: health and webhooks still work, and AdminKeyFilter refuses every
        // admin call outside Development, so an operator sees why instead of an app that will not start.
        return settings with { AllowAnonymousAdmin = isDevelopment && adminKey is null };
    }

    private static DurableSettings ReadDurable(Func<string, string?> get, string prefix)
    {
        var hub = get(SettingNames.DurableTaskHub) ?? (prefix == "px" ? DurableSettings.DefaultTaskHub : prefix + "hub");
        if (!TaskHubPattern().IsMatch(hub))
        {
            throw new InvalidSettingException(SettingNames.DurableTaskHub, $"must be 3-45 letters or digits starting with a letter (Durable task hub names); got '{hub}'.");
        }

        return new DurableSettings
        {
            TaskHub = hub,
            WorkerId = get(SettingNames.DurableWorkerId) is { Length: > 0 } worker ? worker : DurableSettings.DefaultWorkerId(),
            Partitions = ParseInt(get(SettingNames.DurablePartitions), SettingNames.DurablePartitions, 1, 16) ?? DurableSettings.DefaultPartitions,
            MaxQueuePollingInterval = ParseDuration(get(SettingNames.DurableMaxPollingInterval), SettingNames.DurableMaxPollingInterval) ?? DurableSettings.DefaultMaxQueuePollingInterval,
            ExtendedSessions = ParseBool(get(SettingNames.DurableExtendedSessions), SettingNames.DurableExtendedSessions) ?? DurableSettings.DefaultExtendedSessions,
            MaximumTimerInterval = ParseDuration(get(SettingNames.DurableMaximumTimerInterval), SettingNames.DurableMaximumTimerInterval) is { } max
                ? max < TimeSpan.FromDays(6) ? max : throw new InvalidSettingException(SettingNames.DurableMaximumTimerInterval, "must stay under the queue's 7-day visibility limit (at most 6 days).")
                : DurableSettings.DefaultMaximumTimerInterval,
            VisibilityTimeout = ParseDuration(get(SettingNames.DurableVisibilityTimeout), SettingNames.DurableVisibilityTimeout) ?? DurableSettings.DefaultVisibilityTimeout,
        };
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex TaskHubPattern();

    private static StorageSettings ReadStorage(IConfiguration configuration)
    {
        var section = configuration.GetSection(SettingNames.Storage);
        var connectionString = NullIfBlank(section.Value);
        if (connectionString is not null)
        {
            try
            {
                // The SDK's own parser is the authority on what a connection string may hold.
                _ = new TableServiceClient(connectionString);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                throw new InvalidSettingException(SettingNames.Storage, $"is not a valid storage connection string ({ex.Message.TrimEnd('.')}).");
            }

            return new StorageSettings { ConnectionString = connectionString };
        }

        var accountName = NullIfBlank(section["accountName"]);
        if (accountName is not null && !AccountNamePattern().IsMatch(accountName))
        {
            throw new InvalidSettingException(SettingNames.StorageAccountName, "must be 3-24 lowercase letters or digits.");
        }

        Uri? ServiceUri(string key, string settingName, string service)
        {
            var value = NullIfBlank(section[key]);
            if (value is null)
            {
                return accountName is null ? null : new Uri($"https://{accountName}.{service}.core.windows.net");
            }

            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback))
            {
                throw new InvalidSettingException(settingName, $"must be an absolute https URI; got '{value}'.");
            }

            return uri;
        }

        var storage = new StorageSettings
        {
            BlobServiceUri = ServiceUri("blobServiceUri", SettingNames.StorageBlobServiceUri, "blob"),
            QueueServiceUri = ServiceUri("queueServiceUri", SettingNames.StorageQueueServiceUri, "queue"),
            TableServiceUri = ServiceUri("tableServiceUri", SettingNames.StorageTableServiceUri, "table"),
            Credential = NullIfBlank(section["credential"]),
            ClientId = NullIfBlank(section["clientId"]),
        };

        var missing = storage.BlobServiceUri is null ? SettingNames.StorageBlobServiceUri
            : storage.QueueServiceUri is null ? SettingNames.StorageQueueServiceUri
            : storage.TableServiceUri is null ? SettingNames.StorageTableServiceUri
            : null;
        if (missing is not null)
        {
            throw new InvalidSettingException(
                missing,
                $"is missing: set {SettingNames.Storage} to a connection string, or {SettingNames.StorageAccountName}, or all three service URIs.");
        }

        if (storage.Credential is not null && !string.Equals(storage.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidSettingException(SettingNames.StorageCredential, $"must be 'managedidentity' or unset; got '{storage.Credential}'.");
        }

        if (storage.ClientId is not null && !Guid.TryParse(storage.ClientId, out _))
        {
            throw new InvalidSettingException(SettingNames.StorageClientId, "must be the GUID client id of a user-assigned managed identity.");
        }

        return storage;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int? ParseInt(string? value, string name, int min, int max)
    {
        if (value is null)
        {
            return null;
        }

        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            throw new InvalidSettingException(name, $"must be a whole number from {min} to {max}; got '{value}'.");
        }

        return parsed;
    }

    private static bool? ParseBool(string? value, string name) =>
        value is null ? null
        : bool.TryParse(value, out var parsed) ? parsed
        : throw new InvalidSettingException(name, $"must be true or false; got '{value}'.");

    internal static TimeSpan? ParseDuration(string? value, string name, bool allowZero = false)
    {
        if (value is null)
        {
            return null;
        }

        if (!TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var parsed) || parsed < TimeSpan.Zero || (parsed == TimeSpan.Zero && !allowZero))
        {
            throw new InvalidSettingException(name, $"must be a {(allowZero ? "non-negative" : "positive")} duration such as 00:00:05; got '{value}'.");
        }

        return parsed;
    }

    [GeneratedRegex("^[a-z][a-z0-9]{1,15}$")]
    private static partial Regex PrefixPattern();

    [GeneratedRegex("^[a-z0-9]{3,24}$")]
    private static partial Regex AccountNamePattern();
}
