import { describe, expect, it } from 'vitest'

import { parseClipboard, selectionFragment } from './clipboard'
import { fromGraph } from './graph'

describe('clipboard', () => {
  it('copies the selected nodes with the edges between them only', () => {
    const { nodes, edges } = fromGraph({
      nodes: [
        { id: 'a', module: 'm.a', module_version: 1, params: {} },
        { id: 'b', module: 'm.b', module_version: 1, params: { x: 1 } },
        { id: 'c', module: 'm.c', module_version: 1, params: {} },
      ],
      edges: [
        { source: 'a', source_port: 'out', target: 'b', target_port: 'in' },
        { source: 'b', source_port: 'out', target: 'c', target_port: 'in' },
      ],
      ui: { a: { x: 0, y: 0 }, b: { x: 0, y: 100 }, c: { x: 0, y: 200 } },
    })
    const selected = nodes.map((node) => ({ ...node, selected: node.id !== 'c' }))
    const payload = selectionFragment(selected, edges)
    expect(payload?.graph.nodes.map((node) => node.id)).toEqual(['a', 'b'])
    expect(payload?.graph.edges).toEqual([{ source: 'a', source_port: 'out', target: 'b', target_port: 'in' }])
    expect(parseClipboard(JSON.stringify(payload))).toEqual(payload?.graph)
  })

  it('ignores clipboard text that is not a selection', () => {
    expect(parseClipboard('hello')).toBeNull()
    expect(parseClipboard('{"kind":"other"}')).toBeNull()
    expect(selectionFragment([], [])).toBeNull()
  })
})
