using 'main.bicep'

param environmentName = 'prod'
param location = 'uksouth'
param alertEmail = 'referralintake-oncall@example.org'
param retentionDays = 90
param maximumInstanceCount = 40
param alwaysReadyHttpInstances = 1 // a parent at midnight never meets a cold start
param partners = []
// One entry per force (forceId from police-forces.csv), plus "ceop". Their secrets go into Key Vault.
param destinations = []
