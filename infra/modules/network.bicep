// The private network: storage and Key Vault are reached only through private endpoints in it, and
// the function app sends all its outbound traffic through it (VNet integration). Nothing here is
// reachable from the internet.
// API versions: Microsoft.Network/virtualNetworks@2025-07-01, privateDnsZones@2024-06-01 (and their
// virtualNetworkLinks).
param name string
param location string
@description('Private DNS zones to create and link: one per private endpoint kind (blob, queue, Key Vault).')
param privateDnsZoneNames array

resource vnet 'Microsoft.Network/virtualNetworks@2025-07-01' = {
  name: name
  location: location
  properties: {
    addressSpace: { addressPrefixes: [ '10.40.0.0/16' ] }
    subnets: [
      {
        // Flex Consumption's VNet integration: a subnet delegated to Microsoft.App/environments.
        name: 'app'
        properties: {
          addressPrefix: '10.40.1.0/24'
          delegations: [ { name: 'flex', properties: { serviceName: 'Microsoft.App/environments' } } ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: '10.40.2.0/24'
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for zone in privateDnsZoneNames: {
  name: zone
  location: 'global'
}]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (zone, i) in privateDnsZoneNames: {
  parent: zones[i]
  name: '${name}-link'
  location: 'global'
  properties: {
    virtualNetwork: { id: vnet.id }
    registrationEnabled: false
  }
}]

output appSubnetId string = vnet.properties.subnets[0].id
output privateEndpointSubnetId string = vnet.properties.subnets[1].id
output zoneIds array = [for (zone, i) in privateDnsZoneNames: zones[i].id]
