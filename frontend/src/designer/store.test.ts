import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { boostedTree, importData, splitData, trainModel } from '../test/fixtures'
import { toGraph } from './graph'
import { COALESCE_MS, createDesignerStore, HISTORY_LIMIT, selectedNodeId } from './store'

function setup() {
  const store = createDesignerStore()
  const state = () => store.getState()
  return { store, state }
}

describe('designer store: undo and redo', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('undoes and redoes adding a node, with its defaults', () => {
    const { state } = setup()
    const id = state().addNode(splitData, { x: 10, y: 20 })
    expect(state().nodes).toHaveLength(1)
    expect(state().nodes[0].data.params).toMatchObject({ splitting_mode: 'Split Rows', fraction_of_rows_in_the_first_output_dataset: 0.5 })
    state().undo()
    expect(state().nodes).toHaveLength(0)
    state().redo()
    expect(state().nodes.map((node) => node.id)).toEqual([id])
  })

  it('undoes a connection and a deletion of a node with its edges as one step each', () => {
    const { state } = setup()
    const data = state().addNode(importData, { x: 0, y: 0 }, { data_source: 'Sample dataset', sample_dataset: 'iris' })
    const split = state().addNode(splitData, { x: 0, y: 150 })
    state().connect({ source: data, sourceHandle: 'results_dataset', target: split, targetHandle: 'dataset' })
    expect(state().edges).toHaveLength(1)

    state().selectNodes([data])
    state().deleteSelection()
    expect(state().nodes.map((node) => node.id)).toEqual([split])
    expect(state().edges).toHaveLength(0)

    state().undo()
    expect(state().nodes).toHaveLength(2)
    expect(state().edges).toHaveLength(1)
    state().undo()
    expect(state().edges).toHaveLength(0)
    expect(state().nodes).toHaveLength(2)
  })

  it('treats typing in one field as one undo step', () => {
    const { state } = setup()
    const id = state().addNode(splitData, { x: 0, y: 0 })
    state().setParam(id, 'random_seed', 1)
    vi.advanceTimersByTime(200)
    state().setParam(id, 'random_seed', 12)
    vi.advanceTimersByTime(200)
    state().setParam(id, 'random_seed', 123)
    expect(state().past).toHaveLength(2)
    state().undo()
    expect(state().nodes[0].data.params.random_seed).toBe(0)

    state().redo()
    vi.advanceTimersByTime(COALESCE_MS + 1)
    state().setParam(id, 'random_seed', 7)
    expect(state().past).toHaveLength(3)
  })

  it('records a drag once, at its start, and ignores selection changes', () => {
    const { state } = setup()
    const id = state().addNode(trainModel, { x: 0, y: 0 })
    const before = state().past.length
    state().onNodesChange([{ type: 'select', id, selected: true }])
    state().onNodesChange([{ type: 'dimensions', id, dimensions: { width: 240, height: 80 } }])
    expect(state().past).toHaveLength(before)

    for (const x of [10, 20, 30]) state().onNodesChange([{ type: 'position', id, position: { x, y: 0 }, dragging: true }])
    state().onNodesChange([{ type: 'position', id, position: { x: 40, y: 0 }, dragging: false }])
    expect(state().past).toHaveLength(before + 1)
    expect(state().nodes[0].position).toEqual({ x: 40, y: 0 })
    state().undo()
    expect(state().nodes[0].position).toEqual({ x: 0, y: 0 })
  })

  it('clears the redo stack on a new edit and keeps a bounded history', () => {
    const { state } = setup()
    state().addNode(boostedTree, { x: 0, y: 0 })
    state().undo()
    expect(state().future).toHaveLength(1)
    state().addNode(trainModel, { x: 0, y: 0 })
    expect(state().future).toHaveLength(0)
    for (let index = 0; index < HISTORY_LIMIT + 20; index += 1) state().addNode(boostedTree, { x: index, y: 0 })
    expect(state().past).toHaveLength(HISTORY_LIMIT)
  })

  it('counts semantic and layout changes separately', () => {
    const { state } = setup()
    const id = state().addNode(trainModel, { x: 0, y: 0 })
    const { semanticRevision, layoutRevision } = state()
    state().setPositions({ [id]: { x: 100, y: 100 } })
    expect(state().semanticRevision).toBe(semanticRevision)
    expect(state().layoutRevision).toBe(layoutRevision + 1)
    state().updateNode(id, { comment: 'hello' })
    expect(state().semanticRevision).toBe(semanticRevision + 1)
  })

  it('does not edit a read-only graph', () => {
    const { state } = setup()
    state().load({ schema_version: 1, nodes: [{ id: 'a', module: trainModel.key, module_version: 1, params: {} }], edges: [], ui: {} }, { readOnly: true })
    state().addNode(boostedTree, { x: 0, y: 0 })
    state().selectNodes(['a'])
    state().deleteSelection()
    expect(state().nodes).toHaveLength(1)
    expect(selectedNodeId(state())).toBe('a')
    expect(state().past).toHaveLength(0)
  })
})

describe('designer store: fragments and graph JSON', () => {
  it('pastes a fragment with new ids, only its inner edges, and selects it', () => {
    const { state } = setup()
    const data = state().addNode(importData, { x: 0, y: 0 })
    const split = state().addNode(splitData, { x: 0, y: 150 })
    state().connect({ source: data, sourceHandle: 'results_dataset', target: split, targetHandle: 'dataset' })
    const fragment = toGraph(state().nodes, state().edges)

    const pasted = state().insertFragment(fragment, { x: 40, y: 40 })
    expect(pasted).toHaveLength(2)
    expect(pasted.some((id) => id === data || id === split)).toBe(false)
    expect(state().nodes).toHaveLength(4)
    expect(state().edges).toHaveLength(2)
    expect(state().nodes.filter((node) => node.selected).map((node) => node.id).sort()).toEqual([...pasted].sort())
    const copy = state().nodes.find((node) => node.id === pasted[1])
    expect(copy?.position).toEqual({ x: 40, y: 190 })
    state().undo()
    expect(state().nodes).toHaveLength(2)
  })

  it('round-trips the graph JSON with layout in ui only', () => {
    const { state } = setup()
    const graph = {
      schema_version: 1 as const,
      nodes: [
        { id: 'n1', module: importData.key, module_version: 1, params: { data_source: 'Sample dataset' }, comment: 'x', compute: 'cpu' as const, regenerate: true },
        { id: 'n2', module: splitData.key, module_version: 1, params: {}, comment: '', compute: 'auto' as const, regenerate: false },
      ],
      edges: [{ source: 'n1', source_port: 'results_dataset', target: 'n2', target_port: 'dataset' }],
      ui: { n1: { x: 1, y: 2 }, n2: { x: 3, y: 4 } },
    }
    state().load(graph)
    expect(toGraph(state().nodes, state().edges)).toEqual(graph)
  })
})
