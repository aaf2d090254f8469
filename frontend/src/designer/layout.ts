import dagre from '@dagrejs/dagre'
import type { XYPosition } from '@xyflow/react'

import type { ModuleFlowNode, PortEdge } from './graph'

const DEFAULT_SIZE = { width: 240, height: 90 }

/**
 * Top-to-bottom layered layout (dagre): each node below the nodes that feed it. Returns the new
 * top-left position of every node.
 */
export function layoutGraph(nodes: readonly ModuleFlowNode[], edges: readonly PortEdge[]): Record<string, XYPosition> {
  const graph = new dagre.graphlib.Graph()
  graph.setGraph({ rankdir: 'TB', nodesep: 48, ranksep: 72, marginx: 24, marginy: 24 })
  graph.setDefaultEdgeLabel(() => ({}))
  for (const node of nodes) {
    graph.setNode(node.id, {
      width: node.measured?.width ?? DEFAULT_SIZE.width,
      height: node.measured?.height ?? DEFAULT_SIZE.height,
    })
  }
  for (const edge of edges) graph.setEdge(edge.source, edge.target)
  dagre.layout(graph)
  const positions: Record<string, XYPosition> = {}
  for (const node of nodes) {
    const placed = graph.node(node.id)
    const width = node.measured?.width ?? DEFAULT_SIZE.width
    const height = node.measured?.height ?? DEFAULT_SIZE.height
    // dagre gives centres; React Flow positions are top-left corners.
    positions[node.id] = { x: Math.round(placed.x - width / 2), y: Math.round(placed.y - height / 2) }
  }
  return positions
}
