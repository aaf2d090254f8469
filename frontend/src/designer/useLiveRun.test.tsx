import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { Run } from '../api/types'
import { installFakeServer } from '../test/fakeServer'
import { runSocketUrl, useLiveRun } from './useLiveRun'

const RUN_ID = '11111111-2222-3333-4444-555555555555'

/** A WebSocket the test drives by hand. */
class FakeSocket {
  static instances: FakeSocket[] = []
  url: string
  onopen: (() => void) | null = null
  onmessage: ((message: { data: string }) => void) | null = null
  onclose: ((event: { code: number }) => void) | null = null
  closed = false
  constructor(url: string) {
    this.url = url
    FakeSocket.instances.push(this)
  }
  close() {
    this.closed = true
  }
  open() {
    this.onopen?.()
  }
  send(event: object) {
    this.onmessage?.({ data: JSON.stringify(event) })
  }
  drop() {
    this.onclose?.({ code: 1006 })
  }
}

function run(status: Run['status'], stepStatus: Run['steps'][number]['status']): Run {
  return {
    id: RUN_ID,
    experiment: 'Default',
    pipeline: 'p1',
    pipeline_version: 1,
    status,
    created_at: '2026-01-01T00:00:00Z',
    started_at: null,
    finished_at: null,
    steps: [
      {
        node: 'a',
        title: 'Import Data',
        module: 'm',
        status: stepStatus,
        queue: 'cpu',
        attempt: 0,
        error: null,
        metrics: null,
        outputs: {},
        cached_from_run: null,
        started_at: null,
        finished_at: null,
        duration_ms: null,
      },
    ],
  }
}

function wrapper({ children }: { children: ReactNode }) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>
}

describe('useLiveRun', () => {
  beforeEach(() => {
    FakeSocket.instances = []
    vi.stubGlobal('WebSocket', FakeSocket)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('applies events, shows reconnecting when the socket drops, and resumes after the last event', async () => {
    let finished = false
    installFakeServer({
      [`GET /api/v1/runs/${RUN_ID}/`]: () => ({ body: finished ? run('completed', 'completed') : run('running', 'queued') }),
    })
    const { result } = renderHook(() => useLiveRun(RUN_ID), { wrapper })
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1))
    const first = FakeSocket.instances[0]
    expect(first.url).toBe(`ws://localhost:3000/ws/runs/${RUN_ID}/?after=0`)

    act(() => {
      first.open()
      first.send({ id: 4, kind: 'step_started', node: 'a', payload: {}, at: '2026-01-01T00:00:01Z' })
    })
    expect(result.current.socketState).toBe('open')
    expect(result.current.live?.steps.a.status).toBe('running')

    act(() => first.drop())
    expect(result.current.socketState).toBe('reconnecting')
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2), { timeout: 3000 })
    const second = FakeSocket.instances[1]
    expect(second.url).toContain('?after=4')

    finished = true
    act(() => {
      second.open()
      // A replayed event changes nothing; the new ones move the run on.
      second.send({ id: 4, kind: 'step_started', node: 'a', payload: {}, at: '2026-01-01T00:00:01Z' })
      second.send({ id: 5, kind: 'step_completed', node: 'a', payload: { duration_ms: 20 }, at: '2026-01-01T00:00:02Z' })
      second.send({ id: 6, kind: 'run_finished', node: null, payload: { status: 'completed' }, at: '2026-01-01T00:00:03Z' })
    })
    expect(result.current.live?.steps.a).toMatchObject({ status: 'completed', durationMs: 20 })
    expect(result.current.live?.status).toBe('completed')
    expect(result.current.socketState).toBe('closed')
    expect(second.closed).toBe(true)
    await waitFor(() => expect(result.current.live?.lastEventId).toBe(6))
  })

  it('opens no socket for a run that had already finished', async () => {
    installFakeServer({ [`GET /api/v1/runs/${RUN_ID}/`]: { body: run('completed', 'completed') } })
    const { result } = renderHook(() => useLiveRun(RUN_ID), { wrapper })
    await waitFor(() => expect(result.current.live?.status).toBe('completed'))
    expect(result.current.socketState).toBe('closed')
    expect(FakeSocket.instances).toHaveLength(0)
  })

  it('builds the websocket address from the page location', () => {
    expect(runSocketUrl('r1', 7, { protocol: 'https:', host: 'ml.example.org' } as Location)).toBe(
      'wss://ml.example.org/ws/runs/r1/?after=7',
    )
  })
})
