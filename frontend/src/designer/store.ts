/**
 * The canvas's state: the graph being edited (React Flow nodes and edges), its undo/redo history, and
 * what the server said about it (validation problems, column schemas, the live run).
 *
 * One store per open canvas, handed down by context, so the palette, canvas, node components and
 * properties panel each subscribe to the slice they need. Graph edits go through actions that record
 * a snapshot first; selection, measuring and the middle of a drag are not edits and are not recorded.
 */
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react'
import { createContext, useContext } from 'react'
import { createStore, useStore, type StoreApi } from 'zustand'

import type { Graph, GraphSchemas, ModuleSpec, Problem } from '../api/types'
import {
  defaultParams,
  fromGraph,
  newNodeId,
  toFlowEdge,
  toGraphEdge,
  type ModuleFlowNode,
  type ModuleNodeData,
  type PortEdge,
} from './graph'
import type { LiveRun } from './runEvents'

export const HISTORY_LIMIT = 100
/** Edits with the same key this close together (typing in one field) are one undo step. */
export const COALESCE_MS = 1200

interface Snapshot {
  nodes: ModuleFlowNode[]
  edges: PortEdge[]
}

export interface DesignerState {
  nodes: ModuleFlowNode[]
  edges: PortEdge[]
  past: Snapshot[]
  future: Snapshot[]
  readOnly: boolean
  /** Bumped by every change to what the graph means (validation and autosave follow it). */
  semanticRevision: number
  /** Bumped by every change to the layout only (autosave follows it). */
  layoutRevision: number
  problems: Problem[]
  problemsByNode: Record<string, Problem[]>
  schemas: GraphSchemas
  /** Output columns of the pipeline's last run, for column pickers the server cannot infer. */
  runSchemas: GraphSchemas
  run: LiveRun | null
  /** How many graphs were loaded into this store; zero until the first. */
  loadCount: number

  load: (graph: Partial<Graph> | null | undefined, options?: { readOnly?: boolean }) => void
  addNode: (spec: ModuleSpec, position: XYPosition, params?: Record<string, unknown>) => string
  connect: (connection: Connection) => void
  /** Connects an input to another output (or disconnects it, with null) as one edit. */
  setInput: (target: string, targetPort: string, source: { node: string; port: string } | null) => void
  updateNode: (nodeId: string, patch: Partial<ModuleNodeData>, coalesceKey?: string) => void
  setParam: (nodeId: string, name: string, value: unknown) => void
  deleteSelection: () => void
  insertFragment: (fragment: Partial<Graph>, offset: XYPosition) => string[]
  setPositions: (positions: Record<string, XYPosition>) => void
  undo: () => void
  redo: () => void
  onNodesChange: (changes: NodeChange<ModuleFlowNode>[]) => void
  onEdgesChange: (changes: EdgeChange<PortEdge>[]) => void
  selectNodes: (nodeIds: readonly string[]) => void
  selectAll: () => void
  setValidation: (problems: Problem[], schemas?: GraphSchemas) => void
  setRun: (run: LiveRun | null) => void
  setRunSchemas: (schemas: GraphSchemas) => void
}

export type DesignerStore = StoreApi<DesignerState>

