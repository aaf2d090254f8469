/**
 * The Test form's request: a real scoring call. With a key it goes where every client goes
 * (POST /score/<name>, Authorization: Bearer <key>); without one it goes through the API's scoring
 * route on the user's session (a signed-in member of the endpoint's workspace, CSRF-checked).
 */
import { buildRequestHeaders } from '../api/client'

export interface ScoringReply {
  status: number
  ok: boolean
  /** Round trip as the browser measured it. */
  milliseconds: number
  /** The version that answered (X-Endpoint-Version). */
  version: string | null
  body: unknown
  via: 'key' | 'session'
}

export function scoringPath(name: string): string {
  return `/score/${encodeURIComponent(name)}`
}

export function sessionScoringPath(name: string): string {
  return `/api/v1/endpoints/${encodeURIComponent(name)}/score/`
}

export async function sendScoringRequest(name: string, body: unknown, key: string): Promise<ScoringReply> {
  const trimmed = key.trim()
  const via = trimmed ? 'key' : 'session'
  const headers = trimmed
    ? new Headers({ Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${trimmed}` })
    : buildRequestHeaders('POST', { hasJsonBody: true })
  const started = performance.now()
  const response = await fetch(trimmed ? scoringPath(name) : sessionScoringPath(name), {
    method: 'POST',
    // A key stands alone: the scoring route reads no cookies, so none are sent.
    credentials: trimmed ? 'omit' : 'same-origin',
    headers,
    body: JSON.stringify(body),
  })
  const text = await response.text()
  const milliseconds = performance.now() - started
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    // Not JSON: shown as text.
  }
  return {
    status: response.status,
    ok: response.ok,
    milliseconds,
    version: response.headers.get('X-Endpoint-Version'),
    body: parsed,
    via,
  }
}

/** The rows of a `{"predictions": [...]}` reply, when it is one. */
export function predictionRows(body: unknown): Record<string, unknown>[] | null {
  if (typeof body !== 'object' || body === null) return null
  const predictions = (body as { predictions?: unknown }).predictions
  if (!Array.isArray(predictions) || !predictions.every((row) => typeof row === 'object' && row !== null)) return null
  return predictions as Record<string, unknown>[]
}
