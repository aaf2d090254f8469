import { afterEach, describe, expect, it } from 'vitest'

import { clearCookies, installFakeServer, setCookie } from '../test/fakeServer'
import { ApiError, api, buildRequestHeaders, errorFromResponseBody, readCookie } from './client'

afterEach(clearCookies)

describe('readCookie', () => {
  it('finds one cookie among several and decodes it', () => {
    expect(readCookie('csrftoken', 'sessionid=s1; csrftoken=a%2Bb; theme=dark')).toBe('a+b')
  })

  it('returns null when the cookie is absent', () => {
    expect(readCookie('csrftoken', 'sessionid=s1')).toBeNull()
  })

  it('does not match a cookie whose name merely ends the same way', () => {
    expect(readCookie('csrftoken', 'xcsrftoken=wrong')).toBeNull()
  })
})

describe('buildRequestHeaders', () => {
  const cookieHeader = 'csrftoken=token-123'

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'] as const)('sends the CSRF token on %s', (method) => {
    const headers = buildRequestHeaders(method, { hasJsonBody: true, cookieHeader })
    expect(headers.get('X-CSRFToken')).toBe('token-123')
    expect(headers.get('Content-Type')).toBe('application/json')
  })

  it.each(['GET', 'HEAD', 'OPTIONS'] as const)('leaves the CSRF token off %s', (method) => {
    const headers = buildRequestHeaders(method, { hasJsonBody: false, cookieHeader })
    expect(headers.has('X-CSRFToken')).toBe(false)
    expect(headers.has('Content-Type')).toBe(false)
    expect(headers.get('Accept')).toBe('application/json')
  })

  it('sends no CSRF header when there is no cookie yet', () => {
    const headers = buildRequestHeaders('POST', { hasJsonBody: true, cookieHeader: '' })
    expect(headers.has('X-CSRFToken')).toBe(false)
  })
})

describe('errorFromResponseBody', () => {
  it('keeps the code, message, field and node of the error envelope', () => {
    const error = errorFromResponseBody(400, 'Bad Request', {
      error: { code: 'param_out_of_range', message: 'Fraction must be between 0 and 1.', field: 'fraction', node: 'n2' },
    })
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({
      status: 400,
      code: 'param_out_of_range',
      message: 'Fraction must be between 0 and 1.',
      field: 'fraction',
      node: 'n2',
    })
  })

  it('uses the detail of a Django REST framework error', () => {
    const error = errorFromResponseBody(403, 'Forbidden', { detail: 'You do not have permission.' })
    expect(error.message).toBe('You do not have permission.')
  })

  it('never puts an HTML error page in front of the user', () => {
    const error = errorFromResponseBody(502, 'Bad Gateway', '<html><body>nginx</body></html>')
    expect(error.message).toBe('The server could not handle the request (502 Bad Gateway).')
    expect(error.code).toBe('http_error')
  })
})

describe('api', () => {
  it('posts JSON with the session cookie and the CSRF token', async () => {
    setCookie('csrftoken', 'cookie-token')
    const server = installFakeServer({ 'POST /api/v1/things/': { status: 201, body: { id: 't1' } } })

    const created = await api.post<{ id: string }>('/api/v1/things/', { name: 'first' })

    expect(created).toEqual({ id: 't1' })
    const [request] = server.requests
    expect(request.credentials).toBe('same-origin')
    expect(request.headers.get('X-CSRFToken')).toBe('cookie-token')
    expect(request.headers.get('Content-Type')).toBe('application/json')
    expect(request.body).toEqual({ name: 'first' })
  })

  it('throws an ApiError carrying the server message', async () => {
    installFakeServer({
      'GET /api/v1/pipelines/p9/': {
        status: 404,
        body: { error: { code: 'not_found', message: 'Pipeline p9 does not exist.' } },
      },
    })

    const request = api.get('/api/v1/pipelines/p9/')

    await expect(request).rejects.toBeInstanceOf(ApiError)
    await expect(request).rejects.toMatchObject({ status: 404, code: 'not_found', message: 'Pipeline p9 does not exist.' })
  })

  it('resolves to undefined for an empty 204 answer', async () => {
    installFakeServer({ 'DELETE /api/v1/pipelines/p1/': { status: 204 } })
    await expect(api.delete('/api/v1/pipelines/p1/')).resolves.toBeUndefined()
  })

  it('reports an unreachable server in words', async () => {
    const server = installFakeServer({})
    server.fetchStub.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    await expect(api.get('/api/v1/modules/')).rejects.toMatchObject({
      code: 'network_error',
      message: 'Could not reach the server. Check your connection and try again.',
    })
  })
})
