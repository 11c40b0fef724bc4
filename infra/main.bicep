// PX Functions in one resource group: the Flex Consumption function app (.NET 10 isolated worker with Durable Functions) and everything it uses,
// keyless and least-privilege. Deployed with `azd up`; see infra/README.md.

targetScope = 'resourceGroup'

import { secretNamesType } from 'app/types.bicep'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; part of every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Azure region of the function app, storage, Key Vault and monitoring. Flex Consumption must be offered there.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Geography where Communication Services and Email keep data at rest, such as "United States" or "Europe".')
param communicationDataLocation string = 'United States'

@description('E.164 number SMS are sent from, bought on the Communication Services resource after the first deploy; empty until then.')
param smsFromNumber string = ''

@description('WhatsApp channel registration id (a GUID) of the Communication Services resource, once a WhatsApp Business account is connected in the portal; empty: no WhatsApp.')
param whatsAppChannelId string = ''

@description('Most Flex Consumption instances the app may scale out to: bounds cost and the load on storage.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each Flex Consumption instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Application (client) id of the Entra ID app registration for the dashboard (App Service Authentication); empty leaves it off.')
param dashboardClientId string = ''

// Event Grid checks a webhook when the subscription is created, so the app must be deployed first.
@description('Create the Event Grid subscription that delivers inbound SMS and delivery reports to the app. Set true after the first deploy.')
param enableAcsEvents bool = false

@secure()
@minLength(16)
@description('Admin API key for the app when it runs standalone (in Azure the Functions host checks function keys). azd generates it.')
@metadata({ azd: { type: 'generate', config: { length: 40, noSpecial: true } } })
param adminKey string

@secure()
@minLength(32)
@description('Key that signs the one-click answer links in emails. azd generates it; changing it voids links already sent.')
@metadata({ azd: { type: 'generate', config: { length: 48, noSpecial: true } } })
param answerLinkKey string

@secure()
@minLength(32)
@description('Shared secret Event Grid puts in the webhook URL so the app can tell its deliveries apart. azd generates it.')
@metadata({ azd: { type: 'generate', config: { length: 40, noSpecial: true } } })
param eventGridSecret string

@secure()
@minLength(32)
@description('Key of the keyed hash (HMAC) naming phone numbers and emails in the consent ledger. azd generates it; changing it forgets every opt-out.')
@metadata({ azd: { type: 'generate', config: { length: 48, noSpecial: true } } })
param privacyHashKey string

@secure()
@minLength(1)
@description('Shopify webhook signing secret(s): the app client secret, or during a rotation the old and new, comma-separated.')
param shopifyWebhookSecrets string

@secure()
@minLength(1)
@description('WooCommerce webhook secret(s), as entered in WooCommerce > Settings > Advanced > Webhooks; comma-separated during a rotation.')
param wooCommerceWebhookSecrets string

@secure()
@minLength(1)
@description('Secret(s) the generic order webhook is signed with; comma-separated during a rotation.')
param ordersWebhookSecrets string

@description('Unique, stable suffix for names that must be globally unique.')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, location))

@description('Name prefixes, after the Azure naming abbreviations.')
var abbrs = {
  applicationInsights: 'appi-'
  communicationService: 'acs-'
  emailService: 'ecs-'
  eventGridSystemTopic: 'egst-'
  functionApp: 'func-'
  keyVault: 'kv-'
  logAnalytics: 'log-'
  managedIdentity: 'id-'
  plan: 'asp-'
  storageAccount: 'st'
}

@description('Every resource name, computed up front so what-if and role assignment names are known before deploying.')
var names = {
  applicationInsights: '${abbrs.applicationInsights}${resourceToken}'
  communicationService: '${abbrs.communicationService}${resourceToken}'
  emailService: '${abbrs.emailService}${resourceToken}'
  eventGridSystemTopic: '${abbrs.eventGridSystemTopic}${resourceToken}'
  functionApp: '${abbrs.functionApp}${resourceToken}'
  keyVault: '${abbrs.keyVault}${resourceToken}'
  logAnalytics: '${abbrs.logAnalytics}${resourceToken}'
  managedIdentity: '${abbrs.managedIdentity}${resourceToken}'
  plan: '${abbrs.plan}${resourceToken}'
  storageAccount: '${abbrs.storageAccount}${resourceToken}'
  deploymentContainer: 'app-package'
  deadLetterContainer: 'acs-events-deadletter'
}

