// Event Grid system topic on Communication Services, and the subscription that delivers inbound SMS and delivery
// reports to the app's /api/events/acs webhook.

import { tagsType } from 'types.bicep'

@description('System topic name.')
param name string

@description('Tags for the topic.')
param tags tagsType

@description('Communication Services resource whose events are published.')
param communicationServiceName string

@description('User-assigned identity Event Grid uses to write dead letters.')
param identityName string

@description('Storage account for events that could not be delivered.')
param storageAccountName string

@description('Blob container for events that could not be delivered.')
param deadLetterContainerName string

@secure()
@description('The app webhook, https://{host}/api/events/acs?secret={Px__EventGridSecret}; secure as it carries the secret.')
param webhookUrl string

// Event Grid validates a webhook when the subscription is created (the endpoint must answer the validation
// handshake), so the subscription can only be made once the app is deployed and serves /api/events/acs.
@description('Create the webhook subscription. Set true after the first `azd up` (README: Deploy).')
param createSubscription bool

resource communicationService 'Microsoft.Communication/communicationServices@2026-03-18' existing = {
  name: communicationServiceName
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: 'global'
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    source: communicationService.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource appSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (createSubscription) {
  parent: topic
  name: 'px-functions'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookUrl
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.SMSReceived'
        'Microsoft.Communication.SMSDeliveryReportReceived'
        'Microsoft.Communication.EmailDeliveryReportReceived'
        'Microsoft.Communication.AdvancedMessageReceived'
        'Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated'
      ]
    }
    // Event Grid retries for a day; what still fails is kept, not dropped (the app identity may write blobs).
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: identity.id
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storageAccount.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}
