/** ECharts options for a column's profile: its histogram, or its most frequent values. */
import type { ColumnProfile } from '../api/types'
import type { ChartOption } from '../outputs/Chart'
import { formatNumber } from '../outputs/format'

const NUMERIC_TYPES = new Set(['integer', 'double'])

export function isNumericColumn(column: Pick<ColumnProfile, 'type'>): boolean {
  return NUMERIC_TYPES.has(column.type)
}

function edgeLabel(edge: number | string): string {
  if (typeof edge === 'number') return formatNumber(edge)
  // Datetime edges are ISO text: the date is enough to tell bins apart, unless they fall on one day.
  return edge.length > 10 && edge.slice(11, 19) !== '00:00:00' ? edge.slice(0, 16).replace('T', ' ') : edge.slice(0, 10)
}

/** The bars of a column's distribution: value ranges for numbers and times, values for the rest. */
export function histogramBars(column: ColumnProfile): { labels: string[]; counts: number[] } | null {
  const histogram = column.histogram
  if (!histogram || !histogram.counts.length) return null
  if ('labels' in histogram) {
    const labels = [...histogram.labels]
    const counts = [...histogram.counts]
    if (histogram.other) {
      labels.push('(other values)')
      counts.push(histogram.other)
    }
    return { labels, counts }
  }
  const { edges, counts } = histogram
  return {
    labels: counts.map((_, index) => `${edgeLabel(edges[index])} – ${edgeLabel(edges[index + 1])}`),
    counts: [...counts],
  }
}

export function profileChartOption(column: ColumnProfile): ChartOption | null {
  const bars = histogramBars(column)
  if (!bars) return null
  const ranges = column.histogram !== null && column.histogram !== undefined && 'edges' in column.histogram
  if (ranges) {
    return {
      grid: { left: 44, right: 8, top: 12, bottom: 28 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: bars.labels, axisLabel: { show: false }, axisTick: { show: false } },
      yAxis: { type: 'value', name: 'Rows', nameGap: 8, splitNumber: 3 },
      series: [{ type: 'bar', name: 'Rows', data: bars.counts, barCategoryGap: '6%' }],
    }
  }
  // Values read best as horizontal bars, the most frequent on top.
  return {
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', splitNumber: 3 },
    yAxis: {
      type: 'category',
      inverse: true,
      data: bars.labels,
      axisLabel: { width: 110, overflow: 'truncate' },
    },
    series: [{ type: 'bar', name: 'Rows', data: bars.counts, barCategoryGap: '20%' }],
  }
}

/** The statistics of a column, as rows of a definition list (what is undefined is left out). */
export function profileStatistics(column: ColumnProfile, totalRows: number): [string, string][] {
  const rows: [string, string][] = []
  const number = (value: unknown) => (typeof value === 'number' ? formatNumber(value) : value == null ? '—' : String(value))
  const missingShare = totalRows > 0 ? ` (${formatNumber(Math.round((column.missing / totalRows) * 1000) / 10)}%)` : ''
  rows.push(['Values', number(column.count)])
  rows.push(['Missing', `${number(column.missing)}${column.missing ? missingShare : ''}`])
  rows.push(['Distinct', number(column.distinct)])
  if (column.mean !== undefined) rows.push(['Mean', number(column.mean)])
  if (column.std !== undefined) rows.push(['Std deviation', number(column.std)])
  if (column.min !== undefined) rows.push(['Minimum', number(column.min)])
  const quantiles = column.quantiles ?? {}
  if (quantiles['0.25'] !== undefined) rows.push(['25th percentile', number(quantiles['0.25'])])
  if (quantiles['0.5'] !== undefined) rows.push(['Median', number(quantiles['0.5'])])
  if (quantiles['0.75'] !== undefined) rows.push(['75th percentile', number(quantiles['0.75'])])
  if (column.max !== undefined) rows.push(['Maximum', number(column.max)])
  if (column.length) rows.push(['Text length', `${column.length.min} to ${column.length.max}, mean ${formatNumber(column.length.mean)}`])
  return rows
}
