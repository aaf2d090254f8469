import { describe, expect, it } from 'vitest'

import type { EndpointMetrics, MetricsBucket } from '../api/types'
import { driftChartOption, errorRate, latencyChartOption, requestsChartOption, timeline } from './monitoring'

function bucket(start: string, requests: number, errors = 0, p50: number | null = 2): MetricsBucket {
  return {
    start,
    requests,
    errors,
    client_errors: errors,
    server_errors: 0,
    rows: requests,
    p50_ms: p50,
    p95_ms: p50 && p50 * 2,
    p99_ms: p50 && p50 * 3,
  }
}

const METRICS: EndpointMetrics = {
  endpoint: 'penguins',
  window_seconds: 300,
  bucket_seconds: 60,
  since: '2026-01-01T10:00:30+00:00',
  totals: bucket('', 7, 1),
  error_codes: { invalid_input: 1 },
  versions: {
    '1': { totals: bucket('', 5, 1), series: [bucket('2026-01-01T10:01:00+00:00', 3, 1), bucket('2026-01-01T10:04:00+00:00', 2)] },
    '2': { totals: bucket('', 2), series: [bucket('2026-01-01T10:04:00+00:00', 2, 0, 5)] },
  },
  drift: {},
}

describe('timeline', () => {
  it('lays every bucket of the window on one axis, with nulls where a version was idle', () => {
    const line = timeline(METRICS)
    expect(line.starts.map((start) => new Date(start).toISOString().slice(11, 16))).toEqual([
      '10:00',
      '10:01',
      '10:02',
      '10:03',
      '10:04',
      '10:05',
    ])
    expect(line.buckets['1'].map((entry) => entry?.requests ?? null)).toEqual([null, 3, null, null, 2, null])
    expect(line.buckets['2'].map((entry) => entry?.requests ?? null)).toEqual([null, null, null, null, 2, null])
  })
})

describe('monitoring charts', () => {
  it('stacks requests per version with zeros for idle buckets, and adds up the errors', () => {
    const option = requestsChartOption(METRICS) as { series: { name: string; data: number[] }[] }
    expect(option.series.map((series) => series.name)).toEqual(['Requests v1', 'Requests v2', 'Errors'])
    expect(option.series[0].data).toEqual([0, 3, 0, 0, 2, 0])
    expect(option.series[2].data).toEqual([0, 1, 0, 0, 0, 0])
  })

  it('draws p50, p95 and p99 per version, leaving gaps where there were no requests', () => {
    const option = latencyChartOption(METRICS) as { series: { name: string; data: (number | null)[] }[] }
    expect(option.series.map((series) => series.name)).toEqual(['p50 v1', 'p95 v1', 'p99 v1', 'p50 v2', 'p95 v2', 'p99 v2'])
    expect(option.series[2].data).toEqual([null, 6, null, null, 6, null])
  })

  it('sorts drift by PSI with the thresholds marked', () => {
    const option = driftChartOption([
      { name: 'a', psi: 0.02, status: 'stable', rows: 10 },
      { name: 'b', psi: 0.4, status: 'significant', rows: 10 },
    ]) as { yAxis: { data: string[] }; series: { markLine: { data: { xAxis: number }[] } }[] }
    expect(option.yAxis.data).toEqual(['b', 'a'])
    expect(option.series[0].markLine.data.map((line) => line.xAxis)).toEqual([0.1, 0.25])
  })

  it('writes error rates', () => {
    expect(errorRate(0, 0)).toBe('—')
    expect(errorRate(7, 1)).toBe('14.3%')
    expect(errorRate(1000, 1)).toBe('0.10%')
  })
})
