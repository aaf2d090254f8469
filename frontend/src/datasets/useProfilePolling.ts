import { useEffect, useReducer } from 'react'

import { errorMessage } from '../api/client'
import { fetchDatasetProfile } from '../api/resources'
import { INITIAL_POLL, isPolling, profilePollReducer } from './profilePolling'

/** The profile of one dataset version, polled until it is ready or failed. */
export function useProfilePolling(datasetId: string, version: number) {
  const [state, dispatch] = useReducer(profilePollReducer, INITIAL_POLL)

  useEffect(() => {
    if (!isPolling(state)) return
    const controller = new AbortController()
    const timer = setTimeout(() => {
      fetchDatasetProfile(datasetId, version, controller.signal).then(
        (body) => dispatch({ type: 'response', body }),
        (error: unknown) => {
          if (!controller.signal.aborted) dispatch({ type: 'request-failed', message: errorMessage(error) })
        },
      )
    }, state.delayMs)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [datasetId, state, version])

  return { state, restart: () => dispatch({ type: 'restart' }) }
}
