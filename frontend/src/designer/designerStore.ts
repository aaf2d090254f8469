import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from '@xyflow/react'
import { create } from 'zustand'

/** What a canvas node knows about the module instance it stands for. */
export type ModuleNodeData = {
  moduleKey: string
  title: string
  params: Record<string, unknown>
}

export type ModuleNode = Node<ModuleNodeData>

interface DesignerState {
  nodes: ModuleNode[]
  edges: Edge[]
  onNodesChange: (changes: NodeChange<ModuleNode>[]) => void
  onEdgesChange: (changes: EdgeChange[]) => void
  onConnect: (connection: Connection) => void
  /** Empties the canvas, e.g. when the user opens another pipeline. */
  resetCanvas: () => void
}

/**
 * The canvas graph lives in one small store rather than in DesignerPage so
 * that the palette, canvas and properties panel can each read the slice they
 * need without re-rendering the whole page on every node drag.
 */
export const useDesignerStore = create<DesignerState>()((set) => ({
  nodes: [],
  edges: [],
  onNodesChange: (changes) => set((state) => ({ nodes: applyNodeChanges(changes, state.nodes) })),
  onEdgesChange: (changes) => set((state) => ({ edges: applyEdgeChanges(changes, state.edges) })),
  onConnect: (connection) => set((state) => ({ edges: addEdge(connection, state.edges) })),
  resetCanvas: () => set({ nodes: [], edges: [] }),
}))

/** The single selected node, or null when none or several are selected. */
export function useSelectedNode(): ModuleNode | null {
  return useDesignerStore((state) => {
    const selected = state.nodes.filter((node) => node.selected)
    return selected.length === 1 ? selected[0] : null
  })
}
