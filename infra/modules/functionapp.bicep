// The function app: Linux, Flex Consumption (FC1), running the custom handler (runtime "custom";
// host.json names the executable). HTTPS only, TLS 1.2, FTP and basic publishing credentials off.
// Storage is reached with the user-assigned identity (no connection string, no keys); secrets are
// Key Vault references resolved with the same identity.
// API versions: Microsoft.Web/serverfarms@2025-03-01, Microsoft.Web/sites@2025-03-01 (and its
// config and basicPublishingCredentialsPolicies).
param appName string
param planName string
param location string
param identityId string
param identityClientId string
param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param deploymentContainerName string
param queueName string
param urgentQueueName string
param deliveryQueueName string
param containerName string
param retentionDays int
param keyVaultName string
param insightsConnectionString string
param partners array
param forceApiUsers array
param destinations array
param maximumInstanceCount int

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      // FUNCTIONS_WORKER_RUNTIME = Custom: on Flex Consumption it is set here, not as an app setting.
      runtime: { name: 'custom', version: '1.0' }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
    }
  }
}

resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

var secret = 'VaultName=${keyVaultName};SecretName='
var baseSettings = {
  // Identity-based storage: the host's convention, which the app's StorageClients follows too.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  ReferralQueueName: queueName
  UrgentReferralQueueName: urgentQueueName
  DeliveryQueueName: deliveryQueueName
  ReferralContainerName: containerName
  Retention__Days: string(retentionDays)
  Admin__KeySha256: '@Microsoft.KeyVault(${secret}admin-key-sha256)'
  APPLICATIONINSIGHTS_CONNECTION_STRING: insightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}
var partnerSettings = union(
  toObject(partners, p => 'Partners__${p.id}__KeySha256', p => '@Microsoft.KeyVault(${secret}partner-${p.id}-key-sha256)'),
  toObject(partners, p => 'Partners__${p.id}__RequestsPerMinute', p => string(p.requestsPerMinute)))
var forceSettings = toObject(forceApiUsers, f => 'Forces__${f}__KeySha256', f => '@Microsoft.KeyVault(${secret}force-${f}-key-sha256)')
var destinationSettings = union(
  toObject(destinations, d => 'Destinations__${d.id}__Url', d => d.url),
  toObject(destinations, d => 'Destinations__${d.id}__Secret', d => '@Microsoft.KeyVault(${secret}destination-${d.id}-secret)'))

resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: union(baseSettings, partnerSettings, forceSettings, destinationSettings)
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
output storageAccountName string = storageAccountName
