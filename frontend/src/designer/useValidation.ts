import { useEffect, useRef, useState } from 'react'

import { errorMessage } from '../api/client'
import { validateGraph } from '../api/resources'
import { toGraph } from './graph'
import type { DesignerStore } from './store'

export const VALIDATE_DELAY_MS = 500

/**
 * Asks the server to validate the graph a moment after each change to what it means (not after
 * moves), and puts the problems and the inferred column schemas in the store.
 */
export function useValidation(store: DesignerStore, pipelineId: string | undefined, enabled: boolean) {
  const [checking, setChecking] = useState(false)
  const [validationError, setValidationError] = useState<string | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  const controller = useRef<AbortController | null>(null)

  useEffect(() => {
    if (!pipelineId || !enabled) return
    const run = async () => {
      controller.current?.abort()
      const abort = new AbortController()
      controller.current = abort
      const { nodes, edges } = store.getState()
      setChecking(true)
      try {
        const result = await validateGraph(pipelineId, toGraph(nodes, edges), abort.signal)
        if (abort.signal.aborted) return
        store.getState().setValidation(result.problems, result.schemas)
        setValidationError(null)
      } catch (error) {
        if (abort.signal.aborted || (error instanceof DOMException && error.name === 'AbortError')) return
        setValidationError(errorMessage(error))
      } finally {
        if (!abort.signal.aborted) setChecking(false)
      }
    }
    const schedule = (delay: number) => {
      clearTimeout(timer.current)
      timer.current = setTimeout(() => void run(), delay)
    }
    schedule(0)
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.semanticRevision !== previous.semanticRevision) schedule(VALIDATE_DELAY_MS)
    })
    return () => {
      unsubscribe()
      clearTimeout(timer.current)
      controller.current?.abort()
    }
  }, [enabled, pipelineId, store])

  return { checking, validationError }
}
