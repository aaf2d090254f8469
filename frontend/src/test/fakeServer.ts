import { vi } from 'vitest'

/** A request as the fake server saw it, for assertions. */
export interface RecordedRequest {
  method: string
  path: string
  headers: Headers
  credentials: RequestCredentials | undefined
  body: unknown
}

export interface FakeResponse {
  status?: number
  body?: unknown
  /** Raw text sent as-is, for non-JSON answers such as an HTML error page. */
  text?: string
  contentType?: string
}

type RouteHandler = FakeResponse | ((request: RecordedRequest) => FakeResponse)

/**
 * Replaces global fetch with a tiny in-memory backend. Routes are keyed by
 * "METHOD /path/"; an unexpected request fails the test loudly.
 */
export function installFakeServer(routes: Record<string, RouteHandler>) {
  const requests: RecordedRequest[] = []
  const fetchStub = vi.fn<typeof fetch>(async (input, init = {}) => {
    const method = (init.method ?? 'GET').toUpperCase()
    const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname : input.url
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body
    const request: RecordedRequest = {
      method,
      path,
      headers: new Headers(init.headers),
      credentials: init.credentials,
      body,
    }
    requests.push(request)

    const handler = routes[`${method} ${path}`]
    if (!handler) throw new Error(`Fake server has no route for ${method} ${path}`)
    const answer = typeof handler === 'function' ? handler(request) : handler
    const status = answer.status ?? 200
    if (answer.text !== undefined) {
      return new Response(answer.text, {
        status,
        headers: { 'Content-Type': answer.contentType ?? 'text/html' },
      })
    }
    const hasBody = answer.body !== undefined && status !== 204
    return new Response(hasBody ? JSON.stringify(answer.body) : null, {
      status,
      headers: hasBody ? { 'Content-Type': 'application/json' } : {},
    })
  })
  vi.stubGlobal('fetch', fetchStub)
  return { requests, fetchStub }
}

export function setCookie(name: string, value: string): void {
  document.cookie = `${name}=${encodeURIComponent(value)}; path=/`
}

export function clearCookies(): void {
  for (const pair of document.cookie.split(';')) {
    const name = pair.split('=')[0].trim()
    if (name) document.cookie = `${name}=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT`
  }
}

export const NOT_SIGNED_IN: FakeResponse = {
  status: 403,
  body: { error: { code: 'not_authenticated', message: 'Authentication credentials were not provided.' } },
}
