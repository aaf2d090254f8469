import { describe, expect, it } from 'vitest'

import { endpointNameProblem, suggestEndpointName } from './endpointName'

describe('endpoint names', () => {
  it('suggests a valid name from a pipeline name', () => {
    expect(suggestEndpointName('Penguins (multiclass) v2')).toBe('penguins-multiclass-v2')
    expect(suggestEndpointName('Crème brûlée!')).toBe('creme-brulee')
    expect(suggestEndpointName('***')).toBe('my-endpoint')
    expect(suggestEndpointName('a'.repeat(70))).toHaveLength(63)
    expect(endpointNameProblem(suggestEndpointName(`x-${'-'.repeat(61)}y`))).toBeNull()
  })

  it('explains what is wrong with a name', () => {
    expect(endpointNameProblem('breast-cancer')).toBeNull()
    expect(endpointNameProblem('')).toMatch(/Give the endpoint a name/)
    expect(endpointNameProblem('Bad Name')).toMatch(/lowercase/)
    expect(endpointNameProblem('-x')).toMatch(/starting and ending/)
    expect(endpointNameProblem('a'.repeat(64))).toMatch(/63/)
  })
})
