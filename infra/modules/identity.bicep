// The app's user-assigned managed identity: the only principal that reaches storage and Key Vault.
// API version: Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30.
param name string
param location string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
