// Log Analytics and workspace-based Application Insights, with local (key) auth off: the app's
// identity publishes telemetry through Entra ID instead.
// API versions: Microsoft.OperationalInsights/workspaces@2025-07-01, Microsoft.Insights/components@2020-02-02,
// Microsoft.Authorization/roleAssignments@2022-04-01.
param workspaceName string
param insightsName string
param location string
@description('The identity\'s resource id: known before deployment, so role assignment names are stable for what-if.')
param identityResourceId string
param identityPrincipalId string

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: workspaceName
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 90
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: insightsName
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

// Monitoring Metrics Publisher, on Application Insights only.
resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identityResourceId, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output workspaceId string = workspace.id
output insightsId string = insights.id
output insightsConnectionString string = insights.properties.ConnectionString
