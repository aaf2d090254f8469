import { describe, expect, it } from 'vitest'

import { columnChanges } from './columns'

const COLUMNS = [
  { name: 'species', type: 'string', is_label: true },
  { name: 'island', type: 'string', is_label: false },
  { name: 'year', type: 'integer' },
]

describe('columnChanges', () => {
  it('sends only what changed, with each column’s name', () => {
    expect(
      columnChanges(COLUMNS, {
        species: { type: 'string', is_label: true },
        island: { type: 'categorical', is_label: false },
        year: { type: 'integer', is_label: false },
      }),
    ).toEqual([{ name: 'island', type: 'categorical' }])
  })

  it('moves the label from one column to another as two changes', () => {
    expect(
      columnChanges(COLUMNS, {
        species: { type: 'string', is_label: false },
        island: { type: 'string', is_label: true },
        year: { type: 'integer', is_label: false },
      }),
    ).toEqual([
      { name: 'species', is_label: false },
      { name: 'island', is_label: true },
    ])
  })

  it('is empty when nothing changed', () => {
    expect(columnChanges(COLUMNS, {})).toEqual([])
  })
})
