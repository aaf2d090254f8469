/**
 * Endpoint monitoring as charts: the metrics endpoint lists, per version, only the time buckets that
 * had requests; the charts need every bucket of the window on one axis (an idle minute is a zero,
 * not a gap the line jumps over), so the series are laid out on a full timeline first.
 */
import type { DriftFeature, EndpointMetrics, MetricsBucket } from '../api/types'
import type { ChartOption } from '../outputs/Chart'

export interface MonitoringWindow {
  label: string
  seconds: number
  bucket: number
}

export const MONITORING_WINDOWS: readonly MonitoringWindow[] = [
  { label: 'Last 15 minutes', seconds: 900, bucket: 15 },
  { label: 'Last hour', seconds: 3600, bucket: 60 },
  { label: 'Last 24 hours', seconds: 86_400, bucket: 900 },
  { label: 'Last 7 days', seconds: 604_800, bucket: 3600 },
]

export interface Timeline {
  /** Bucket start times, milliseconds since the epoch. */
  starts: number[]
  /** Version number (as text) → one bucket per start, or null where the version had no requests. */
  buckets: Record<string, (MetricsBucket | null)[]>
}

export function timeline(metrics: EndpointMetrics): Timeline {
  const step = metrics.bucket_seconds * 1000
  const since = Date.parse(metrics.since)
  const end = since + metrics.window_seconds * 1000
  const first = Math.floor(since / step) * step
  const starts: number[] = []
  for (let start = first; start <= end; start += step) starts.push(start)
  const index = new Map(starts.map((start, position) => [start, position]))
  const buckets: Timeline['buckets'] = {}
  for (const [version, data] of Object.entries(metrics.versions)) {
    const row: (MetricsBucket | null)[] = starts.map(() => null)
    for (const bucket of data.series) {
      const position = index.get(Math.floor(Date.parse(bucket.start) / step) * step)
      if (position !== undefined) row[position] = bucket
    }
    buckets[version] = row
  }
  return { starts, buckets }
}

function timeLabel(ms: number, bucketSeconds: number): string {
  const date = new Date(ms)
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: bucketSeconds < 60 ? '2-digit' : undefined })
  return bucketSeconds >= 3600 ? `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}` : time
}

/** Versions in number order; "none" (requests refused before a version was chosen) last. */
function versionKeys(line: Timeline): string[] {
  return Object.keys(line.buckets).sort((a, b) => (a === 'none' ? 1 : b === 'none' ? -1 : Number(a) - Number(b)))
}

const versionName = (key: string) => (key === 'none' ? 'no version' : `v${key}`)

export function requestsChartOption(metrics: EndpointMetrics, line = timeline(metrics)): ChartOption {
  const labels = line.starts.map((start) => timeLabel(start, metrics.bucket_seconds))
  const keys = versionKeys(line)
  const errors = line.starts.map((_, position) =>
    keys.reduce((sum, key) => sum + (line.buckets[key][position]?.errors ?? 0), 0),
  )
  return {
    grid: { left: 48, right: 16, top: 36, bottom: 48 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'category', data: labels, axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', name: 'Requests', minInterval: 1 },
    series: [
      ...keys.map((key) => ({
        type: 'bar',
        stack: 'requests',
        name: `Requests ${versionName(key)}`,
        data: line.buckets[key].map((bucket) => bucket?.requests ?? 0),
      })),
      { type: 'line', name: 'Errors', data: errors, symbol: 'none', lineStyle: { width: 2 }, color: '#d92d20' },
    ],
  }
}

const PERCENTILES = [
  ['p50_ms', 'p50'],
  ['p95_ms', 'p95'],
  ['p99_ms', 'p99'],
] as const

export function latencyChartOption(metrics: EndpointMetrics, line = timeline(metrics)): ChartOption {
  const labels = line.starts.map((start) => timeLabel(start, metrics.bucket_seconds))
  const keys = versionKeys(line).filter((key) => key !== 'none')
  const several = keys.length > 1
  return {
    grid: { left: 56, right: 16, top: 36, bottom: 48 },
    tooltip: { trigger: 'axis', valueFormatter: (value: unknown) => (typeof value === 'number' ? `${value.toFixed(2)} ms` : '—') },
    legend: { top: 0 },
    xAxis: { type: 'category', data: labels, axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', name: 'ms' },
    series: keys.flatMap((key) =>
      PERCENTILES.map(([field, name]) => ({
        type: 'line',
        name: several ? `${name} ${versionName(key)}` : name,
        data: line.buckets[key].map((bucket) => bucket?.[field] ?? null),
        connectNulls: false,
        showSymbol: true,
        symbolSize: 4,
      })),
    ),
  }
}

const DRIFT_COLORS: Record<string, string> = { stable: '#1f7a3f', moderate: '#c27803', significant: '#d92d20' }

export function driftChartOption(features: readonly DriftFeature[]): ChartOption {
  const sorted = [...features].sort((a, b) => b.psi - a.psi)
  return {
    grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', name: 'PSI', min: 0, max: (value: { max: number }) => Math.max(0.3, value.max * 1.1) },
    yAxis: { type: 'category', inverse: true, data: sorted.map((feature) => feature.name), axisLabel: { width: 140, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        name: 'PSI',
        data: sorted.map((feature) => ({ value: feature.psi, itemStyle: { color: DRIFT_COLORS[feature.status] ?? '#8a94a6' } })),
        markLine: {
          symbol: 'none',
          label: { formatter: '{b}', position: 'end' },
          lineStyle: { type: 'dashed' },
          data: [
            { name: 'moderate', xAxis: 0.1 },
            { name: 'significant', xAxis: 0.25 },
          ],
        },
      },
    ],
  }
}

export function errorRate(requests: number, errors: number): string {
  if (!requests) return '—'
  return `${((errors / requests) * 100).toFixed(errors && errors < requests / 100 ? 2 : 1)}%`
}
