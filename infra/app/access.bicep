// Least-privilege access of the app's user-assigned identity: each role is granted on one resource, never on the
// resource group. Every grant the system needs is in this file.

@description('User-assigned identity the function app runs as.')
param identityName string

@description('The app storage account (runtime state, queues, tables, deployment package).')
param storageAccountName string

@description('The Key Vault holding the app secrets.')
param keyVaultName string

@description('The Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('The Communication Services resource the app sends SMS and email through.')
param communicationServiceName string

@description('Built-in role definition ids (the same in every tenant).')
var roles = {
  // The Functions host keeps keys, locks and the deployment package in blobs; Owner is what it documents.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Communication Services has no data-plane roles: Entra ID calls to the SMS and Email APIs are authorized
  // against control-plane permissions on the resource, and custom roles are not honoured for them. This
  // built-in role is the narrowest that works (its actions are limited to Microsoft.Communication resources,
  // unlike Contributor); it is assigned on this one resource only.
  communicationAndEmailServiceOwner: '09976791-48a7-449e-bb21-39d1a415f350'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource keyVault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource communicationService 'Microsoft.Communication/communicationServices@2026-03-18' existing = {
  name: communicationServiceName
}

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]: {
    name: guid(storageAccount.id, identity.id, roleId)
    scope: storageAccount
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource keyVaultAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in [roles.keyVaultSecretsUser]: {
    name: guid(keyVault.id, identity.id, roleId)
    scope: keyVault
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource telemetryAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in [roles.monitoringMetricsPublisher]: {
    name: guid(applicationInsights.id, identity.id, roleId)
    scope: applicationInsights
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource communicationAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in [roles.communicationAndEmailServiceOwner]: {
    name: guid(communicationService.id, identity.id, roleId)
    scope: communicationService
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]
