import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'

import type { EndpointDetail, EndpointVersion } from '../api/types'
import { forgetAllKeys, rememberKeys } from '../deploy/keyVault'
import { clearCookies, installFakeServer, setCookie, type RecordedRequest } from '../test/fakeServer'
import { renderApp } from '../test/renderApp'

vi.mock('../outputs/Chart', () => ({
  Chart: ({ label, testId }: { label: string; testId?: string }) => <figure aria-label={label} data-testid={testId} />,
}))

afterEach(() => {
  forgetAllKeys()
  clearCookies()
})

const SCHEMA = [
  { name: 'bill_length_mm', type: 'double' },
  { name: 'island', type: 'string' },
]

function version(number: number, status = 'healthy'): EndpointVersion {
  return {
    number,
    status,
    status_reason: status === 'healthy' ? '' : '2 row(s) differ from the run',
    run: `run-${number}`,
    created_at: '2026-01-01T00:00:00Z',
    deploy_seconds: 0.4,
    fast_path: true,
    input_schema: SCHEMA,
    inputs: ['WebServiceInput0'],
    outputs: ['WebServiceOutput0'],
    parity: status === 'healthy' ? { ok: true, rows_compared: 100 } : { ok: false, rows_with_differences: 2 },
  }
}

function endpoint(extra: Partial<EndpointDetail> = {}): EndpointDetail {
  return {
    name: 'penguins',
    description: '',
    status: 'healthy',
    status_reason: '',
    workspace: 1,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    scoring_url: 'http://testserver/score/penguins',
    api_scoring_url: 'http://testserver/api/v1/endpoints/penguins/score/',
    openapi_url: 'http://testserver/api/v1/endpoints/penguins/openapi/',
    traffic: { '1': 100 },
    serving_versions: [1],
    keys: { primary: { prefix: 'mlk_abc…', created_at: '2026-01-01T00:00:00Z' } },
    input_schema: SCHEMA,
    versions: [version(1)],
    consume: {
      scoring_url: 'http://testserver/score/penguins',
      openapi_url: 'http://testserver/api/v1/endpoints/penguins/openapi/',
      auth: 'Authorization: Bearer <key>',
      example_request: { inputs: [{ bill_length_mm: 39.1, island: null, species: 'Adelie' }] },
      samples: { curl: "curl -X POST 'http://testserver/score/penguins'", python: 'import requests' },
    },
    ...extra,
  }
}

const PREDICTIONS = { predictions: [{ 'Scored Labels': 'Adelie' }], version: 1 }

function endpointServer(detail = endpoint(), extra: Record<string, (request: RecordedRequest) => { status?: number; body?: unknown }> = {}) {
  return installFakeServer({
    'GET /api/v1/auth/me/': { body: { username: 'ada' } },
    'GET /api/v1/endpoints/penguins/': { body: detail },
    'POST /score/penguins': { body: PREDICTIONS },
    'POST /api/v1/endpoints/penguins/score/': { body: PREDICTIONS },
    ...extra,
  })
}

