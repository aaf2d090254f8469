/**
 * The pipeline graph as the canvas holds it (React Flow nodes and edges) and as the server stores it
 * (graph JSON). Handle ids are port names, so an edge's handles are its ports.
 */
import type { Edge, Node } from '@xyflow/react'

import type { Compute, Graph, GraphEdge, GraphNode, ModuleSpec } from '../api/types'

export const SCHEMA_VERSION = 1

/** What a node of the canvas is, semantically: exactly the graph JSON's node minus its id. */
export interface ModuleNodeData extends Record<string, unknown> {
  module: string
  moduleVersion: number
  params: Record<string, unknown>
  comment: string
  compute: Compute
  regenerate: boolean
}

export type ModuleFlowNode = Node<ModuleNodeData, 'module'>
export type PortEdge = Edge & { sourceHandle: string; targetHandle: string }

export const IMPORT_DATA_KEY = 'data_input_output.import_data'

export function edgeId(edge: GraphEdge): string {
  return `${edge.source}.${edge.source_port}->${edge.target}.${edge.target_port}`
}

export function toFlowEdge(edge: GraphEdge): PortEdge {
  return {
    id: edgeId(edge),
    source: edge.source,
    sourceHandle: edge.source_port,
    target: edge.target,
    targetHandle: edge.target_port,
  }
}

export function toGraphEdge(edge: Pick<Edge, 'source' | 'target' | 'sourceHandle' | 'targetHandle'>): GraphEdge {
  return {
    source: edge.source,
    source_port: edge.sourceHandle ?? '',
    target: edge.target,
    target_port: edge.targetHandle ?? '',
  }
}

export function toFlowNode(node: GraphNode, position: { x: number; y: number }): ModuleFlowNode {
  return {
    id: node.id,
    type: 'module',
    position: { x: position.x, y: position.y },
    data: {
      module: node.module,
      moduleVersion: node.module_version,
      params: node.params ?? {},
      comment: node.comment ?? '',
      compute: node.compute ?? 'auto',
      regenerate: node.regenerate ?? false,
    },
  }
}

/** A graph JSON from the server (or the clipboard) as canvas nodes and edges. */
export function fromGraph(graph: Partial<Graph> | null | undefined): { nodes: ModuleFlowNode[]; edges: PortEdge[] } {
  const graphNodes = graph?.nodes ?? []
  const ui = graph?.ui ?? {}
  const nodes = graphNodes.map((node, index) =>
    // Nodes without a stored position are stacked in a column, to be tidied by auto-layout.
    toFlowNode(node, ui[node.id] ?? { x: 0, y: index * 120 }),
  )
  const edges = (graph?.edges ?? []).map(toFlowEdge)
  return { nodes, edges }
}

/** The canvas as the graph JSON the server stores: semantics in nodes/edges, layout in ui only. */
export function toGraph(nodes: readonly ModuleFlowNode[], edges: readonly Edge[]): Graph {
  const ui: Graph['ui'] = {}
  for (const node of nodes) ui[node.id] = { x: Math.round(node.position.x), y: Math.round(node.position.y) }
  return {
    schema_version: SCHEMA_VERSION,
    nodes: nodes.map((node) => ({
      id: node.id,
      module: node.data.module,
      module_version: node.data.moduleVersion,
      params: node.data.params,
      comment: node.data.comment,
      compute: node.data.compute,
      regenerate: node.data.regenerate,
    })),
    edges: edges.map(toGraphEdge),
    ui,
  }
}

/** Explicit defaults for a new node, so the stored graph says what will run. */
export function defaultParams(spec: ModuleSpec): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(spec.params_schema.properties ?? {})) {
    if (schema.default !== undefined) params[name] = schema.default
  }
  return params
}

/** A short node id, unique among `taken` (ids survive copy/paste between pipelines). */
export function newNodeId(taken: ReadonlySet<string>): string {
  for (;;) {
    const id = `n${Math.random().toString(36).slice(2, 8)}`
    if (!taken.has(id)) return id
  }
}
