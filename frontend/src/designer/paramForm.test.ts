import { describe, expect, it } from 'vitest'

import type { ColumnSchema } from '../api/types'
import { importData, splitData, trainModel } from '../test/fixtures'
import {
  buildFields,
  checkValue,
  formatSelection,
  isVisible,
  parseSelection,
  rangeText,
  resolveRules,
  runSchemasFrom,
  upstreamColumns,
  widgetFor,
} from './paramForm'

const names = (fields: { name: string }[]) => fields.map((field) => field.name)

describe('buildFields', () => {
  it('lists visible fields in x-order with their widgets and defaults', () => {
    const fields = buildFields(splitData.params_schema, {})
    expect(names(fields)).toEqual([
      'splitting_mode',
      'fraction_of_rows_in_the_first_output_dataset',
      'random_seed',
      'stratified_split',
    ])
    expect(fields[0]).toMatchObject({ widget: 'select', options: ['Split Rows', 'Regular Expression'], value: 'Split Rows', required: true })
    expect(fields[1]).toMatchObject({ widget: 'number', minimum: 0, maximum: 1, value: 0.5, integer: false })
    expect(fields[2]).toMatchObject({ widget: 'number', integer: true, advanced: true })
  })

  it('shows and hides fields by visible_when as other values change', () => {
    expect(names(buildFields(importData.params_schema, {}))).toEqual(['data_source'])
    expect(names(buildFields(importData.params_schema, { data_source: 'Sample dataset' }))).toEqual([
      'data_source',
      'sample_dataset',
    ])
    const regex = buildFields(splitData.params_schema, { splitting_mode: 'Regular Expression' })
    expect(names(regex)).toEqual(['splitting_mode', 'regular_expression'])
  })

  it('needs every condition of visible_when to hold', () => {
    const stratified = buildFields(splitData.params_schema, { stratified_split: 'True' })
    expect(names(stratified)).toContain('stratification_key_column')
    const notSplitRows = buildFields(splitData.params_schema, { stratified_split: 'True', splitting_mode: 'Regular Expression' })
    expect(names(notSplitRows)).not.toContain('stratification_key_column')
  })

  it('describes column pickers with the input port they read', () => {
    const [label] = buildFields(trainModel.params_schema, {})
    expect(label).toMatchObject({ widget: 'columns', port: 'dataset', single: true, value: undefined, error: null })
  })

  it('flags values outside the range', () => {
    const fields = buildFields(splitData.params_schema, { fraction_of_rows_in_the_first_output_dataset: 1.5, random_seed: 2.5 })
    expect(fields[1].error).toBe('Must be between 0 and 1.')
    expect(fields[2].error).toBe('Enter a whole number.')
  })
})

describe('checkValue and rangeText', () => {
  it('checks minimum, maximum and exclusive bounds', () => {
    expect(checkValue({ type: 'number', exclusiveMinimum: 0 }, 'number', 0, true)).toBe('Must be greater than 0.')
    expect(checkValue({ type: 'integer', minimum: 1 }, 'number', 0, true)).toBe('Must be at least 1.')
    expect(checkValue({ type: 'integer', minimum: 1 }, 'number', 3, true)).toBeNull()
    expect(checkValue({ type: 'string' }, 'text', '', true)).toBe('A value is needed.')
    expect(checkValue({ type: ['string', 'null'] }, 'text', null, true)).toBeNull()
    expect(checkValue({ type: 'string', enum: ['a', 'b'] }, 'select', 'c', true)).toBe('Choose one of: a, b.')
  })

  it('says a range in words', () => {
    expect(rangeText({ minimum: 0, maximum: 1 })).toBe('0 to 1')
    expect(rangeText({ minimum: 1 })).toBe('at least 1')
    expect(rangeText({ exclusiveMinimum: 0 })).toBe('greater than 0')
    expect(rangeText({})).toBe('')
  })
})

describe('widgetFor and isVisible', () => {
  it('infers a widget when the server gives no hint', () => {
    expect(widgetFor({ type: 'boolean' }, undefined)).toBe('checkbox')
    expect(widgetFor({ type: 'integer' }, undefined)).toBe('number')
    expect(widgetFor({ type: 'string', enum: ['a'] }, undefined)).toBe('select')
    expect(widgetFor({ type: 'string' }, { widget: 'code' })).toBe('code')
  })

  it('compares values the way the server does', () => {
    expect(isVisible(undefined, {})).toBe(true)
    expect(isVisible({ mode: ['A', 'B'] }, { mode: 'B' })).toBe(true)
    expect(isVisible({ mode: ['A'] }, { mode: 'B' })).toBe(false)
    expect(isVisible({ flag: ['true'] }, { flag: true })).toBe(true)
  })
})

