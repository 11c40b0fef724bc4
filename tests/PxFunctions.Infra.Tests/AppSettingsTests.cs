using System.Text.RegularExpressions;
using PxFunctions.Configuration;
using PxFunctions.Infra.Tests.Infrastructure;

namespace PxFunctions.Infra.Tests;

/// <summary>The app settings Bicep gives the function app: complete, keyless, and only names the app knows.</summary>
public sealed partial class AppSettingsTests(CompiledTemplate template)
{
    [Fact]
    public void AppSettings_EverySettingTheAppNeedsInAzure_IsSet()
    {
        var settings = template.AppSettings();
        Assert.All(DeployedSettings.Required, name => Assert.True(settings.ContainsKey(name), $"{name} is not set on the function app."));
    }

    [Fact]
    public void AppSettings_EveryName_IsOneTheAppReads()
    {
        var known = SettingNames.All.Concat(DeployedSettings.Planned).Concat(DeployedSettings.Platform).ToHashSet(StringComparer.Ordinal);
        Assert.All(template.AppSettings().Keys, name => Assert.True(known.Contains(name), $"{name} is set but no part of the app reads it (typo?)."));
    }

    [Fact]
    public void AppSettings_HostOwnedOrStandaloneOnlySettings_AreNotSet()
    {
        var settings = template.AppSettings();
        Assert.All(DeployedSettings.Forbidden, name => Assert.False(settings.ContainsKey(name), $"{name} must not be set in Azure."));
    }

    [Fact]
    public void AppSettings_Storage_IsIdentityBasedWithTheUserAssignedIdentity()
    {
        var settings = template.AppSettings();
        Assert.Equal("managedidentity", settings[SettingNames.StorageCredential]);
        Assert.Equal(settings["AZURE_CLIENT_ID"], settings[SettingNames.StorageClientId]);
        var clientId = ClientIdOf().Match(settings[SettingNames.StorageClientId]);
        Assert.True(clientId.Success, $"{SettingNames.StorageClientId} is not the client id of an identity: {settings[SettingNames.StorageClientId]}");
        var identity = template.Module("functionApp")["resources"]?[clientId.Groups["symbol"].Value];
        Assert.Equal("Microsoft.ManagedIdentity/userAssignedIdentities", (string?)identity?["type"]);
        Assert.Contains("primaryEndpoints.blob", settings[SettingNames.StorageBlobServiceUri], StringComparison.Ordinal);
        Assert.Contains("primaryEndpoints.queue", settings[SettingNames.StorageQueueServiceUri], StringComparison.Ordinal);
        Assert.Contains("primaryEndpoints.table", settings[SettingNames.StorageTableServiceUri], StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_Telemetry_AuthenticatesWithEntraId()
    {
        var settings = template.AppSettings();
        Assert.Contains(".ConnectionString]", settings[SettingNames.ApplicationInsightsConnectionString], StringComparison.Ordinal);
        Assert.StartsWith("[format('Authorization=AAD;ClientId={0}'", settings[SettingNames.ApplicationInsightsAuthenticationString], StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_Secrets_AreKeyVaultReferences()
    {
        var settings = template.AppSettings();
        Assert.All(DeployedSettings.Secrets, name =>
            Assert.Matches(KeyVaultReference(), settings[name]));
        Assert.Equal(DeployedSettings.Secrets.Count, settings.Values.Count(v => KeyVaultReference().IsMatch(v)));
    }

    [Fact]
    public void AppSettings_CommunicationServices_UseAnEndpointNotAKey()
    {
        var settings = template.AppSettings();
        Assert.Contains("acsEndpoint", settings["Acs__Endpoint"], StringComparison.Ordinal);
        Assert.Contains("emailFrom", settings["Acs__EmailFrom"], StringComparison.Ordinal);
        Assert.DoesNotContain(settings.Keys, name => name.StartsWith("Acs__", StringComparison.Ordinal) && (name.Contains("Key", StringComparison.OrdinalIgnoreCase) || name.Contains("Connection", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void AppSettings_NoValue_HoldsAKeyOrAStorageConnectionString()
    {
        Assert.All(template.AppSettings(), setting =>
        {
            Assert.DoesNotMatch(ListFunction(), setting.Value);
            Assert.DoesNotContain("AccountKey=", setting.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessKey", setting.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("DefaultEndpointsProtocol", setting.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("InstrumentationKey=", setting.Value, StringComparison.OrdinalIgnoreCase);
            if (setting.Key.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase))
            {
                // Application Insights' connection string only locates the component; its local auth is off.
                Assert.Equal(SettingNames.ApplicationInsightsConnectionString, setting.Key);
            }
        });
    }

    [Fact]
    public void AppSettings_StoragePrefix_IsThePrefixThePackageQueueNamesCarry()
    {
        // Queue trigger names are compile-time constants with the deployed prefix; the app must use the same.
        var deployed = template.AppSettings().GetValueOrDefault(SettingNames.StoragePrefix) ?? new PxSettings { Storage = new() }.StoragePrefix;
        Assert.Equal(PxFunctions.Functions.TriggerFunctions.IntakeQueue, deployed + "-" + PxFunctions.Intake.Storefronts.WebhookInbox.Queue);
    }

    [Fact]
    public void Template_NeverReadsKeys()
    {
        // listKeys, listConnectionStrings, listSecrets...: no key of any resource is read anywhere in the deployment.
        Assert.DoesNotMatch(ListFunction(), template.Template.ToJsonString());
    }

    [GeneratedRegex(@"^\[reference\('(?<symbol>\w+)'\)\.clientId\]$")]
    private static partial Regex ClientIdOf();

    [GeneratedRegex(@"^\[format\('@Microsoft\.KeyVault\(VaultName=\{0\};SecretName=\{1\}\)'")]
    private static partial Regex KeyVaultReference();

    [GeneratedRegex(@"\blist[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();
}
