// The function app: Linux, Flex Consumption (FC1), an isolated worker on .NET 10 (runtime
// "dotnet-isolated" 10.0), deployed as the ReadyToRun publish folder (artifacts/worker). HTTP functions
// kept warm (always ready) when asked. HTTPS only, TLS 1.2, FTP and basic publishing credentials off.
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
param entraClientId string
@description('The subnet (delegated to Microsoft.App/environments) the app sends all its outbound traffic through.')
param subnetId string
@description('Whether Azure Front Door is in front: then the client\'s address is its X-Azure-ClientIP.')
param frontDoor bool
param maximumInstanceCount int
@description('Instances kept warm for the HTTP trigger group ("http"); 0: none.')
param alwaysReadyHttpInstances int

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
    // Storage and Key Vault are reachable only through their private endpoints in this network.
    virtualNetworkSubnetId: subnetId
    siteConfig: {
      vnetRouteAllEnabled: true
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
      // FUNCTIONS_WORKER_RUNTIME = dotnet-isolated: on Flex Consumption it is set here, not as an app setting.
      runtime: { name: 'dotnet-isolated', version: '10.0' }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
        // The HTTP functions scale together as the "http" group; the queue and timer functions each on their own.
        alwaysReady: alwaysReadyHttpInstances > 0 ? [ { name: 'http', instanceCount: alwaysReadyHttpInstances } ] : []
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
  // Linked reports: the link index's HMAC key, a random secret of 32+ characters put in Key Vault by the operators.
  Links__Key: '@Microsoft.KeyVault(${secret}link-index-key)'
  APPLICATIONINSIGHTS_CONNECTION_STRING: insightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}
var partnerSettings = union(
  toObject(partners, p => 'Partners__${p.id}__KeySha256', p => '@Microsoft.KeyVault(${secret}partner-${p.id}-key-sha256)'),
  toObject(partners, p => 'Partners__${p.id}__RequestsPerMinute', p => string(p.requestsPerMinute)))
var forceSettings = toObject(forceApiUsers, f => 'Forces__${f}__KeySha256', f => '@Microsoft.KeyVault(${secret}force-${f}-key-sha256)')
var destinationSettings = union(
  toObject(filter(destinations, d => !(d.?pull ?? false)), d => 'Destinations__${d.id}__Url', d => d.url),
  toObject(filter(destinations, d => d.?pull ?? false), d => 'Destinations__${d.id}__Pull', d => 'true'),
  toObject(filter(destinations, d => !(d.?forceView ?? true)), d => 'Destinations__${d.id}__ForceView', d => 'false'),
  toObject(destinations, d => 'Destinations__${d.id}__Secret', d => '@Microsoft.KeyVault(${secret}destination-${d.id}-secret)'))
// The force view behind Entra ID: the app trusts the platform's principal header only with this on.
var edgeSettings = frontDoor ? { Edge__ClientIpHeader: 'X-Azure-ClientIP' } : {}
var forceViewSettings = empty(entraClientId) ? {} : {
  EntraId__Enabled: 'true'
  MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: '@Microsoft.KeyVault(${secret}entra-client-secret)'
}

resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: union(baseSettings, partnerSettings, forceSettings, destinationSettings, forceViewSettings, edgeSettings)
}

// App Service Authentication with Entra ID, for the force view only: anonymous requests still reach
// the app (partners and forces call the API with keys; parents use the form), which sends a person
// without a session to /.auth/login/aad from the force view's sign-in page.
resource auth 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(entraClientId)) {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          clientSecretSettingName: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET'
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: { allowedAudiences: [ 'api://${entraClientId}' ] }
      }
    }
    login: {
      tokenStore: { enabled: false } // the app needs who, not their tokens
      cookieExpiration: { convention: 'FixedTime', timeToExpiration: '08:00:00' } // a shift, as the key sign-in
    }
  }
}

output name string = app.name
output hostName string = app.properties.defaultHostName
output url string = 'https://${app.properties.defaultHostName}'
output storageAccountName string = storageAccountName
