/**
 * Copy and paste of a selection as JSON text on the system clipboard, so it also pastes into another
 * pipeline in another tab. The payload is a graph fragment with a marker that says what it is.
 */
import type { Graph } from '../api/types'
import { toGraph, type ModuleFlowNode, type PortEdge } from './graph'

export const CLIPBOARD_KIND = 'ml-designer/selection'

export interface ClipboardPayload {
  kind: typeof CLIPBOARD_KIND
  version: 1
  graph: Graph
}

/** The selected nodes and the edges between them, or null when nothing is selected. */
export function selectionFragment(nodes: readonly ModuleFlowNode[], edges: readonly PortEdge[]): ClipboardPayload | null {
  const chosen = nodes.filter((node) => node.selected)
  if (!chosen.length) return null
  const ids = new Set(chosen.map((node) => node.id))
  const inner = edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target))
  return { kind: CLIPBOARD_KIND, version: 1, graph: toGraph(chosen, inner) }
}

/** The graph fragment in clipboard text, or null when the text is something else. */
export function parseClipboard(text: string): Graph | null {
  let payload: unknown
  try {
    payload = JSON.parse(text)
  } catch {
    return null
  }
  if (!payload || typeof payload !== 'object') return null
  const { kind, graph } = payload as Partial<ClipboardPayload>
  if (kind !== CLIPBOARD_KIND || !graph || !Array.isArray(graph.nodes) || !Array.isArray(graph.edges)) return null
  return graph
}

// The last copy in this tab, for browsers that refuse to read the clipboard (insecure origins).
let lastCopied: string | null = null

export async function writeClipboard(text: string): Promise<void> {
  lastCopied = text
  try {
    await navigator.clipboard?.writeText(text)
  } catch {
    // Copy still works inside this tab.
  }
}

export function rememberCopied(text: string): void {
  lastCopied = text
}

export async function readClipboard(): Promise<string | null> {
  try {
    const text = await navigator.clipboard?.readText()
    if (text) return text
  } catch {
    // Permission refused or not a secure origin: fall back to this tab's last copy.
  }
  return lastCopied
}
