// The storage account: the app's queues (referrals, the urgent lane, deliveries) each with its poison queue, the report container, and the
// container Flex Consumption deploys from. No public network access (private endpoints only, see
// main.bicep), no public blob access, TLS 1.2 minimum, shared-key access disabled (identity only),
// HTTPS only. Every blob read, write and delete is logged to Log Analytics: who read a child's report
// can be seen. The app's identity has data roles on the containers and queues it uses, not on the
// account. A lifecycle rule deletes referral blobs as a backstop behind the app's own, status-aware
// retention sweep; it leaves the record of each erasure alone.
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
    publicNetworkAccess: 'Disabled'
    networkAcls: { defaultAction: 'Deny', bypass: 'None' }
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

// Kept apart from the reports, each with its own role: the public pages' feedback, and the statistics' aggregate (counts only).
resource feedbackContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobs
  name: '${containerName}-feedback'
  properties: { publicAccess: 'None' }
}

resource statisticsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobs
  name: '${containerName}-statistics'
  properties: { publicAccess: 'None' }
}

// The hand-off's per-destination records: each force's health and the routes waiting for it (names only, no report).
resource handoffContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobs
  name: '${containerName}-handoff'
  properties: { publicAccess: 'None' }
}

resource deployment 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobs
  name: 'app-package'
  properties: { publicAccess: 'None' }
}

// The Functions host's own containers (leases, the timer's schedule, keys), made here so roles can be scoped to them.
resource hostContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [for container in [ 'azure-webjobs-hosts', 'azure-webjobs-secrets' ]: {
  parent: blobs
  name: container
  properties: { publicAccess: 'None' }
}]

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
              // Referrals (RI-…/), forces' lists and idempotency records; not erasures/ (the record of
              // each erasure is kept) nor dataprotection/ (the form's anti-forgery keys).
              prefixMatch: [ '${containerName}/RI-', '${containerName}/force-inbox/', '${containerName}/idempotency/' ]
            }
            actions: {
              baseBlob: {
                delete: { daysAfterModificationGreaterThan: retentionDays + 30 }
              }
            }
          }
        }
        {
          name: 'feedback-retention-backstop'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [ 'blockBlob' ]
              prefixMatch: [ '${containerName}-feedback/' ]
            }
            actions: {
              baseBlob: {
                // The app deletes feedback after 12 months (the privacy notice says so); this is the backstop.
                delete: { daysAfterModificationGreaterThan: 400 }
              }
            }
          }
        }
      ]
    }
  }
}

// The narrowest roles the Functions host and the app need, for the app's identity, each on the
// container or queue it is for, never the account: Storage Blob Data Owner on the host's own
// containers (the host requires it there for leases and keys), Storage Blob Data Contributor on the
// report container and the deployment package's, Storage Queue Data Contributor on each queue and
// its poison queue (send, receive, delete).
var blobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var queueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource hostContainerRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (container, i) in [ 'azure-webjobs-hosts', 'azure-webjobs-secrets' ]: {
  name: guid(account.id, container, identityResourceId, blobDataOwner)
  scope: hostContainers[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataOwner)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource reportsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, containerName, identityResourceId, blobDataContributor)
  scope: reports
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource feedbackRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, '${containerName}-feedback', identityResourceId, blobDataContributor)
  scope: feedbackContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource statisticsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, '${containerName}-statistics', identityResourceId, blobDataContributor)
  scope: statisticsContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource handoffRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, '${containerName}-handoff', identityResourceId, blobDataContributor)
  scope: handoffContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deploymentRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, 'app-package', identityResourceId, blobDataContributor)
  scope: deployment
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource queueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (name, i) in queueNames: {
  name: guid(account.id, name, identityResourceId, queueDataContributor)
  scope: appQueues[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', queueDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource poisonQueueRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (name, i) in queueNames: {
  name: guid(account.id, '${name}-poison', identityResourceId, queueDataContributor)
  scope: poisonQueues[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', queueDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

// Every blob read, write and delete, with the caller's identity: who read a child's report can be seen.
#disable-next-line use-recent-api-versions
resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'blob-access-logs'
  scope: blobs
  properties: {
    workspaceId: workspaceId
    logs: [
      { category: 'StorageRead', enabled: true }
      { category: 'StorageWrite', enabled: true }
      { category: 'StorageDelete', enabled: true }
    ]
  }
}

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
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output deploymentContainerName string = deployment.name
