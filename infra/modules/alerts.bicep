// Alerts, emailed: a message in a poison queue (from the queue's operation logs); a rising failure
// rate of function invocations (from Application Insights, which the Functions host feeds); and the
// hand-off's own metrics (the app's OpenTelemetry, exported to Application Insights): a P1 not with
// its force within 5 minutes, any escalation, any route given up as undeliverable, a force down for
// 10 minutes. Each description names its section of the runbook in docs/operations.md (tested).
// API versions: Microsoft.Insights/actionGroups@2023-01-01, Microsoft.Insights/scheduledQueryRules@2026-03-01.
param location string
param environmentName string
param alertEmail string
param workspaceId string
param insightsId string
@description('Every poison queue: a message in one is a referral the service itself could not process.')
param poisonQueueNames array

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
    description: 'A message failed 5 times and is waiting in a poison queue (${join(poisonQueueNames, ', ')}): the service could not process it (a force being down never puts one there). What to do: docs/operations.md, "A referral reached the poison queue".'
    severity: 1
    enabled: true
    scopes: [ workspaceId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'StorageQueueLogs | where OperationName == "PutMessage" | where ${join(map(poisonQueueNames, q => 'Uri has "/${q}/messages"'), ' or ')}'
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
    description: 'More than 10% of invocations failed over 15 minutes (at least 20 invocations). What to do: docs/operations.md, "Function failure rate above 10%".'
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

// The hand-off (TRIAGE.md): the app's metrics in Application Insights (customMetrics).
var handOffAlerts = [
  {
    name: 'oldest-p1'
    displayName: 'A P1 referral is not with its force after 5 minutes'
    description: 'The oldest P1 referral not yet delivered to its force or CEOP is older than 5 minutes. What to do: docs/operations.md, "A P1 referral is not with its force after 5 minutes".'
    severity: 0
    window: 'PT5M'
    query: 'customMetrics | where name == "referrals.oldest_undelivered_p1" | summarize oldest = max(value) | where oldest > 300'
  }
  {
    name: 'escalations'
    displayName: 'A referral was escalated'
    description: 'A referral was not with its force within its deadline: CEOP was sent it too, or (P3) operations are asked to look. What to do: docs/operations.md, "A referral was escalated".'
    severity: 1
    window: 'PT5M'
    query: 'customMetrics | where name == "referrals.escalations" | summarize total = sum(valueSum) | where total > 0'
  }
  {
    name: 'undeliverable'
    displayName: 'A route was given up as undeliverable'
    description: 'A force could not be reached for the whole retry window (72 hours): CEOP was sent the referral instead. What to do: docs/operations.md, "A route was given up as undeliverable".'
    severity: 1
    window: 'PT5M'
    query: 'customMetrics | where name == "referrals.undeliverable" | summarize total = sum(valueSum) | where total > 0'
  }
  {
    // Probes run only while a force fails (2 s after, doubling to 5 minutes): down probes spread over
    // 10 minutes within the last 30 mean the force has been down that long, and its referrals wait.
    name: 'force-down'
    displayName: 'A force endpoint has been down for 10 minutes'
    description: 'A force webhook has answered nothing but failures for 10 minutes: its referrals wait for it (P1s still go to CEOP at their deadline). What to do: docs/operations.md, "A force endpoint has been down for 10 minutes".'
    severity: 1
    window: 'PT30M'
    query: 'customMetrics | where name == "referrals.destination.probes" and tostring(customDimensions.outcome) == "down" | summarize since = min(timestamp), latest = max(timestamp) by destination = tostring(customDimensions.destination) | where latest - since >= 10m'
  }
]

resource handOff 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [for alert in handOffAlerts: {
  name: 'alert-referralintake-${environmentName}-${alert.name}'
  location: location
  properties: {
    displayName: alert.displayName
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [ insightsId ]
    evaluationFrequency: 'PT5M'
    windowSize: alert.window
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ team.id ] }
  }
}]
