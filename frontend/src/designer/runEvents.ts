/**
 * A run's live state, folded from the run as fetched and then from its event log (the websocket).
 * The reducer is pure: the same events in the same order give the same state, and an event already
 * seen (an id at or below the last one applied) changes nothing, so a reconnect that replays is safe.
 */
import type { Run, RunEvent, RunStatus, Step, StepError, StepStatus } from '../api/types'

export interface LiveStep {
  node: string
  title: string
  status: StepStatus
  /** ISO time the step started running (for the elapsed-time clock). */
  startedAt: string | null
  finishedAt: string | null
  durationMs: number | null
  progress: number | null
  progressMessage: string | null
  cachedFromRun: string | null
  error: StepError | null
  metrics: Record<string, unknown> | null
  attempt: number
  outputs: Record<string, string>
}

export interface LiveRun {
  id: string
  status: RunStatus
  pipeline: string
  experiment: string
  createdAt: string
  finishedAt: string | null
  steps: Record<string, LiveStep>
  /** Order of the steps as the run lists them. */
  order: string[]
  lastEventId: number
}

export const FINISHED_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled'])
export const FINISHED_STEP_STATUSES: ReadonlySet<StepStatus> = new Set([
  'completed',
  'cached',
  'failed',
  'cancelled',
  'skipped',
])

function liveStep(step: Step): LiveStep {
  return {
    node: step.node,
    title: step.title,
    status: step.status,
    startedAt: step.started_at,
    finishedAt: step.finished_at,
    durationMs: step.duration_ms,
    progress: null,
    progressMessage: null,
    cachedFromRun: step.cached_from_run,
    error: step.error,
    metrics: step.metrics,
    attempt: step.attempt,
    outputs: step.outputs ?? {},
  }
}

/** The live state of a run as the REST API returned it, before any event. */
export function initialLiveRun(run: Run, lastEventId = 0): LiveRun {
  const steps: Record<string, LiveStep> = {}
  for (const step of run.steps) steps[step.node] = liveStep(step)
  return {
    id: run.id,
    status: run.status,
    pipeline: run.pipeline,
    experiment: run.experiment,
    createdAt: run.created_at,
    finishedAt: run.finished_at,
    steps,
    order: run.steps.map((step) => step.node),
    lastEventId,
  }
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function asError(value: unknown): StepError | null {
  if (value && typeof value === 'object' && typeof (value as StepError).message === 'string') {
    const error = value as StepError
    return { code: String(error.code ?? 'error'), message: error.message }
  }
  return null
}

const FINISHING_EVENTS: Record<string, StepStatus> = {
  step_completed: 'completed',
  step_cached: 'cached',
  step_failed: 'failed',
  step_cancelled: 'cancelled',
  step_skipped: 'skipped',
}

export function runEventsReducer(state: LiveRun, event: RunEvent): LiveRun {
  if (event.id <= state.lastEventId) return state
  const next: LiveRun = { ...state, lastEventId: event.id }
  const { payload } = event
  if (event.kind === 'run_finished') {
    const status = payload.status as RunStatus | undefined
    return { ...next, status: status ?? next.status, finishedAt: event.at }
  }
  if (event.kind === 'run_queued') return next
  if (!event.node) return next

  const previous: LiveStep = state.steps[event.node] ?? {
    node: event.node,
    title: event.node,
    status: 'pending',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    progress: null,
    progressMessage: null,
    cachedFromRun: null,
    error: null,
    metrics: null,
    attempt: 0,
    outputs: {},
  }
  let step: LiveStep = previous
  switch (event.kind) {
    case 'step_queued':
      step = { ...previous, status: 'queued', error: null }
      break
    case 'step_requeued':
      step = { ...previous, status: 'queued', progress: null, progressMessage: asString(payload.reason) }
      break
    case 'step_started':
      step = {
        ...previous,
        status: 'running',
        startedAt: event.at,
        finishedAt: null,
        progress: null,
        progressMessage: null,
        attempt: asNumber(payload.attempt) ?? previous.attempt,
      }
      break
    case 'step_progress':
      step = {
        ...previous,
        status: previous.status === 'queued' || previous.status === 'pending' ? 'running' : previous.status,
        progress: asNumber(payload.fraction),
        progressMessage: asString(payload.message),
      }
      break
    default: {
      const status = FINISHING_EVENTS[event.kind]
      if (!status) return next
      step = {
        ...previous,
        status,
        finishedAt: event.at,
        durationMs: asNumber(payload.duration_ms) ?? previous.durationMs,
        progress: status === 'completed' ? 1 : previous.progress,
        cachedFromRun: asString(payload.cached_from_run) ?? previous.cachedFromRun,
        error: asError(payload.error) ?? (status === 'failed' ? previous.error : null),
        metrics: (payload.metrics as Record<string, unknown> | undefined) ?? previous.metrics,
      }
    }
  }
  const order = state.order.includes(event.node) ? state.order : [...state.order, event.node]
  // The first event that moves a step means the run is under way.
  const status = next.status === 'queued' && event.kind !== 'step_queued' ? 'running' : next.status
  return { ...next, status, order, steps: { ...state.steps, [event.node]: step } }
}

function asString(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null
}

export interface RunCounts {
  total: number
  done: number
  completed: number
  cached: number
  failed: number
  running: number
  queued: number
}

export function countSteps(run: LiveRun): RunCounts {
  const counts: RunCounts = { total: 0, done: 0, completed: 0, cached: 0, failed: 0, running: 0, queued: 0 }
  for (const step of Object.values(run.steps)) {
    counts.total += 1
    if (FINISHED_STEP_STATUSES.has(step.status)) counts.done += 1
    if (step.status === 'completed') counts.completed += 1
    if (step.status === 'cached') counts.cached += 1
    if (step.status === 'failed') counts.failed += 1
    if (step.status === 'running') counts.running += 1
    if (step.status === 'queued') counts.queued += 1
  }
  return counts
}

/** The first line of an error message: what fits on a node. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim()
}
