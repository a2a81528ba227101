// The storage account: the app's queues (referrals, the urgent lane, deliveries) each with its poison queue, the report container, and the
// container Flex Consumption deploys from. No public blob access, TLS 1.2 minimum, shared-key access
// disabled (identity only), HTTPS only. A lifecycle rule deletes report blobs as a backstop behind the
// app's own, status-aware retention sweep.
// API versions: Microsoft.Storage/storageAccounts@2025-06-01 (and its blobServices, queueServices,
// containers, queues, managementPolicies), Microsoft.Authorization/roleAssignments@2022-04-01,
// Microsoft.Insights/diagnosticSettings@2021-05-01-preview.
param name string
param location string
@description('Every queue the app uses; each gets its {name}-poison queue too.')
param queueNames array
param containerName string
param retentionDays int
@description('The identity\'s resource id: known before deployment, so role assignment names are stable for what-if.')
param identityResourceId string
param identityPrincipalId string
param workspaceId string

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: { enabled: true }
        queue: { enabled: true, keyType: 'Account' }
      }
    }
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource reports 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobs
  name: containerName
  properties: { publicAccess: 'None' }
}

resource deployment 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobs
  name: 'app-package'
  properties: { publicAccess: 'None' }
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource appQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [for name in queueNames: {
  parent: queues
  name: name
}]

resource poisonQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [for name in queueNames: {
  parent: queues
  name: '${name}-poison'
}]

// Backstop: blobs untouched for retention + 30 days go, whatever the app did.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'referrals-retention-backstop'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [ 'blockBlob', 'appendBlob' ]
              prefixMatch: [ '${containerName}/' ]
            }
            actions: {
              baseBlob: {
                delete: { daysAfterModificationGreaterThan: retentionDays + 30 }
              }
            }
          }
        }
      ]
    }
  }
}

// The narrowest roles the Functions host and the app need on this account, for the app's identity:
// Storage Blob Data Owner (the host requires it for AzureWebJobsStorage: leases, deployment package),
// Storage Queue Data Contributor (send, receive, delete; the host creates the poison queue if missing).
var roles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
]

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: {
  name: guid(account.id, identityResourceId, role)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

// Queue operation logs, so the poison-queue alert can see a message arrive.
// 2021-05-01-preview is the newest version of diagnostic settings Azure has; the linter's only other
// suggestion, 2016-09-01, is the old per-resource schema that cannot target a storage sub-service.
#disable-next-line use-recent-api-versions
resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'queue-logs'
  scope: queues
  properties: {
    workspaceId: workspaceId
    logs: [
      { category: 'StorageWrite', enabled: true }
      { category: 'StorageDelete', enabled: true }
    ]
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output deploymentContainerName string = deployment.name
