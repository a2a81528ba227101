using 'main.bicep'

param environmentName = 'dev'
param location = 'uksouth'
param alertEmail = 'referralintake-dev-alerts@example.org'
param retentionDays = 30
param maximumInstanceCount = 10
// No warm instance in dev (its cost); production keeps one for the HTTP functions (the default).
param alwaysReadyHttpInstances = 0
// A dev deployment goes without Front Door (its cost); production has it.
param frontDoor = false
param partners = [
  { id: 'test-partner', requestsPerMinute: 60 }
]
// Without destinations every referral fails delivery in Azure (the local inbox exists only locally):
// point "default" at a test receiver in dev.
param forceApiUsers = [ 'west-mercia', 'warwickshire' ]
param destinations = [
  { id: 'default', url: 'https://referral-receiver.dev.example.org/referrals' }
  { id: 'warwickshire', pull: true } // collects its referrals through the force API
  { id: 'staffordshire', url: 'https://referral-receiver.dev.example.org/staffordshire', forceView: false } // webhooks into its own systems only
]
