// ReferralIntake in Azure: one resource group holding storage (queues and report blobs), a Linux
// Function App on the Flex Consumption plan running the isolated worker (.NET 10), its managed identity,
// Key Vault for secrets, Log Analytics with Application Insights, and alerts.
// Deploy: see docs/operations.md, "Deploying to Azure" (what-if first). Every test run compiles this file and
// each .bicepparam with the pinned Bicep CLI and the linter rules of bicepconfig.json, and checks the
// compiled ARM JSON (tests/ReferralIntake.Functions.Tests/Infra).
targetScope = 'resourceGroup'

@description('Short environment name, used in resource names: dev, prod.')
@maxLength(8)
param environmentName string

@description('Azure region. UK South keeps reports in the UK.')
param location string = resourceGroup().location

@description('Partner apps: id and rate. Each partner key\'s SHA-256 goes into Key Vault as secret "partner-{id}-key-sha256".')
param partners array = []

@description('Forces (and "ceop") that use the force API (acknowledgement): their ids. Each force key\'s SHA-256 goes into Key Vault as secret "force-{id}-key-sha256".')
param forceApiUsers array = []

@description('Force (or "ceop", "default") destinations: id and HTTPS url, or id and pull: true for a force that collects its referrals through the force API; forceView: false for a webhook force that does not use the force view (no copy kept). Each signing secret goes into Key Vault as "destination-{id}-secret".')
param destinations array = []

@description('Entra ID app registration (client id) that signs force staff in to the force view; empty for none (force keys only). Its client secret goes into Key Vault as "entra-client-secret"; staff get the app role Force.{forceId}.')
param entraClientId string = ''

@description('Days a delivered referral is kept before deletion.')
@minValue(7)
param retentionDays int = 90

@description('Where alerts are emailed.')
param alertEmail string

@description('Azure Front Door with a WAF in front of the app, the only way in (leave out only for a dev deployment).')
param frontDoor bool = true

@description('Largest number of instances the app may scale to.')
param maximumInstanceCount int = 40

@description('Instances of the HTTP functions kept warm at all times (Flex Consumption always ready), so a parent at midnight never waits for a cold start; 0 turns it off (a dev deployment, to save its cost).')
@minValue(0)
param alwaysReadyHttpInstances int = 1

var suffix = uniqueString(resourceGroup().id, environmentName)
var names = {
  identity: 'id-referralintake-${environmentName}'
  storage: take('stri${environmentName}${suffix}', 24)
  keyVault: take('kv-ri-${environmentName}-${suffix}', 24)
  workspace: 'log-referralintake-${environmentName}'
  insights: 'appi-referralintake-${environmentName}'
  plan: 'plan-referralintake-${environmentName}'
  app: 'func-referralintake-${environmentName}-${suffix}'
  vnet: 'vnet-referralintake-${environmentName}'
  frontDoor: 'afd-referralintake-${environmentName}-${suffix}'
}

// The names the app reads (see functions/ReferralIntake.Functions/Hosting/AppSettings.cs).
var queueName = 'referrals'
var urgentQueueName = 'referrals-urgent'
var deliveryQueueName = 'deliveries'
var containerName = 'referrals'

// Known before deployment (unlike the principal id), so role assignment names stay stable for what-if.
var identityResourceId = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', names.identity)

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: { name: names.identity, location: location }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: names.workspace
    insightsName: names.insights
    location: location
    identityResourceId: identityResourceId
    identityPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    queueNames: [ queueName, urgentQueueName, deliveryQueueName ]
    containerName: containerName
    retentionDays: retentionDays
    identityResourceId: identityResourceId
    identityPrincipalId: identity.outputs.principalId
    workspaceId: monitoring.outputs.workspaceId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    identityResourceId: identityResourceId
    identityPrincipalId: identity.outputs.principalId
    workspaceId: monitoring.outputs.workspaceId
  }
}

// The private network: storage (blob, queue) and Key Vault only through private endpoints in it.
var privateEndpoints = [
  { kind: 'blob', zone: 'privatelink.blob.${environment().suffixes.storage}' }
  { kind: 'queue', zone: 'privatelink.queue.${environment().suffixes.storage}' }
  { kind: 'vault', zone: 'privatelink.vaultcore.azure.net' }
]

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    name: names.vnet
    location: location
    privateDnsZoneNames: [for e in privateEndpoints: e.zone]
  }
}

module endpoints 'modules/privateendpoint.bicep' = [for (e, i) in privateEndpoints: {
  name: 'pe-${e.kind}'
  params: {
    name: 'pe-referralintake-${environmentName}-${e.kind}'
    location: location
    subnetId: network.outputs.privateEndpointSubnetId
    serviceId: e.kind == 'vault' ? keyVault.outputs.id : storage.outputs.id
    groupId: e.kind
    privateDnsZoneId: network.outputs.zoneIds[i]
  }
}]

module app 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    appName: names.app
    planName: names.plan
    location: location
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    queueName: queueName
    urgentQueueName: urgentQueueName
    deliveryQueueName: deliveryQueueName
    containerName: containerName
    retentionDays: retentionDays
    keyVaultName: keyVault.outputs.name
    insightsConnectionString: monitoring.outputs.insightsConnectionString
    partners: partners
    forceApiUsers: forceApiUsers
    destinations: destinations
    entraClientId: entraClientId
    subnetId: network.outputs.appSubnetId
    frontDoor: frontDoor
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
  }
}

module edge 'modules/frontdoor.bicep' = if (frontDoor) {
  name: 'frontdoor'
  params: {
    name: names.frontDoor
    appHostName: app.outputs.hostName
  }
}

module edgeOnly 'modules/frontdoor-access.bicep' = if (frontDoor) {
  name: 'frontdoor-access'
  params: {
    appName: names.app
    frontDoorId: edge!.outputs.frontDoorId
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    environmentName: environmentName
    alertEmail: alertEmail
    workspaceId: monitoring.outputs.workspaceId
    insightsId: monitoring.outputs.insightsId
    poisonQueueNames: [ '${queueName}-poison', '${urgentQueueName}-poison', '${deliveryQueueName}-poison' ]
  }
}

output functionAppName string = app.outputs.name
output functionAppUrl string = app.outputs.url
output keyVaultName string = keyVault.outputs.name
output storageAccountName string = storage.outputs.name
