// Key Vault for partner and force key hashes, force webhook secrets and the Entra ID client secret.
// RBAC only (no access policies), soft delete and purge protection on, no public network access (a
// private endpoint, see main.bicep), and every access logged to Log Analytics. Secrets are set by the operators, never
// from this repo: see docs/operations.md, "Deploying to Azure".
// API versions: Microsoft.KeyVault/vaults@2025-05-01, Microsoft.Authorization/roleAssignments@2022-04-01.
param name string
param location string
@description('The identity\'s resource id: known before deployment, so role assignment names are stable for what-if.')
param identityResourceId string
param identityPrincipalId string
param workspaceId string

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Disabled'
    networkAcls: { defaultAction: 'Deny', bypass: 'None' }
  }
}

// Who read or changed which secret, and when.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'vault-audit'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [ { category: 'AuditEvent', enabled: true } ]
  }
}

// Key Vault Secrets User: read secret values, nothing else.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityResourceId, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output id string = vault.id
