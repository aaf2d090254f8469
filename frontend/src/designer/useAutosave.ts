import { useCallback, useEffect, useRef, useState } from 'react'

import { errorMessage } from '../api/client'
import { updatePipeline } from '../api/resources'
import { toGraph } from './graph'
import type { DesignerStore } from './store'

export type SaveState = 'saved' | 'unsaved' | 'saving' | 'error'

export const AUTOSAVE_DELAY_MS = 800

/**
 * Saves the draft a moment after each edit (PATCH graph), one save at a time. `flush` saves now and
 * resolves when the server has the latest graph, e.g. before submitting a run.
 */
export function useAutosave(store: DesignerStore, pipelineId: string | undefined) {
  const [saveState, setSaveState] = useState<SaveState>('saved')
  const [saveError, setSaveError] = useState<string | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  const inFlight = useRef<Promise<void> | null>(null)
  const savedRevision = useRef('0:0')
  const scheduleRef = useRef<() => void>(() => undefined)

  const revisionOf = useCallback(() => {
    const { semanticRevision, layoutRevision } = store.getState()
    return `${semanticRevision}:${layoutRevision}`
  }, [store])

  const save = useCallback(async (): Promise<void> => {
    if (!pipelineId) return
    if (inFlight.current) {
      await inFlight.current
      if (savedRevision.current === revisionOf()) return
    }
    const revision = revisionOf()
    const { nodes, edges } = store.getState()
    const attempt = (async () => {
      setSaveState('saving')
      try {
        await updatePipeline(pipelineId, { graph: toGraph(nodes, edges) })
        savedRevision.current = revision
        setSaveError(null)
        setSaveState(revisionOf() === revision ? 'saved' : 'unsaved')
      } catch (error) {
        setSaveError(errorMessage(error))
        setSaveState('error')
        throw error
      }
    })()
    inFlight.current = attempt
    try {
      await attempt
    } finally {
      inFlight.current = null
    }
    // Edits made while saving get their own save.
    if (revisionOf() !== revision) scheduleRef.current()
  }, [pipelineId, revisionOf, store])

  const schedule = useCallback(() => {
    clearTimeout(timer.current)
    timer.current = setTimeout(() => void save().catch(() => undefined), AUTOSAVE_DELAY_MS)
  }, [save])
  useEffect(() => {
    scheduleRef.current = schedule
  }, [schedule])

  useEffect(() => {
    savedRevision.current = revisionOf()
    return store.subscribe((state, previous) => {
      if (state.readOnly) return
      const changed =
        state.semanticRevision !== previous.semanticRevision || state.layoutRevision !== previous.layoutRevision
      // A fresh load resets the revisions to zero: that is what the server has.
      const loaded = state.semanticRevision === 0 && state.layoutRevision === 0
      if (loaded) {
        savedRevision.current = '0:0'
        setSaveState('saved')
        return
      }
      if (changed) {
        setSaveState('unsaved')
        schedule()
      }
    })
  }, [revisionOf, schedule, store])

  useEffect(() => () => clearTimeout(timer.current), [])

  // Leaving with unsaved edits asks first.
  useEffect(() => {
    if (saveState === 'saved') return
    const warn = (event: BeforeUnloadEvent) => event.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [saveState])

  const flush = useCallback(async () => {
    clearTimeout(timer.current)
    if (savedRevision.current !== revisionOf() || inFlight.current) await save()
  }, [revisionOf, save])

  return { saveState, saveError, flush, retry: schedule }
}
