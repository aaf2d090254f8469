import { describe, expect, it } from 'vitest'

import type { DatasetProfile, ProfileResponse } from '../api/types'
import {
  INITIAL_POLL,
  isPolling,
  MAX_POLL_MS,
  MAX_REQUEST_FAILURES,
  pollDelay,
  profilePollReducer,
  type ProfilePoll,
} from './profilePolling'

const PROFILE: DatasetProfile = { format: 1, rows: 2, columns: [] }
const answer = (status: ProfileResponse['status'], extra: Partial<ProfileResponse> = {}) => ({
  type: 'response' as const,
  body: { dataset: 'd1', version: 1, reference: 'd1@1', status, ...extra },
})

describe('pollDelay', () => {
  it('doubles from half a second up to a ceiling', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(pollDelay)).toEqual([500, 1000, 2000, 4000, MAX_POLL_MS, MAX_POLL_MS, MAX_POLL_MS])
  })
})

describe('profilePollReducer', () => {
  it('polls while the job is pending or running, slower each time, until it is ready', () => {
    let state: ProfilePoll = INITIAL_POLL
    expect(isPolling(state)).toBe(true)
    state = profilePollReducer(state, answer('pending'))
    expect(state).toEqual({ status: 'pending', polls: 1, failures: 0, delayMs: 500 })
    state = profilePollReducer(state, answer('running'))
    expect(state).toEqual({ status: 'running', polls: 2, failures: 0, delayMs: 1000 })
    state = profilePollReducer(state, answer('ready', { profile: PROFILE }))
    expect(state).toEqual({ status: 'ready', profile: PROFILE })
    expect(isPolling(state)).toBe(false)
    // Once settled, late answers change nothing.
    expect(profilePollReducer(state, answer('pending'))).toBe(state)
  })

  it('stops with the server’s reason when profiling failed', () => {
    const state = profilePollReducer(INITIAL_POLL, answer('failed', { error: 'Column x could not be read.' }))
    expect(state).toEqual({ status: 'failed', error: 'Column x could not be read.' })
  })

  it('retries failed requests a few times, then gives up with the last message', () => {
    let state: ProfilePoll = INITIAL_POLL
    for (let attempt = 1; attempt < MAX_REQUEST_FAILURES; attempt += 1) {
      state = profilePollReducer(state, { type: 'request-failed', message: 'offline' })
      expect(state).toMatchObject({ status: 'loading', failures: attempt })
    }
    // A good answer in between resets the count.
    const recovered = profilePollReducer(state, answer('pending'))
    expect(recovered).toMatchObject({ status: 'pending', failures: 0 })
    state = profilePollReducer(state, { type: 'request-failed', message: 'still offline' })
    expect(state).toEqual({ status: 'unavailable', error: 'still offline' })
    expect(profilePollReducer(state, { type: 'restart' })).toBe(INITIAL_POLL)
  })

  it('treats a ready answer without a profile as a failure', () => {
    expect(profilePollReducer(INITIAL_POLL, answer('ready')).status).toBe('failed')
  })
})