describe('EndpointPage', () => {
  it('shows the scoring URL, keys and sample code', async () => {
    endpointServer()
    renderApp('/endpoints/penguins')
    expect(await screen.findByTestId('scoring-url')).toHaveTextContent('http://testserver/score/penguins')
    expect(screen.getByTestId('key-primary')).toHaveTextContent('mlk_abc…')
    expect(screen.getByTestId('sample-curl')).toHaveTextContent("curl -X POST 'http://testserver/score/penguins'")
  })

  it('regenerates a key after asking, and shows it once', async () => {
    const user = userEvent.setup()
    const server = endpointServer(endpoint(), {
      'POST /api/v1/endpoints/penguins/keys/': () => ({
        body: { slot: 'secondary', key: 'mlk_new_secret', prefix: 'mlk_new…', created_at: '2026-01-02T00:00:00Z' },
      }),
    })
    renderApp('/endpoints/penguins')
    await user.click(await screen.findByRole('button', { name: 'Regenerate the secondary key' }))
    await user.click(within(screen.getByRole('group', { name: 'Regenerate the secondary key?' })).getByRole('button', { name: 'Regenerate' }))
    expect(await screen.findByTestId('new-key-secondary')).toHaveTextContent('mlk_new_secret')
    expect(server.requests.find((request) => request.method === 'POST')?.body).toEqual({ slot: 'secondary' })
  })

  it('tests with the remembered key, prefilled from the training example', async () => {
    const user = userEvent.setup()
    rememberKeys('penguins', { primary: 'mlk_remembered' })
    const server = endpointServer()
    renderApp('/endpoints/penguins?tab=test')
    const body = await screen.findByLabelText('Request body')
    expect(JSON.parse((body as HTMLTextAreaElement).value)).toEqual({ inputs: [{ bill_length_mm: 39.1, island: 'text' }] })
    expect(screen.getByLabelText('Key')).toHaveValue('mlk_remembered')
    await user.click(screen.getByRole('button', { name: 'Send request' }))
    expect(await screen.findByTestId('test-predictions')).toHaveTextContent('Adelie')
    const request = server.requests.find((candidate) => candidate.path === '/score/penguins')
    expect(request?.headers.get('Authorization')).toBe('Bearer mlk_remembered')
    expect(request?.credentials).toBe('omit')
    expect(request?.body).toEqual({ inputs: [{ bill_length_mm: 39.1, island: 'text' }] })
  })

  it('tests through the session without a key, and refuses a body that is not JSON', async () => {
    const user = userEvent.setup()
    setCookie('csrftoken', 'csrf-1')
    const server = endpointServer()
    renderApp('/endpoints/penguins?tab=test')
    const body = await screen.findByLabelText('Request body')
    await user.clear(body)
    await user.type(body, '{{"inputs": [[')
    expect(screen.getByRole('button', { name: 'Send request' })).toBeDisabled()
    expect(screen.getByText(/This is not valid JSON/)).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Reset the example' }))
    await user.click(screen.getByRole('button', { name: 'Send request' }))
    await screen.findByTestId('test-reply')
    const request = server.requests.find((candidate) => candidate.path === '/api/v1/endpoints/penguins/score/')
    expect(request?.headers.get('X-CSRFToken')).toBe('csrf-1')
    expect(request?.headers.get('Authorization')).toBeNull()
  })

  it('rolls back and splits traffic between healthy versions only', async () => {
    const user = userEvent.setup()
    const detail = endpoint({ traffic: { '2': 100 }, serving_versions: [2], versions: [version(1), version(2), version(3, 'failed')] })
    const server = endpointServer(detail, {
      'PATCH /api/v1/endpoints/penguins/': (request) => {
        const body = request.body as { version?: number; traffic?: Record<string, number> }
        const traffic = body.traffic ?? { [String(body.version)]: 100 }
        return { body: { ...detail, traffic, serving_versions: Object.keys(traffic).map(Number) } }
      },
    })
    renderApp('/endpoints/penguins?tab=versions')
    expect(await screen.findByTestId('serving')).toHaveTextContent('v2 100%')
    // A failed version offers nothing to click.
    expect(screen.queryByRole('button', { name: /v3/ })).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Roll back to v1' }))
    await waitFor(() => expect(screen.getByTestId('serving')).toHaveTextContent('v1 100%'))
    expect(within(screen.getByLabelText('Second version')).queryByRole('option', { name: 'v3' })).toBeNull()
    const share = screen.getByLabelText('Percent to v2')
    await user.clear(share)
    await user.type(share, '12.5')
    expect(screen.getByRole('button', { name: 'Apply the split' })).toBeDisabled()
    expect(screen.getByText('Version 2: the share must be a whole percentage from 0 to 100.')).toBeInTheDocument()
    await user.clear(share)
    await user.type(share, '30')
    expect(screen.getByTestId('traffic-preview')).toHaveTextContent('New split: v1 70% · v2 30%')
    await user.click(screen.getByRole('button', { name: 'Apply the split' }))
    await waitFor(() => expect(screen.getByTestId('serving')).toHaveTextContent('v1 70% · v2 30%'))
    const patches = server.requests.filter((request) => request.method === 'PATCH').map((request) => request.body)
    expect(patches).toEqual([{ version: 1 }, { traffic: { '1': 70, '2': 30 } }])
  })
})
