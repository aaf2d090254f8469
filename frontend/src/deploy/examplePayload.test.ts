import { describe, expect, it } from 'vitest'

import { examplePayload, exampleRow, parseScoringBody, placeholderValue } from './examplePayload'

const SCHEMA = [
  { name: 'bill_length_mm', type: 'double' },
  { name: 'flipper_length_mm', type: 'integer' },
  { name: 'island', type: 'categorical' },
  { name: 'sex', type: 'string' },
  { name: 'tagged', type: 'boolean' },
  { name: 'seen', type: 'datetime' },
]

describe('examplePayload', () => {
  it('makes a row of typed placeholders from the schema alone', () => {
    expect(examplePayload(SCHEMA)).toEqual({
      inputs: [
        {
          bill_length_mm: 0.5,
          flipper_length_mm: 1,
          island: 'text',
          sex: 'text',
          tagged: false,
          seen: '2024-01-01T00:00:00',
        },
      ],
    })
  })

  it('uses the server’s training rows, filling their missing values and dropping columns outside the schema', () => {
    const payload = examplePayload(SCHEMA.slice(0, 3), [
      { bill_length_mm: 39.1, flipper_length_mm: null, island: 'Torgersen', species: 'Adelie' },
      { bill_length_mm: 46.5, flipper_length_mm: 210, island: 'Biscoe' },
    ])
    expect(payload.inputs).toEqual([
      { bill_length_mm: 39.1, flipper_length_mm: 1, island: 'Torgersen' },
      { bill_length_mm: 46.5, flipper_length_mm: 210, island: 'Biscoe' },
    ])
    // Keys follow the schema's order.
    expect(Object.keys(payload.inputs[0])).toEqual(['bill_length_mm', 'flipper_length_mm', 'island'])
  })

  it('keeps falsy values the example really has', () => {
    expect(exampleRow([{ name: 'n', type: 'double' }, { name: 'b', type: 'boolean' }], { n: 0, b: false })).toEqual({ n: 0, b: false })
  })

  it('falls back to a string for types it does not know', () => {
    expect(placeholderValue('geography')).toBe('text')
  })
})

describe('parseScoringBody', () => {
  it('accepts our format and the other formats the endpoint reads', () => {
    expect(parseScoringBody('{"inputs": [{"a": 1}]}').ok).toBe(true)
    expect(parseScoringBody('{"Inputs": {"WebServiceInput0": []}}').ok).toBe(true)
    expect(parseScoringBody('{"dataframe_records": []}').ok).toBe(true)
  })

  it('says what is wrong with the text', () => {
    expect(parseScoringBody('{"inputs": [')).toMatchObject({ ok: false, error: expect.stringContaining('not valid JSON') })
    expect(parseScoringBody('[1]')).toMatchObject({ ok: false, error: expect.stringContaining('JSON object') })
    expect(parseScoringBody('{"rows": []}')).toMatchObject({ ok: false, error: expect.stringContaining('"inputs"') })
    expect(parseScoringBody('{"inputs": []}')).toMatchObject({ ok: false, error: expect.stringContaining('empty') })
  })
})
