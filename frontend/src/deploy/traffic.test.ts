import { describe, expect, it } from 'vitest'

import type { EndpointVersion } from '../api/types'
import { describeTraffic, sameTraffic, splitTraffic, validateTraffic } from './traffic'

function version(number: number, status = 'healthy'): EndpointVersion {
  return {
    number,
    status,
    status_reason: '',
    run: null,
    created_at: '2026-01-01T00:00:00Z',
    deploy_seconds: 1,
    fast_path: true,
    input_schema: [],
    inputs: [],
    outputs: [],
    parity: {},
  }
}

const VERSIONS = [version(1), version(2), version(3, 'failed')]

describe('splitTraffic', () => {
  it('sends everything to one version, or the share to the second', () => {
    expect(splitTraffic(1, null, 30)).toEqual({ '1': 100 })
    expect(splitTraffic(1, 2, 0)).toEqual({ '1': 100 })
    expect(splitTraffic(1, 2, 10)).toEqual({ '1': 90, '2': 10 })
    expect(splitTraffic(1, 2, 100)).toEqual({ '2': 100 })
    expect(splitTraffic(2, 2, 50)).toEqual({ '2': 100 })
  })

  it('passes a share out of range on, for validation to explain', () => {
    const traffic = splitTraffic(1, 2, 120)
    expect(traffic).toEqual({ '1': -20, '2': 120 })
    expect(validateTraffic(traffic, VERSIONS)).toEqual([
      'Version 1: the share must be a whole percentage from 0 to 100.',
      'Version 2: the share must be a whole percentage from 0 to 100.',
    ])
  })
})

describe('validateTraffic', () => {
  it('accepts one or two healthy versions adding up to 100', () => {
    expect(validateTraffic({ '1': 100 }, VERSIONS)).toEqual([])
    expect(validateTraffic({ '1': 70, '2': 30 }, VERSIONS)).toEqual([])
  })

  it('refuses sums other than 100, fractions and out-of-range shares', () => {
    expect(validateTraffic({ '1': 70, '2': 20 }, VERSIONS)).toEqual(['The shares add up to 90%, not 100%.'])
    expect(validateTraffic({ '1': 50.5, '2': 49.5 }, VERSIONS)).toEqual([
      'Version 1: the share must be a whole percentage from 0 to 100.',
      'Version 2: the share must be a whole percentage from 0 to 100.',
    ])
    expect(validateTraffic({ '1': 120, '2': -20 }, VERSIONS)).toHaveLength(2)
  })

  it('refuses unknown and failed versions, and more than two', () => {
    expect(validateTraffic({ '9': 100 }, VERSIONS)).toEqual(['This endpoint has no version 9.'])
    expect(validateTraffic({ '1': 50, '3': 50 }, VERSIONS)).toEqual([
      'Version 3 did not pass its parity check and cannot serve.',
    ])
    expect(validateTraffic({ '1': 40, '2': 30, '3': 30 }, VERSIONS)[0]).toMatch(/one version, or split it between two/)
    expect(validateTraffic({}, VERSIONS)).toEqual(['Send the traffic to one version, or split it between two.'])
  })
})

describe('describeTraffic and sameTraffic', () => {
  it('reads a split in version order and compares splits without their zero shares', () => {
    expect(describeTraffic({ '2': 10, '1': 90 })).toBe('v1 90% · v2 10%')
    expect(describeTraffic({})).toBe('No traffic')
    expect(sameTraffic({ '1': 100, '2': 0 }, { '1': 100 })).toBe(true)
    expect(sameTraffic({ '1': 90, '2': 10 }, { '2': 10, '1': 90 })).toBe(true)
    expect(sameTraffic({ '1': 90, '2': 10 }, { '1': 100 })).toBe(false)
  })
})
