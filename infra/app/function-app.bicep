// The function app: a Flex Consumption (FC1) plan and a Linux app running the .NET 10 isolated worker (runtime `dotnet-isolated` 10.0).
// Every app setting is identity-based or a Key Vault reference; none holds a key or a connection string with one.

import { secretNamesType, tagsType } from 'types.bicep'

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags for the plan; the app adds azd-service-name so `azd deploy` finds it.')
param tags tagsType

@description('Service name in azure.yaml.')
param serviceName string

@description('User-assigned identity the app runs as.')
param identityName string

@description('Storage account for AzureWebJobsStorage and the deployment package.')
param storageAccountName string

@description('Blob container that Flex Consumption deploys the package from.')
param deploymentContainerName string

@description('Application Insights component for telemetry.')
param applicationInsightsName string

@description('Key Vault that holds the app secrets.')
param keyVaultName string

@description('Names of the secrets in the Key Vault.')
param secretNames secretNamesType

@description('Communication Services data-plane endpoint.')
param acsEndpoint string

@description('E.164 SMS sender number; empty until one is bought.')
param smsFrom string

@description('WhatsApp channel registration id; empty: WhatsApp is off.')
param whatsAppChannelId string = ''

@description('Email sender address on a domain linked to Communication Services.')
param emailFrom string

@description('Application (client) id of the Entra ID app registration that signs admins in to the dashboard; empty leaves App Service Authentication off.')
param dashboardClientId string

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory per instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        // Storage for the host and the app, with the managed identity (SettingNames.Storage*).
        { name: 'AzureWebJobsStorage__blobServiceUri', value: storageAccount.properties.primaryEndpoints.blob }
        { name: 'AzureWebJobsStorage__queueServiceUri', value: storageAccount.properties.primaryEndpoints.queue }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: storageAccount.properties.primaryEndpoints.table }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        // Lets DefaultAzureCredential (Key Vault, Communication Services clients) pick the user-assigned identity.
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        // The connection string only locates the component; with local auth off, ingestion needs the Entra token.
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsights.properties.ConnectionString }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'Authorization=AAD;ClientId=${identity.properties.clientId}'
        }
        // Key Vault references, resolved by App Service with keyVaultReferenceIdentity.
        {
          name: 'Px__AdminKey'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.adminKey})'
        }
        {
          name: 'Px__AnswerLinkKey'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.answerLinkKey})'
        }
        {
          name: 'Px__EventGridSecret'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.eventGridSecret})'
        }
        {
          name: 'Px__Privacy__HashKey'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.privacyHashKey})'
        }
        {
          name: 'Shopify__WebhookSecrets'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.shopifyWebhookSecrets})'
        }
        {
          name: 'WooCommerce__WebhookSecrets'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.wooCommerceWebhookSecrets})'
        }
        {
          name: 'Orders__WebhookSecrets'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secretNames.ordersWebhookSecrets})'
        }
        // Communication Services with Entra ID: an endpoint, never an access key.
        { name: 'Acs__Endpoint', value: acsEndpoint }
        { name: 'Acs__SmsFrom', value: smsFrom }
        { name: 'Acs__EmailFrom', value: emailFrom }

        // Empty until a WhatsApp Business account is connected to the resource (read as unset: WhatsApp off).
        { name: 'Acs__WhatsAppChannelId', value: whatsAppChannelId }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageAccount.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Deployments authenticate with Entra ID; basic (publishing profile) credentials stay off.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

// The dashboard (/api/dashboard) behind App Service Authentication with Entra ID: a browser without a session is sent
// to the Entra sign-in; only tokens for this app registration are accepted. The routes that carry their own proof
// stay outside it: signed webhooks and events, signed answer/unsubscribe links, health, and the key-checked admin
// and Durable APIs (tools call them with a function key, not a browser session).
resource authSettings 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(dashboardClientId)) {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: [
        '/api/webhooks'
        '/api/events'
        '/api/r'
        '/api/u'
        '/api/health'
        '/api/admin'
        '/api/dev'
        '/runtime/webhooks'
      ]
    }
    httpSettings: {
      requireHttps: true
      forwardProxy: {
        convention: 'NoProxy'
      }
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: dashboardClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${dashboardClientId}'
            dashboardClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
      cookieExpiration: {
        convention: 'FixedTime'
        timeToExpiration: '08:00:00'
      }
    }
  }
}

@description('Host name of the app, such as func-abc.azurewebsites.net.')
output defaultHostName string = app.properties.defaultHostName
