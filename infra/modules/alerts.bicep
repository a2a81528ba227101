// Alerts, emailed: a message in the poison queue (from the queue's operation logs), and a rising
// failure rate of function invocations (from Application Insights, which the Functions host feeds).
// API versions: Microsoft.Insights/actionGroups@2023-01-01, Microsoft.Insights/scheduledQueryRules@2026-03-01.
param location string
param environmentName string
param alertEmail string
param workspaceId string
param insightsId string
param poisonQueueName string

resource team 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-referralintake-${environmentName}'
  location: 'global'
  properties: {
    groupShortName: 'refintake'
    enabled: true
    emailReceivers: [ { name: 'on-call', emailAddress: alertEmail, useCommonAlertSchema: true } ]
  }
}

resource poison 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'alert-referralintake-${environmentName}-poison'
  location: location
  properties: {
    displayName: 'A referral reached the poison queue'
    description: 'A referral failed 5 times and is waiting in ${poisonQueueName}. List and replay it: README, "Poison replay".'
    severity: 1
    enabled: true
    scopes: [ workspaceId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'StorageQueueLogs | where OperationName == "PutMessage" and Uri has "/${poisonQueueName}/messages"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ team.id ] }
  }
}

resource failureRate 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'alert-referralintake-${environmentName}-failure-rate'
  location: location
  properties: {
    displayName: 'Function failure rate above 10%'
    description: 'More than 10% of invocations failed over 15 minutes (at least 20 invocations).'
    severity: 2
    enabled: true
    scopes: [ insightsId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | summarize total = count(), failed = countif(success == false) | where total >= 20 | extend rate = todouble(failed) / total | where rate > 0.1'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ team.id ] }
  }
}