export function createDesignerStore(): DesignerStore {
  // Not state: bookkeeping for coalescing edits and for recording a drag once.
  let lastEdit: { key: string; at: number } | null = null
  let dragging = false

  return createStore<DesignerState>()((set, get) => {
    /** Records the current graph as an undo step, unless it continues the previous edit. */
    const record = (coalesceKey?: string) => {
      const now = Date.now()
      if (coalesceKey && lastEdit && lastEdit.key === coalesceKey && now - lastEdit.at < COALESCE_MS) {
        lastEdit.at = now
        return
      }
      lastEdit = coalesceKey ? { key: coalesceKey, at: now } : null
      const { nodes, edges, past } = get()
      set({ past: [...past, { nodes, edges }].slice(-HISTORY_LIMIT), future: [] })
    }
    const semantic = () => ({ semanticRevision: get().semanticRevision + 1 })
    const layout = () => ({ layoutRevision: get().layoutRevision + 1 })

    const restore = (snapshot: Snapshot) => {
      // Selection is the user's current focus, not part of the history.
      const selected = new Set(get().nodes.filter((node) => node.selected).map((node) => node.id))
      set({
        nodes: snapshot.nodes.map((node) => ({ ...node, selected: selected.has(node.id) })),
        edges: snapshot.edges.map((edge) => ({ ...edge, selected: false })),
        ...semantic(),
        ...layout(),
      })
    }

    return {
      nodes: [],
      edges: [],
      past: [],
      future: [],
      readOnly: false,
      semanticRevision: 0,
      layoutRevision: 0,
      problems: [],
      problemsByNode: {},
      schemas: {},
      runSchemas: {},
      run: null,
      loadCount: 0,

      load: (graph, options = {}) => {
        const { nodes, edges } = fromGraph(graph)
        lastEdit = null
        set({
          nodes,
          edges,
          past: [],
          future: [],
          readOnly: Boolean(options.readOnly),
          semanticRevision: 0,
          layoutRevision: 0,
          problems: [],
          problemsByNode: {},
          schemas: {},
          run: null,
          loadCount: get().loadCount + 1,
        })
      },

      addNode: (spec, position, params) => {
        if (get().readOnly) return ''
        record()
        const id = newNodeId(new Set(get().nodes.map((node) => node.id)))
        const node: ModuleFlowNode = {
          id,
          type: 'module',
          position,
          selected: true,
          data: {
            module: spec.key,
            moduleVersion: spec.version,
            params: { ...defaultParams(spec), ...params },
            comment: '',
            compute: 'auto',
            regenerate: false,
          },
        }
        set({
          nodes: [...get().nodes.map((other) => (other.selected ? { ...other, selected: false } : other)), node],
          ...semantic(),
        })
        return id
      },

      connect: (connection) => {
        if (get().readOnly || !connection.sourceHandle || !connection.targetHandle) return
        const edge = toFlowEdge(toGraphEdge(connection))
        if (get().edges.some((existing) => existing.id === edge.id)) return
        record()
        set({ edges: [...get().edges, edge], ...semantic() })
      },

      setInput: (target, targetPort, source) => {
        if (get().readOnly) return
        record()
        const kept = get().edges.filter((edge) => !(edge.target === target && edge.targetHandle === targetPort))
        const added = source
          ? [toFlowEdge({ source: source.node, source_port: source.port, target, target_port: targetPort })]
          : []
        set({ edges: [...kept, ...added], ...semantic() })
      },

      updateNode: (nodeId, patch, coalesceKey) => {
        if (get().readOnly) return
        record(coalesceKey)
        set({
          nodes: get().nodes.map((node) => (node.id === nodeId ? { ...node, data: { ...node.data, ...patch } } : node)),
          ...semantic(),
        })
      },

      setParam: (nodeId, name, value) => {
        const node = get().nodes.find((candidate) => candidate.id === nodeId)
        if (!node) return
        get().updateNode(nodeId, { params: { ...node.data.params, [name]: value } }, `param:${nodeId}:${name}`)
      },

      deleteSelection: () => {
        const { nodes, edges, readOnly } = get()
        if (readOnly) return
        const doomed = new Set(nodes.filter((node) => node.selected).map((node) => node.id))
        const keptEdges = edges.filter((edge) => !edge.selected && !doomed.has(edge.source) && !doomed.has(edge.target))
        if (!doomed.size && keptEdges.length === edges.length) return
        record()
        set({ nodes: nodes.filter((node) => !doomed.has(node.id)), edges: keptEdges, ...semantic() })
      },

      insertFragment: (fragment, offset) => {
        if (get().readOnly) return []
        const pasted = fromGraph(fragment)
        if (!pasted.nodes.length) return []
        record()
        const taken = new Set(get().nodes.map((node) => node.id))
        const renamed = new Map<string, string>()
        for (const node of pasted.nodes) {
          const id = newNodeId(taken)
          taken.add(id)
          renamed.set(node.id, id)
        }
        const nodes = pasted.nodes.map((node) => ({
          ...node,
          id: renamed.get(node.id) as string,
          position: { x: node.position.x + offset.x, y: node.position.y + offset.y },
          selected: true,
        }))
        // Only edges between pasted nodes come along; the rest of their connections stay behind.
        const edges = pasted.edges
          .filter((edge) => renamed.has(edge.source) && renamed.has(edge.target))
          .map((edge) =>
            toFlowEdge({
              source: renamed.get(edge.source) as string,
              source_port: edge.sourceHandle,
              target: renamed.get(edge.target) as string,
              target_port: edge.targetHandle,
            }),
          )
        set({
          nodes: [...get().nodes.map((node) => (node.selected ? { ...node, selected: false } : node)), ...nodes],
          edges: [...get().edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)), ...edges],
          ...semantic(),
        })
        return nodes.map((node) => node.id)
      },

      setPositions: (positions) => {
        if (get().readOnly) return
        record()
        set({
          nodes: get().nodes.map((node) => (positions[node.id] ? { ...node, position: positions[node.id] } : node)),
          ...layout(),
        })
      },

      undo: () => {
        const { past, future, nodes, edges, readOnly } = get()
        if (readOnly || !past.length) return
        lastEdit = null
        set({ past: past.slice(0, -1), future: [...future, { nodes, edges }] })
        restore(past[past.length - 1])
      },

      redo: () => {
        const { past, future, nodes, edges, readOnly } = get()
        if (readOnly || !future.length) return
        lastEdit = null
        set({ past: [...past, { nodes, edges }], future: future.slice(0, -1) })
        restore(future[future.length - 1])
      },

      onNodesChange: (changes) => {
        const { readOnly } = get()
        let moved = false
        let removed = false
        for (const change of changes) {
          if (change.type === 'position' && change.position) {
            if (readOnly) continue
            moved = true
            if (change.dragging && !dragging) {
              // The first move of a drag: the position before it is one undo step.
              dragging = true
              record()
            } else if (!change.dragging && !dragging) {
              // Moved by keyboard: consecutive nudges of the same nodes are one step.
              record(`move:${changes.map((c) => ('id' in c ? c.id : '')).join(',')}`)
            }
            if (!change.dragging) dragging = false
          } else if (change.type === 'remove') {
            removed = true
          }
        }
        if (readOnly) changes = changes.filter((change) => change.type === 'select' || change.type === 'dimensions')
        if (removed) record()
        set({
          nodes: applyNodeChanges(changes, get().nodes),
          ...(moved ? layout() : {}),
          ...(removed ? semantic() : {}),
        })
      },

      onEdgesChange: (changes) => {
        const removed = !get().readOnly && changes.some((change) => change.type === 'remove')
        const allowed = get().readOnly ? changes.filter((change) => change.type === 'select') : changes
        if (removed) record()
        set({ edges: applyEdgeChanges(allowed, get().edges), ...(removed ? semantic() : {}) })
      },

      selectNodes: (nodeIds) => {
        const wanted = new Set(nodeIds)
        set({
          nodes: get().nodes.map((node) =>
            Boolean(node.selected) === wanted.has(node.id) ? node : { ...node, selected: wanted.has(node.id) },
          ),
          edges: get().edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)),
        })
      },

      selectAll: () => {
        set({
          nodes: get().nodes.map((node) => (node.selected ? node : { ...node, selected: true })),
        })
      },

      setValidation: (problems, schemas) => {
        const problemsByNode: Record<string, Problem[]> = {}
        for (const problem of problems) {
          if (problem.node) (problemsByNode[problem.node] ??= []).push(problem)
        }
        set({ problems, problemsByNode, ...(schemas ? { schemas } : {}) })
      },

      setRun: (run) => set({ run }),
      setRunSchemas: (runSchemas) => set({ runSchemas }),
    }
  })
}

export const DesignerStoreContext = createContext<DesignerStore | null>(null)

export function useDesignerStoreApi(): DesignerStore {
  const store = useContext(DesignerStoreContext)
  if (!store) throw new Error('useDesigner must be used inside a DesignerStoreContext provider')
  return store
}

export function useDesigner<Slice>(selector: (state: DesignerState) => Slice): Slice {
  return useStore(useDesignerStoreApi(), selector)
}

/** The id of the one selected node, or null when none or several are selected. */
export function selectedNodeId(state: DesignerState): string | null {
  let found: string | null = null
  for (const node of state.nodes) {
    if (!node.selected) continue
    if (found) return null
    found = node.id
  }
  return found
}