describe('column selections', () => {
  const columns: ColumnSchema[] = [
    { name: 'id', type: 'integer', is_feature: true, is_label: false, is_score: false, categorical: false },
    { name: 'radius', type: 'double', is_feature: true, is_label: false, is_score: false, categorical: false },
    { name: 'colour', type: 'string', is_feature: true, is_label: false, is_score: false, categorical: true },
    { name: 'diagnosis', type: 'string', is_feature: false, is_label: true, is_score: false, categorical: true },
  ]

  it('reads every stored form and writes names, a single name or rules', () => {
    expect(parseSelection('a')).toEqual({ mode: 'names', names: ['a'] })
    expect(parseSelection(['a', 'b'])).toEqual({ mode: 'names', names: ['a', 'b'] })
    expect(parseSelection({ names: ['a'] })).toEqual({ mode: 'names', names: ['a'] })
    expect(parseSelection({ rules: [{ op: 'exclude', names: ['id'] }] })).toEqual({
      mode: 'rules',
      rules: [{ op: 'exclude', kind: 'names', names: ['id'] }],
    })
    expect(parseSelection(null)).toEqual({ mode: 'names', names: [] })
    expect(formatSelection({ mode: 'names', names: ['a'] }, true)).toBe('a')
    expect(formatSelection({ mode: 'names', names: [] }, true)).toBeNull()
    expect(formatSelection({ mode: 'names', names: ['a', 'b'] }, false)).toEqual(['a', 'b'])
    expect(formatSelection({ mode: 'rules', rules: [{ op: 'include', kind: 'numeric' }] }, false)).toEqual({
      rules: [{ op: 'include', kind: 'numeric' }],
    })
  })

  it('resolves rules in order, starting from all columns when the first excludes', () => {
    expect(resolveRules([{ op: 'include', kind: 'numeric' }, { op: 'exclude', kind: 'names', names: ['id'] }], columns)).toEqual([
      'radius',
    ])
    expect(resolveRules([{ op: 'exclude', kind: 'label' }], columns)).toEqual(['id', 'radius', 'colour'])
    expect(resolveRules([{ op: 'include', kind: 'categorical' }], columns)).toEqual(['colour', 'diagnosis'])
  })

  it('offers the columns of the output connected to the picker’s port', () => {
    const edges = [{ source: 'split', sourceHandle: 'results_dataset1', target: 'train', targetHandle: 'dataset' }]
    const schemas = { split: { results_dataset1: columns } }
    expect(upstreamColumns('train', 'dataset', edges, schemas)).toEqual({ columns, source: 'design' })
    expect(upstreamColumns('train', 'untrained_model', edges, schemas)).toBeNull()
    expect(upstreamColumns('score', 'dataset', edges, schemas)).toBeNull()
    expect(upstreamColumns('train', 'dataset', edges, {})).toBeNull()
  })

  it('reads the column schemas of a run’s steps', () => {
    expect(
      runSchemasFrom([
        { node: 'a', output_schemas: { results_dataset: { rows: 3, columns } } },
        { node: 'b', output_schemas: { trained_model: null } },
      ]),
    ).toEqual({ a: { results_dataset: columns } })
  })

  it('falls back to the last run, then to the nearest known schema upstream', () => {
    const edges = [
      { source: 'data', sourceHandle: 'results_dataset', target: 'clean', targetHandle: 'dataset' },
      { source: 'clean', sourceHandle: 'cleaned_dataset', target: 'split', targetHandle: 'dataset' },
      { source: 'split', sourceHandle: 'results_dataset1', target: 'train', targetHandle: 'dataset' },
    ]
    const design = { data: { results_dataset: columns } }
    expect(upstreamColumns('train', 'dataset', edges, design)).toEqual({ columns, source: 'upstream', via: 'data' })
    const ran = { split: { results_dataset1: columns.slice(0, 2) } }
    expect(upstreamColumns('train', 'dataset', edges, design, ran)).toEqual({ columns: columns.slice(0, 2), source: 'run' })
  })
})
