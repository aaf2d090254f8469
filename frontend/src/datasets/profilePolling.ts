/**
 * Following a dataset version's profile: the server answers 202 while the profile job is queued or
 * running and 200 once it is ready (or failed). The page polls with a growing delay, so a quick
 * profile appears at once and a slow one does not hammer the server; a request that fails is retried
 * a few times before the page says so.
 */
import type { DatasetProfile, ProfileResponse } from '../api/types'

export const FIRST_POLL_MS = 500
export const MAX_POLL_MS = 5000
export const MAX_REQUEST_FAILURES = 3

export type ProfilePoll =
  /** The first request has not answered yet. */
  | { status: 'loading'; polls: number; failures: number; delayMs: number }
  /** The job is queued or running: ask again after delayMs. */
  | { status: 'pending' | 'running'; polls: number; failures: number; delayMs: number }
  | { status: 'ready'; profile: DatasetProfile }
  /** The profile job itself failed (the server says why). */
  | { status: 'failed'; error: string }
  /** The requests keep failing (network, server errors): polling stopped. */
  | { status: 'unavailable'; error: string }

export type ProfilePollEvent =
  | { type: 'response'; body: ProfileResponse }
  | { type: 'request-failed'; message: string }
  | { type: 'restart' }

export const INITIAL_POLL: ProfilePoll = { status: 'loading', polls: 0, failures: 0, delayMs: 0 }

/** The wait before poll number `polls` (1-based): 0.5 s, 1 s, 2 s, 4 s, then every 5 s. */
export function pollDelay(polls: number): number {
  return Math.min(FIRST_POLL_MS * 2 ** Math.max(0, polls - 1), MAX_POLL_MS)
}

export function profilePollReducer(state: ProfilePoll, event: ProfilePollEvent): ProfilePoll {
  if (event.type === 'restart') return INITIAL_POLL
  if (!isPolling(state)) return state
  const polls = state.polls + 1
  if (event.type === 'request-failed') {
    const failures = state.failures + 1
    if (failures >= MAX_REQUEST_FAILURES) return { status: 'unavailable', error: event.message }
    return { ...state, polls, failures, delayMs: pollDelay(polls) }
  }
  const { body } = event
  if (body.status === 'ready') {
    if (body.profile) return { status: 'ready', profile: body.profile }
    return { status: 'failed', error: 'The server said the profile is ready but sent none.' }
  }
  if (body.status === 'failed') return { status: 'failed', error: body.error || 'Profiling this version failed.' }
  return { status: body.status === 'running' ? 'running' : 'pending', polls, failures: 0, delayMs: pollDelay(polls) }
}

export function isPolling(
  state: ProfilePoll,
): state is Extract<ProfilePoll, { status: 'loading' | 'pending' | 'running' }> {
  return state.status === 'loading' || state.status === 'pending' || state.status === 'running'
}
