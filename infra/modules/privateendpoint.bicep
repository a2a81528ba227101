// One private endpoint, with its DNS record in the private zone, for one sub-resource of a service.
// API version: Microsoft.Network/privateEndpoints@2025-07-01 (and privateDnsZoneGroups).
param name string
param location string
param subnetId string
param serviceId string
@description('blob, queue or vault.')
param groupId string
param privateDnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2025-07-01' = {
  name: name
  location: location
  properties: {
    subnet: { id: subnetId }
    privateLinkServiceConnections: [
      {
        name: name
        properties: { privateLinkServiceId: serviceId, groupIds: [ groupId ] }
      }
    ]
  }
}

resource dns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-07-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [ { name: groupId, properties: { privateDnsZoneId: privateDnsZoneId } } ]
  }
}