@description('Service name in azure.yaml; azd deploys to the resource tagged with it.')
var serviceName = 'px-functions'

@description('Tags on every resource.')
var tags = { 'azd-env-name': environmentName }

@description('Key Vault secret names, shared by the vault and the app settings that reference them.')
var secretNames secretNamesType = {
  adminKey: 'px-admin-key'
  shopifyWebhookSecrets: 'shopify-webhook-secrets'
  wooCommerceWebhookSecrets: 'woocommerce-webhook-secrets'
  ordersWebhookSecrets: 'orders-webhook-secrets'
  answerLinkKey: 'px-answer-link-key'
  eventGridSecret: 'px-event-grid-secret'
  privacyHashKey: 'px-privacy-hash-key'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.managedIdentity
  location: location
  tags: tags
}

module storage 'app/storage.bicep' = {
  params: {
    name: names.storageAccount
    location: location
    tags: tags
    containerNames: [names.deploymentContainer, names.deadLetterContainer]
  }
}

module monitoring 'app/monitoring.bicep' = {
  params: {
    workspaceName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module keyVault 'app/key-vault.bicep' = {
  params: {
    name: names.keyVault
    location: location
    tags: tags
    secrets: {
      '${secretNames.adminKey}': adminKey
      '${secretNames.shopifyWebhookSecrets}': shopifyWebhookSecrets
      '${secretNames.wooCommerceWebhookSecrets}': wooCommerceWebhookSecrets
      '${secretNames.ordersWebhookSecrets}': ordersWebhookSecrets
      '${secretNames.answerLinkKey}': answerLinkKey
      '${secretNames.eventGridSecret}': eventGridSecret
      '${secretNames.privacyHashKey}': privacyHashKey
    }
  }
}

module communication 'app/communication.bicep' = {
  params: {
    communicationServiceName: names.communicationService
    emailServiceName: names.emailService
    dataLocation: communicationDataLocation
    tags: tags
  }
}

module access 'app/access.bicep' = {
  params: {
    identityName: identity.name
    storageAccountName: names.storageAccount
    keyVaultName: names.keyVault
    applicationInsightsName: names.applicationInsights
    communicationServiceName: names.communicationService
  }
  dependsOn: [storage, keyVault, monitoring, communication]
}

module functionApp 'app/function-app.bicep' = {
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    serviceName: serviceName
    identityName: identity.name
    storageAccountName: names.storageAccount
    deploymentContainerName: names.deploymentContainer
    applicationInsightsName: names.applicationInsights
    keyVaultName: names.keyVault
    secretNames: secretNames
    acsEndpoint: communication.outputs.endpoint
    smsFrom: smsFromNumber
    whatsAppChannelId: whatsAppChannelId
    emailFrom: communication.outputs.emailFrom
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    dashboardClientId: dashboardClientId
  }
  // The identity must hold its roles before the app first resolves Key Vault references and opens storage.
  dependsOn: [access]
}

module acsEvents 'app/acs-events.bicep' = {
  params: {
    name: names.eventGridSystemTopic
    tags: tags
    communicationServiceName: names.communicationService
    identityName: identity.name
    storageAccountName: names.storageAccount
    deadLetterContainerName: names.deadLetterContainer
    webhookUrl: 'https://${functionApp.outputs.defaultHostName}/api/events/acs?secret=${eventGridSecret}'
    createSubscription: enableAcsEvents
  }
  dependsOn: [access]
}

@description('Base URL of the app.')
output PX_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'

@description('Paste into Shopify (Settings > Notifications > Webhooks, or the app webhook subscriptions).')
output PX_SHOPIFY_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/shopify'

@description('Paste into WooCommerce > Settings > Advanced > Webhooks as the delivery URL.')
output PX_WOOCOMMERCE_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/woocommerce'

@description('URL of the generic signed order webhook.')
output PX_ORDERS_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/orders'

@description('Communication Services endpoint the app sends SMS and email through.')
output PX_ACS_ENDPOINT string = communication.outputs.endpoint

@description('Email sender address on the Azure-managed domain.')
output PX_EMAIL_FROM string = communication.outputs.emailFrom

@description('Name of the function app.')
output AZURE_FUNCTION_APP_NAME string = names.functionApp

@description('Name of the Key Vault that holds the app secrets.')
output AZURE_KEY_VAULT_NAME string = names.keyVault

@description('Name of the Communication Services resource (buy the SMS number on it).')
output AZURE_COMMUNICATION_SERVICE_NAME string = names.communicationService
