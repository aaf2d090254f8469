import { describe, expect, it } from 'vitest'

import type { ColumnProfile } from '../api/types'
import { histogramBars, profileChartOption, profileStatistics } from './profileCharts'

const numeric: ColumnProfile = {
  name: 'width',
  type: 'double',
  count: 4,
  missing: 1,
  distinct: 3,
  mean: 1.25,
  std: 0.5,
  min: 1,
  max: 2,
  quantiles: { '0.05': 1, '0.25': 1, '0.5': 1.1, '0.75': 1.5, '0.95': 2 },
  histogram: { edges: [1, 1.5, 2], counts: [3, 1] },
}

const text: ColumnProfile = {
  name: 'kind',
  type: 'string',
  count: 5,
  missing: 0,
  distinct: 12,
  histogram: { labels: ['a', 'b'], counts: [3, 1], other: 1 },
}

describe('profile charts', () => {
  it('labels numeric bins by their ranges and values by themselves, with the rest pooled', () => {
    expect(histogramBars(numeric)).toEqual({ labels: ['1 – 1.5', '1.5 – 2'], counts: [3, 1] })
    expect(histogramBars(text)).toEqual({ labels: ['a', 'b', '(other values)'], counts: [3, 1, 1] })
  })

  it('shortens datetime edges to dates', () => {
    const dates: ColumnProfile = {
      ...numeric,
      type: 'datetime',
      histogram: { edges: ['2024-01-01T00:00:00', '2024-02-01T00:00:00'], counts: [2] },
    }
    expect(histogramBars(dates)?.labels).toEqual(['2024-01-01 – 2024-02-01'])
  })

  it('draws vertical bars for ranges and horizontal bars for values, nothing without a histogram', () => {
    expect(profileChartOption(numeric)).toMatchObject({ xAxis: { type: 'category' }, yAxis: { type: 'value' } })
    expect(profileChartOption(text)).toMatchObject({ xAxis: { type: 'value' }, yAxis: { type: 'category' } })
    expect(profileChartOption({ ...text, histogram: null })).toBeNull()
  })

  it('lists the statistics a column has, with the share of missing values', () => {
    const stats = Object.fromEntries(profileStatistics(numeric, 5))
    expect(stats).toMatchObject({ Values: '4', Missing: '1 (20%)', Mean: '1.25', Median: '1.1', Maximum: '2' })
    expect(Object.keys(Object.fromEntries(profileStatistics(text, 5)))).toEqual(['Values', 'Missing', 'Distinct'])
  })
})
