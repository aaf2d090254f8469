/** Numbers and cells as people read them: a few significant digits, missing values spelled out. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US')
  const magnitude = Math.abs(value)
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e9)) return value.toExponential(3)
  return Number(value.toPrecision(5)).toString()
}

export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** Metric keys like "F1_Score" or "Quantile_Loss:0.5" as words. */
export function metricName(key: string): string {
  return key.replaceAll('_', ' ')
}
