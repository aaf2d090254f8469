import { formatNumber, metricName } from '../outputs/format'
import type { TemplateCard } from '../api/types'

/** Task types as a beginner reads them, in the gallery's filter order. */
export const TASK_TYPE_LABELS: Record<string, string> = {
  binary: 'Two-class classification',
  multiclass: 'Multiclass classification',
  regression: 'Regression',
  clustering: 'Clustering',
  anomaly_detection: 'Anomaly detection',
  recommendation: 'Recommendation',
  text: 'Text analytics',
}

export function taskTypeLabel(taskType: string): string {
  return TASK_TYPE_LABELS[taskType] ?? taskType.replaceAll('_', ' ')
}

export function difficultyLabel(difficulty: string): string {
  return difficulty.charAt(0).toUpperCase() + difficulty.slice(1)
}

/** "Overall Accuracy 0.98 (higher is better)" */
export function keyMetricText(metric: TemplateCard['key_metric']): string {
  const value = typeof metric.value === 'number' ? formatNumber(metric.value) : String(metric.value)
  return `${metricName(metric.name)} ${value}`
}
