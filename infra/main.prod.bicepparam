using 'main.bicep'

param environmentName = 'prod'
param location = 'uksouth'
param alertEmail = 'referralintake-oncall@example.org'
param retentionDays = 90
param maximumInstanceCount = 40
param partners = []
// One entry per force (forceId from police-forces.csv), plus "ceop". Their secrets go into Key Vault.
param destinations = []
