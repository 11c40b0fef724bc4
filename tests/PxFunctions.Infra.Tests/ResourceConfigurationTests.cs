using System.Text.Json.Nodes;
using PxFunctions.Infra.Tests.Infrastructure;

namespace PxFunctions.Infra.Tests;

/// <summary>The resources DESIGN §8 and issue 5 ask for, configured keyless and locked down.</summary>
public sealed class ResourceConfigurationTests(CompiledTemplate template)
{
    private static JsonNode? Property(JsonObject resource, string path) =>
        path.Split('.').Aggregate<string, JsonNode?>(resource["properties"], (node, name) => node?[name]);

    [Fact]
    public void FunctionApp_IsFlexConsumptionRunningTheDotnetIsolatedWorker()
    {
        var plan = template.Resource("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan["sku"]?["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]?["tier"]);
        Assert.True((bool?)Property(plan, "reserved"));

        var app = template.Resource(CompiledTemplate.FunctionAppType);
        Assert.Equal("functionapp,linux", (string?)app["kind"]);
        Assert.Equal("UserAssigned", (string?)app["identity"]?["type"]);
        Assert.True((bool?)Property(app, "httpsOnly"));
        Assert.NotNull((string?)Property(app, "keyVaultReferenceIdentity"));
        Assert.Equal("dotnet-isolated", (string?)Property(app, "functionAppConfig.runtime.name"));
        Assert.Equal("10.0", (string?)Property(app, "functionAppConfig.runtime.version"));
        Assert.Equal("blobContainer", (string?)Property(app, "functionAppConfig.deployment.storage.type"));
        Assert.Equal("UserAssignedIdentity", (string?)Property(app, "functionAppConfig.deployment.storage.authentication.type"));
        Assert.Equal("[parameters('maximumInstanceCount')]", (string?)Property(app, "functionAppConfig.scaleAndConcurrency.maximumInstanceCount"));
        Assert.Equal("[parameters('instanceMemoryMB')]", (string?)Property(app, "functionAppConfig.scaleAndConcurrency.instanceMemoryMB"));
        Assert.Contains("'azd-service-name'", (string?)app["tags"], StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionApp_BasicPublishingCredentials_AreOff()
    {
        var policies = template.Resources("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(2, policies.Count);
        Assert.All(policies, p => Assert.False((bool?)Property(p, "allow")));
    }

    [Fact]
    public void Storage_AllowsNoSharedKeyNoPublicBlobsAndOnlyTls12()
    {
        var account = template.Resource("Microsoft.Storage/storageAccounts");
        Assert.False((bool?)Property(account, "allowSharedKeyAccess"));
        Assert.False((bool?)Property(account, "allowBlobPublicAccess"));
        Assert.Equal("TLS1_2", (string?)Property(account, "minimumTlsVersion"));
        Assert.True((bool?)Property(account, "supportsHttpsTrafficOnly"));
    }

    [Fact]
    public void Storage_DeclaresOnlyBlobContainers_TheAppCreatesItsQueuesAndTables()
    {
        Assert.Empty(template.Resources("Microsoft.Storage/storageAccounts/queueServices/queues"));
        Assert.Empty(template.Resources("Microsoft.Storage/storageAccounts/tableServices/tables"));
        var containers = template.Resource("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("None", (string?)Property(containers, "publicAccess"));
    }

    [Fact]
    public void Monitoring_ApplicationInsightsAcceptsOnlyEntraIdTelemetry()
    {
        var insights = template.Resource("Microsoft.Insights/components");
        Assert.True((bool?)Property(insights, "DisableLocalAuth"));
        Assert.Contains("Microsoft.OperationalInsights/workspaces", (string?)Property(insights, "WorkspaceResourceId"), StringComparison.Ordinal);
        Assert.Single(template.Resources("Microsoft.OperationalInsights/workspaces"));
    }

    [Fact]
    public void KeyVault_UsesRbacAndTakesSecretsFromSecureParameters()
    {
        var vault = template.Resource("Microsoft.KeyVault/vaults");
        Assert.True((bool?)Property(vault, "enableRbacAuthorization"));
        var secrets = template.Resource("Microsoft.KeyVault/vaults/secrets");
        Assert.Contains("parameters('secrets')", (string?)Property(secrets, "value"), StringComparison.Ordinal);
        Assert.Equal("secureObject", (string?)template.Module("keyVault")["parameters"]?["secrets"]?["type"]);
    }

    [Fact]
    public void MainParameters_Secrets_AreSecureAndHaveNoDefault()
    {
        var parameters = template.Template["parameters"]!.AsObject();
        string[] secrets = ["adminKey", "answerLinkKey", "eventGridSecret", "shopifyWebhookSecrets", "wooCommerceWebhookSecrets", "ordersWebhookSecrets"];
        Assert.All(secrets, name =>
        {
            Assert.Equal("securestring", (string?)parameters[name]?["type"]);
            Assert.Null(parameters[name]!["defaultValue"]);
        });
    }

    [Fact]
    public void CommunicationServices_HasNoLocalAuthAndSendsEmailFromALinkedManagedDomain()
    {
        var acs = template.Resource("Microsoft.Communication/communicationServices");
        Assert.True((bool?)Property(acs, "disableLocalAuth"));
        Assert.Equal("global", (string?)acs["location"]);
        var linked = Assert.Single(Property(acs, "linkedDomains")!.AsArray());
        Assert.Contains("Microsoft.Communication/emailServices/domains", (string?)linked, StringComparison.Ordinal);

        Assert.Single(template.Resources("Microsoft.Communication/emailServices"));
        var domain = template.Resource("Microsoft.Communication/emailServices/domains");
        Assert.Equal("AzureManaged", (string?)Property(domain, "domainManagement"));
    }

    [Fact]
    public void AcsEvents_SystemTopicOnCommunicationServices_WithAnOptionalWebhookSubscription()
    {
        var topic = template.Resource("Microsoft.EventGrid/systemTopics");
        Assert.Equal("Microsoft.Communication.CommunicationServices", (string?)Property(topic, "topicType"));
        Assert.Contains("Microsoft.Communication/communicationServices", (string?)Property(topic, "source"), StringComparison.Ordinal);

        var subscription = template.Resource("Microsoft.EventGrid/systemTopics/eventSubscriptions");
        Assert.Equal("[parameters('createSubscription')]", (string?)subscription["condition"]);
        Assert.Equal("WebHook", (string?)Property(subscription, "destination.endpointType"));
        Assert.Equal("[parameters('webhookUrl')]", (string?)Property(subscription, "destination.properties.endpointUrl"));
        Assert.Equal(
            ["Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated", "Microsoft.Communication.AdvancedMessageReceived", "Microsoft.Communication.EmailDeliveryReportReceived", "Microsoft.Communication.SMSDeliveryReportReceived", "Microsoft.Communication.SMSReceived"],
            Property(subscription, "filter.includedEventTypes")!.AsArray().Select(t => (string)t!).Order(StringComparer.Ordinal));
        Assert.NotNull(Property(subscription, "deadLetterWithResourceIdentity"));

        // Off until the app is deployed: Event Grid validates the webhook when the subscription is created.
        Assert.False((bool?)template.Template["parameters"]?["enableAcsEvents"]?["defaultValue"]);
        var events = template.Template["resources"]!["acsEvents"]!["properties"]!["parameters"]!;
        Assert.Equal("[parameters('enableAcsEvents')]", (string?)events["createSubscription"]?["value"]);
        Assert.Equal(
            "[format('https://{0}/api/events/acs?secret={1}', reference('functionApp').outputs.defaultHostName.value, parameters('eventGridSecret'))]",
            (string?)events["webhookUrl"]?["value"]);
        Assert.Equal("securestring", (string?)template.Module("acsEvents")["parameters"]?["webhookUrl"]?["type"]);
    }

    [Fact]
    public void Outputs_GiveTheAppUrlWebhookUrlsAndAcsEndpoint()
    {
        var outputs = template.Template["outputs"]!.AsObject();
        Assert.Equal("[format('https://{0}', reference('functionApp').outputs.defaultHostName.value)]", (string?)outputs["PX_APP_URL"]?["value"]);
        Assert.EndsWith("/api/webhooks/shopify', reference('functionApp').outputs.defaultHostName.value)]", (string?)outputs["PX_SHOPIFY_WEBHOOK_URL"]?["value"], StringComparison.Ordinal);
        Assert.EndsWith("/api/webhooks/woocommerce', reference('functionApp').outputs.defaultHostName.value)]", (string?)outputs["PX_WOOCOMMERCE_WEBHOOK_URL"]?["value"], StringComparison.Ordinal);
        Assert.EndsWith("/api/webhooks/orders', reference('functionApp').outputs.defaultHostName.value)]", (string?)outputs["PX_ORDERS_WEBHOOK_URL"]?["value"], StringComparison.Ordinal);
        Assert.Equal("[reference('communication').outputs.endpoint.value]", (string?)outputs["PX_ACS_ENDPOINT"]?["value"]);
        Assert.All(outputs, output => Assert.DoesNotContain("Secret", (string?)output.Value?["value"] ?? "", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Resources_AllTaggedWithTheAzdEnvironment()
    {
        var tracked = template.Resources().Where(r => r["location"] is not null && (string?)r["type"] != "Microsoft.Resources/deployments").ToList();
        Assert.NotEmpty(tracked);
        Assert.All(tracked, r => Assert.True(r["tags"] is not null, $"{r["type"]} has no tags."));
        Assert.Equal("[parameters('environmentName')]", (string?)template.Template["variables"]?["tags"]?["azd-env-name"]);
    }

    [Fact]
    public void Dashboard_IsBehindAppServiceAuthenticationWithEntraId_ExceptRoutesWithTheirOwnProof()
    {
        var auth = template.Resource("Microsoft.Web/sites/config");
        Assert.Equal("[format('{0}/{1}', parameters('name'), 'authsettingsV2')]", (string?)auth["name"]);
        Assert.Equal("[not(empty(parameters('dashboardClientId')))]", (string?)auth["condition"]);
        Assert.True((bool?)Property(auth, "platform.enabled"));
        Assert.True((bool?)Property(auth, "globalValidation.requireAuthentication"));
        Assert.Equal("RedirectToLoginPage", (string?)Property(auth, "globalValidation.unauthenticatedClientAction"));
        Assert.True((bool?)Property(auth, "identityProviders.azureActiveDirectory.enabled"));
        Assert.Equal("[parameters('dashboardClientId')]", (string?)Property(auth, "identityProviders.azureActiveDirectory.registration.clientId"));
        Assert.True((bool?)Property(auth, "httpSettings.requireHttps"));
        var excluded = Property(auth, "globalValidation.excludedPaths")!.AsArray().Select(p => (string?)p).ToList();
        Assert.DoesNotContain(excluded, p => p!.StartsWith("/api/dashboard", StringComparison.Ordinal));
        Assert.Contains("/api/webhooks", excluded);
        Assert.Contains("/api/events", excluded);
        Assert.Equal("", (string?)template.Template["parameters"]?["dashboardClientId"]?["defaultValue"]);
    }
}
