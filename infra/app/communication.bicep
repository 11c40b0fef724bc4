// Azure Communication Services for SMS, and an Email Communication Service with an Azure-managed domain linked
// to it. The app calls the data plane with its managed identity, so local (access key) auth is off.

import { tagsType } from 'types.bicep'

@description('Communication Services resource name.')
param communicationServiceName string

@description('Email Communication Service name.')
param emailServiceName string

@description('Geography where both resources keep data at rest, such as "United States" or "Europe".')
param dataLocation string

@description('Tags for the resources.')
param tags tagsType

resource emailService 'Microsoft.Communication/emailServices@2026-03-18' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// Sends from DoNotReply@<generated>.azurecomm.net. A custom domain needs DNS records and verification, so it is
// added by hand later (README: Deploy) and linked the same way.
resource managedDomain 'Microsoft.Communication/emailServices/domains@2026-03-18' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2026-03-18' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      managedDomain.id
    ]
    disableLocalAuth: true
  }
}

@description('Data-plane endpoint of Communication Services (Entra ID auth).')
output endpoint string = 'https://${communicationService.properties.hostName}'

@description('Sender address on the Azure-managed email domain.')
output emailFrom string = 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'
