import { useCallback, useEffect, useRef, useState } from 'react'

import { errorMessage } from '../api/client'
import type { Graph } from '../api/types'
import { toGraph } from './graph'
import type { DesignerStore } from './store'

export type SaveState = 'saved' | 'unsaved' | 'saving' | 'error'

export const AUTOSAVE_DELAY_MS = 800

/** "semantic:layout" revision of the store, to tell whether what the server has is current. */
export function revisionOf(store: DesignerStore): string {
  const { semanticRevision, layoutRevision } = store.getState()
  return `${semanticRevision}:${layoutRevision}`
}

/**
 * Saves the draft a moment after each edit, one save at a time, with `persist` (PATCH the pipeline,
 * or create it on the first edit of a new one). `flush` saves now and resolves when the server has
 * the latest graph, e.g. before submitting a run.
 */
export function useAutosave(
  store: DesignerStore,
  persist: (graph: Graph, revision: string) => Promise<void>,
  initialSavedRevision = '0:0',
) {
  const [saveState, setSaveState] = useState<SaveState>('saved')
  const [saveError, setSaveError] = useState<string | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  const inFlight = useRef<Promise<void> | null>(null)
  const savedRevision = useRef(initialSavedRevision)
  const scheduleRef = useRef<() => void>(() => undefined)

  const current = useCallback(() => revisionOf(store), [store])

  const save = useCallback(async (): Promise<void> => {
    if (inFlight.current) {
      await inFlight.current
      if (savedRevision.current === current()) return
    }
    const revision = current()
    const { nodes, edges } = store.getState()
    const attempt = (async () => {
      setSaveState('saving')
      try {
        await persist(toGraph(nodes, edges), revision)
        savedRevision.current = revision
        setSaveError(null)
        setSaveState(current() === revision ? 'saved' : 'unsaved')
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
    if (current() !== revision) scheduleRef.current()
  }, [current, persist, store])

  const schedule = useCallback(() => {
    clearTimeout(timer.current)
    timer.current = setTimeout(() => void save().catch(() => undefined), AUTOSAVE_DELAY_MS)
  }, [save])
  useEffect(() => {
    scheduleRef.current = schedule
  }, [schedule])

  useEffect(() => {
    // Edits made before this editor took over (a new pipeline being created) still need saving.
    if (savedRevision.current !== current()) scheduleRef.current()
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
  }, [current, schedule, store])

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
    if (savedRevision.current !== current() || inFlight.current) await save()
  }, [current, save])

  return { saveState, saveError, flush, retry: schedule }
}
