/**
 * A thin typed wrapper around fetch for the Django API.
 *
 * Every request sends and expects JSON, rides on the browser session cookie
 * (credentials: same-origin) and, for methods that change state, carries the
 * CSRF token Django put in the `csrftoken` cookie. Failures are thrown as
 * ApiError so callers can show the server's own message to the user.
 */

export const CSRF_COOKIE_NAME = 'csrftoken'
export const CSRF_HEADER_NAME = 'X-CSRFToken'

/** The error envelope every API endpoint answers with on failure. */
export interface ApiErrorBody {
  error: {
    code: string
    message: string
    /** The request field the error is about, when there is one. */
    field?: string | null
    /** The pipeline node the error is about, when there is one. */
    node?: string | null
    /** Machine-readable extras, e.g. `problems` of an invalid graph. */
    details?: Record<string, unknown> | null
  }
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | null
  readonly node: string | null
  readonly details: Record<string, unknown> | null

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { field?: string | null; node?: string | null; details?: Record<string, unknown> | null } = {},
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = extra.field ?? null
    this.node = extra.node ?? null
    this.details = extra.details ?? null
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError
}

/** A sentence for the user from anything thrown: the server's message, or a generic one. */
export function errorMessage(error: unknown, fallback = 'Something went wrong. Please try again.'): string {
  if (isApiError(error)) return error.message
  if (error instanceof Error && error.message) return error.message
  return fallback
}

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

// The methods Django's CSRF middleware lets through without a token.
const CSRF_SAFE_METHODS: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'OPTIONS'])

export function readCookie(name: string, cookieHeader: string = document.cookie): string | null {
  for (const pair of cookieHeader.split(';')) {
    const separator = pair.indexOf('=')
    if (separator === -1) continue
    if (pair.slice(0, separator).trim() === name) {
      return decodeURIComponent(pair.slice(separator + 1).trim())
    }
  }
  return null
}

/**
 * Headers for one request. The CSRF token is read from the cookie at request
 * time, never cached, because Django rotates it when the user logs in.
 */
export function buildRequestHeaders(
  method: HttpMethod,
  { hasJsonBody, cookieHeader }: { hasJsonBody: boolean; cookieHeader?: string },
): Headers {
  const headers = new Headers({ Accept: 'application/json' })
  if (hasJsonBody) headers.set('Content-Type', 'application/json')
  if (!CSRF_SAFE_METHODS.has(method)) {
    const csrfToken = readCookie(CSRF_COOKIE_NAME, cookieHeader)
    if (csrfToken) headers.set(CSRF_HEADER_NAME, csrfToken)
  }
  return headers
}

function isApiErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false
  const { error } = body as { error: unknown }
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  )
}

/**
 * Turns a failed response body into an ApiError. Bodies that are not the API's
 * error envelope (an HTML error page from a proxy, a plain-text 502) become a
 * short generic sentence: the user never sees raw markup or JSON.
 */
export function errorFromResponseBody(status: number, statusText: string, body: unknown): ApiError {
  if (isApiErrorBody(body)) {
    const { code, message, field, node, details } = body.error
    return new ApiError(status, code || 'error', message, { field, node, details })
  }
  // Django REST framework's default shape, for endpoints not yet wrapped.
  if (typeof body === 'object' && body !== null && typeof (body as { detail?: unknown }).detail === 'string') {
    return new ApiError(status, 'error', (body as { detail: string }).detail)
  }
  const reason = statusText ? `${status} ${statusText}` : String(status)
  return new ApiError(status, 'http_error', `The server could not handle the request (${reason}).`)
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
  if (!text) return undefined
  const contentType = response.headers.get('Content-Type') ?? ''
  if (!contentType.includes('json')) return text
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export interface RequestOptions {
  method?: HttpMethod
  /** Serialised as JSON; a FormData body is sent as multipart (file uploads). */
  body?: unknown
  signal?: AbortSignal
}

export async function apiRequest<ResponseBody>(
  path: string,
  { method = 'GET', body, signal }: RequestOptions = {},
): Promise<ResponseBody> {
  const isMultipart = body instanceof FormData
  const hasJsonBody = body !== undefined && !isMultipart
  let response: Response
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: buildRequestHeaders(method, { hasJsonBody }),
      body: isMultipart ? body : hasJsonBody ? JSON.stringify(body) : undefined,
      signal,
    })
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.')
  }

  const responseBody = await readBody(response)
  if (!response.ok) {
    throw errorFromResponseBody(response.status, response.statusText, responseBody)
  }
  return responseBody as ResponseBody
}

export const api = {
  get: <ResponseBody>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<ResponseBody>(path, { ...options, method: 'GET' }),
  post: <ResponseBody>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<ResponseBody>(path, { ...options, method: 'POST', body }),
  put: <ResponseBody>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<ResponseBody>(path, { ...options, method: 'PUT', body }),
  patch: <ResponseBody>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<ResponseBody>(path, { ...options, method: 'PATCH', body }),
  delete: <ResponseBody = void>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<ResponseBody>(path, { ...options, method: 'DELETE' }),
}
