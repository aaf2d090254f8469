import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useReducer, useRef, useState } from 'react'

import { fetchRun, queryKeys, useRun } from '../api/resources'
import type { Run, RunEvent } from '../api/types'
import { FINISHED_RUN_STATUSES, initialLiveRun, runEventsReducer, type LiveRun } from './runEvents'

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'closed'

type Action = { type: 'load'; run: Run } | { type: 'event'; event: RunEvent }

function reducer(state: LiveRun | null, action: Action): LiveRun | null {
  if (action.type === 'load') {
    // A refetch after the run finished brings the outputs; keep the event position.
    return initialLiveRun(action.run, state?.id === action.run.id ? state.lastEventId : 0)
  }
  return state ? runEventsReducer(state, action.event) : state
}

const MAX_BACKOFF_MS = 10_000

export function runSocketUrl(runId: string, after: number, location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/ws/runs/${runId}/?after=${after}`
}

/**
 * A run's live state: fetched once, then kept current by the run's websocket. The socket resumes
 * from the last event id after a drop, and is closed for good once the run has finished.
 */
export function useLiveRun(runId: string | undefined) {
  const queryClient = useQueryClient()
  const runQuery = useRun(runId)
  const [live, dispatch] = useReducer(reducer, null)
  const [socketState, setSocketState] = useState<SocketState>('connecting')
  const lastEventId = useRef(0)
  const loadedRunId = useRef<string | null>(null)

  useEffect(() => {
    if (runQuery.data && loadedRunId.current !== runQuery.data.id) {
      loadedRunId.current = runQuery.data.id
      lastEventId.current = 0
      dispatch({ type: 'load', run: runQuery.data })
    }
  }, [runQuery.data])

  useEffect(() => {
    if (live) lastEventId.current = live.lastEventId
  }, [live])

  const runFinishedAtLoad = runQuery.data ? FINISHED_RUN_STATUSES.has(runQuery.data.status) : false
  const loaded = Boolean(runQuery.data)

  useEffect(() => {
    if (!runId || !loaded) return
    if (runFinishedAtLoad || typeof WebSocket === 'undefined') return
    let socket: WebSocket | null = null
    let retryTimer: ReturnType<typeof setTimeout> | undefined
    let attempts = 0
    let stopped = false

    const refresh = async () => {
      const run = await fetchRun(runId)
      queryClient.setQueryData(queryKeys.run(runId), run)
      dispatch({ type: 'load', run })
      void queryClient.invalidateQueries({ queryKey: ['runs', 'list'] })
    }

    const open = () => {
      socket = new WebSocket(runSocketUrl(runId, lastEventId.current))
      socket.onopen = () => {
        attempts = 0
        setSocketState('open')
      }
      socket.onmessage = (message) => {
        let event: RunEvent
        try {
          event = JSON.parse(String(message.data)) as RunEvent
        } catch {
          return
        }
        if (typeof event.id === 'number' && event.id > lastEventId.current) lastEventId.current = event.id
        dispatch({ type: 'event', event })
        if (event.kind === 'run_finished') {
          stopped = true
          socket?.close()
          setSocketState('closed')
          void refresh()
        }
      }
      socket.onclose = (closed) => {
        if (stopped) return
        if (closed.code === 4403) {
          setSocketState('closed')
          return
        }
        attempts += 1
        setSocketState('reconnecting')
        retryTimer = setTimeout(open, Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempts, 5)))
      }
    }
    open()
    return () => {
      stopped = true
      clearTimeout(retryTimer)
      socket?.close()
    }
  }, [runId, loaded, runFinishedAtLoad, queryClient])

  // A run that had finished when it was opened needs no socket at all.
  const noSocket = runFinishedAtLoad || typeof WebSocket === 'undefined'
  return { live, socketState: noSocket ? ('closed' as SocketState) : socketState, runQuery }
}
