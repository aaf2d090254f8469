import type { Viewport } from '@xyflow/react'

import type { Pipeline } from '../api/types'
import type { DesignerStore } from './store'

/**
 * A new pipeline is created on its first edit, and its URL changes from /designer to
 * /designer/{id}. The editor that opens at the new URL takes over the same store (history and all)
 * and viewport from here instead of fetching what it already has.
 */
export interface Handoff {
  store: DesignerStore
  pipeline: Pipeline
  /** The revision the server has (edits made while creating are saved by the next editor). */
  savedRevision: string
  viewport: Viewport
}

const handoffs = new Map<string, Handoff>()

export function handOff(pipelineId: string, handoff: Handoff): void {
  handoffs.set(pipelineId, handoff)
}

export function peekHandoff(pipelineId: string | undefined): Handoff | undefined {
  return pipelineId ? handoffs.get(pipelineId) : undefined
}

export function dropHandoff(pipelineId: string | undefined): void {
  if (pipelineId) handoffs.delete(pipelineId)
}
