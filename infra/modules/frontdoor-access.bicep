// The function app admits only requests that came through this deployment's Front Door: the
// AzureFrontDoor.Backend service tag, with this profile's id in X-Azure-FDID. Everything else is 403.
// API version: Microsoft.Web/sites/config@2025-03-01.
param appName string
param frontDoorId string

resource app 'Microsoft.Web/sites@2025-03-01' existing = {
  name: appName
}

resource web 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'web'
  properties: {
    ipSecurityRestrictionsDefaultAction: 'Deny'
    ipSecurityRestrictions: [
      {
        name: 'front-door-only'
        action: 'Allow'
        priority: 100
        tag: 'ServiceTag'
        ipAddress: 'AzureFrontDoor.Backend'
        headers: { 'x-azure-fdid': [ frontDoorId ] }
      }
    ]
  }
}
