import { describe, expect, it } from 'vitest'

import { SPECS } from '../test/fixtures'
import { checkConnection, portTypeName, type GraphShape } from './connectionRules'

const MODULES: Record<string, string> = {
  data: 'data_input_output.import_data',
  split: 'data_transformation.split_data',
  learner: 'classification.two_class_boosted_decision_tree',
  train: 'model_training.train_model',
  score: 'model_scoring_evaluation.score_model',
}

function graph(edges: GraphShape['edges'] = []): GraphShape {
  return { moduleOf: (id) => MODULES[id], edges }
}

describe('checkConnection', () => {
  it('accepts an output feeding an input of the same type', () => {
    const verdict = checkConnection(
      { source: 'data', sourceHandle: 'results_dataset', target: 'split', targetHandle: 'dataset' },
      graph(),
      SPECS,
    )
    expect(verdict).toEqual({ ok: true })
  })

  it('refuses ports of different types and names both in words', () => {
    const verdict = checkConnection(
      { source: 'data', sourceHandle: 'results_dataset', target: 'train', targetHandle: 'untrained_model' },
      graph(),
      SPECS,
    )
    expect(verdict.ok).toBe(false)
    expect(!verdict.ok && verdict.reason).toBe(
      "Import Data's “Results dataset” is a dataset, but Train Model's “Untrained model” takes an untrained model.",
    )
  })

  it('refuses a second edge into an input that is already connected', () => {
    const taken = graph([{ source: 'split', target: 'train', targetHandle: 'dataset' }])
    const verdict = checkConnection(
      { source: 'data', sourceHandle: 'results_dataset', target: 'train', targetHandle: 'dataset' },
      taken,
      SPECS,
    )
    expect(verdict.ok).toBe(false)
    expect(!verdict.ok && verdict.reason).toMatch(/already connected/)
  })

  it('lets one output feed several inputs', () => {
    const used = graph([{ source: 'data', target: 'split', targetHandle: 'dataset' }])
    const verdict = checkConnection(
      { source: 'data', sourceHandle: 'results_dataset', target: 'train', targetHandle: 'dataset' },
      used,
      SPECS,
    )
    expect(verdict.ok).toBe(true)
  })

  it('refuses a connection that would close a loop', () => {
    const chain = graph([
      { source: 'data', target: 'split', targetHandle: 'dataset' },
      { source: 'split', target: 'score', targetHandle: 'dataset' },
    ])
    const verdict = checkConnection(
      { source: 'score', sourceHandle: 'scored_dataset', target: 'split', targetHandle: 'dataset' },
      { ...chain, edges: chain.edges.filter((edge) => edge.target !== 'split') },
      SPECS,
    )
    expect(verdict.ok).toBe(false)
    expect(!verdict.ok && verdict.reason).toMatch(/loop/)
  })

  it('refuses a module connected to itself and unknown ports', () => {
    expect(
      checkConnection({ source: 'split', sourceHandle: 'results_dataset1', target: 'split', targetHandle: 'dataset' }, graph(), SPECS).ok,
    ).toBe(false)
    expect(
      checkConnection({ source: 'data', sourceHandle: 'nope', target: 'split', targetHandle: 'dataset' }, graph(), SPECS),
    ).toEqual({ ok: false, reason: 'Connect an output (bottom) to an input (top).' })
  })

  it('names port types in words', () => {
    expect(portTypeName('trained_model')).toBe('trained model')
    expect(portTypeName('some_new_type')).toBe('some new type')
  })
})
