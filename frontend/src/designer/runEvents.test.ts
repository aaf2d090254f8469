import { describe, expect, it } from 'vitest'

import type { Run, RunEvent } from '../api/types'
import { formatDuration } from '../formatTime'
import { countSteps, firstLine, initialLiveRun, runEventsReducer } from './runEvents'

const RUN: Run = {
  id: 'r1',
  experiment: 'Default',
  pipeline: 'p1',
  pipeline_version: 1,
  status: 'queued',
  created_at: '2026-01-01T00:00:00Z',
  started_at: null,
  finished_at: null,
  steps: ['a', 'b', 'c'].map((node) => ({
    node,
    title: `Step ${node}`,
    module: 'm',
    status: 'pending' as const,
    queue: 'cpu',
    attempt: 0,
    error: null,
    metrics: null,
    outputs: {},
    cached_from_run: null,
    started_at: null,
    finished_at: null,
    duration_ms: null,
  })),
}

let nextId = 1
function event(kind: string, node: string | null, payload: Record<string, unknown> = {}): RunEvent {
  const id = nextId
  nextId += 1
  return { id, kind, node, payload, at: `2026-01-01T00:00:${String(id).padStart(2, '0')}Z` }
}

function fold(events: RunEvent[]) {
  return events.reduce(runEventsReducer, initialLiveRun(RUN))
}

describe('runEventsReducer', () => {
  it('follows a step from queued through running to completed', () => {
    nextId = 1
    const queued = fold([event('run_queued', null, { steps: 3 }), event('step_queued', 'a', { queue: 'cpu' })])
    expect(queued.steps.a.status).toBe('queued')
    const running = runEventsReducer(queued, event('step_started', 'a', { attempt: 1 }))
    expect(running.steps.a).toMatchObject({ status: 'running', startedAt: '2026-01-01T00:00:03Z', attempt: 1 })
    expect(running.status).toBe('running')
    const progressed = runEventsReducer(running, event('step_progress', 'a', { fraction: 0.4, message: 'fitting' }))
    expect(progressed.steps.a).toMatchObject({ progress: 0.4, progressMessage: 'fitting' })
    const done = runEventsReducer(progressed, event('step_completed', 'a', { duration_ms: 1234, metrics: { rows: 10 } }))
    expect(done.steps.a).toMatchObject({ status: 'completed', durationMs: 1234, metrics: { rows: 10 }, progress: 1 })
    expect(done.lastEventId).toBe(5)
  })

  it('records cached steps with the run they came from and failures with their error', () => {
    nextId = 1
    const state = fold([
      event('step_cached', 'a', { cached_from_run: 'r0', duration_ms: 3 }),
      event('step_failed', 'b', { error: { code: 'module_error', message: 'Column x is missing.\nDetails below' } }),
      event('step_cancelled', 'c', { error: { code: 'upstream_failed', message: 'An earlier step failed.' } }),
      event('run_finished', null, { status: 'failed' }),
    ])
    expect(state.steps.a).toMatchObject({ status: 'cached', cachedFromRun: 'r0' })
    expect(state.steps.b.status).toBe('failed')
    expect(firstLine(state.steps.b.error?.message ?? '')).toBe('Column x is missing.')
    expect(state.steps.c.status).toBe('cancelled')
    expect(state.status).toBe('failed')
    expect(state.finishedAt).toBe('2026-01-01T00:00:04Z')
    expect(countSteps(state)).toMatchObject({ total: 3, done: 3, cached: 1, failed: 1 })
  })

  it('ignores events it has already applied, so a replay after reconnecting is harmless', () => {
    nextId = 1
    const events = [event('step_queued', 'a'), event('step_started', 'a'), event('step_completed', 'a', { duration_ms: 5 })]
    const once = fold(events)
    const replayed = events.reduce(runEventsReducer, once)
    expect(replayed).toBe(once)
  })

  it('puts a requeued step back in the queue with the reason', () => {
    nextId = 1
    const state = fold([
      event('step_started', 'b'),
      event('step_requeued', 'b', { reason: 'the worker running it stopped responding' }),
    ])
    expect(state.steps.b).toMatchObject({ status: 'queued', progressMessage: 'the worker running it stopped responding' })
  })

  it('adds steps it did not know from the run', () => {
    nextId = 1
    const state = fold([event('step_queued', 'z')])
    expect(state.order).toEqual(['a', 'b', 'c', 'z'])
    expect(state.steps.z.status).toBe('queued')
  })
})

describe('formatDuration', () => {
  it('reads like a clock', () => {
    expect(formatDuration(450)).toBe('450 ms')
    expect(formatDuration(2500)).toBe('2.5 s')
    expect(formatDuration(75_000)).toBe('1:15 min')
  })
})
