import { describe, expect, it } from 'vitest'

import { binaryMatrixAt, points, thresholdRow } from './evaluation'

describe('evaluation chart data', () => {
  const table = {
    threshold: [0, 0.5, 1],
    True_Positive: [10, 8, 0],
    False_Positive: [10, 2, 0],
    True_Negative: [0, 8, 10],
    False_Negative: [0, 2, 10],
    Accuracy: [0.5, 0.8, 0.5],
  }

  it('picks the threshold row nearest the slider', () => {
    expect(thresholdRow(table, 0.46)).toMatchObject({ threshold: 0.5, True_Positive: 8, Accuracy: 0.8 })
    expect(thresholdRow(table, 0.9)).toMatchObject({ threshold: 1 })
    expect(thresholdRow(null, 0.5)).toBeNull()
  })

  it('builds the confusion matrix at a threshold', () => {
    const row = thresholdRow(table, 0.5) ?? {}
    expect(binaryMatrixAt(row, 'B', 'M')).toEqual({ labels: ['B', 'M'], matrix: [[8, 2], [2, 8]] })
  })

  it('pairs curve columns and skips missing points', () => {
    expect(points({ x: [0, 0.5, null], y: [0, 0.7, 1] }, 'x', 'y')).toEqual([
      [0, 0],
      [0.5, 0.7],
    ])
  })
})
