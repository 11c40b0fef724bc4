// Key Vault in RBAC mode holding the app's secrets; the app reads them through Key Vault references.

import { tagsType } from 'types.bicep'

@description('Key Vault name: 3-24 letters, digits and hyphens.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags for the vault.')
param tags tagsType

@secure()
@description('Secrets to store, by secret name.')
param secrets {
  *: string
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
  }
}

resource secretValues 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = [
  for secret in items(secrets): {
    parent: vault
    name: secret.key
    properties: {
      value: secret.value
    }
  }
]
