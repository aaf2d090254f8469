import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { afterEach, describe, expect, it } from 'vitest'

import type { DeployResult, InferenceGraphPreview } from '../api/types'
import { CatalogContext, catalogFrom } from '../designer/catalog'
import { ALL_MODULES } from '../test/fixtures'
import { installFakeServer, type FakeResponse } from '../test/fakeServer'
import { DeployDialog } from './DeployDialog'
import { forgetAllKeys, useRememberedKeys } from './keyVault'

afterEach(forgetAllKeys)

const PREVIEW: InferenceGraphPreview = {
  run: 'r1',
  graph: {
    schema_version: 1,
    nodes: [
      { id: 'score', module: 'model_scoring_evaluation.score_model', module_version: 1, params: {} },
      { id: 'eval', module: 'model_scoring_evaluation.evaluate_model', module_version: 1, params: {} },
    ],
    edges: [{ source: 'score', source_port: 'scored_dataset', target: 'eval', target_port: 'scored_dataset' }],
    ui: {},
  },
  input_schema: [
    { name: 'mean radius', type: 'double' },
    { name: 'mean texture', type: 'double' },
  ],
  inputs: ['WebServiceInput0'],
  outputs: ['WebServiceOutput0'],
  label_columns: ['diagnosis'],
  removed: [{ node: 'train', module: 'model_training.train_model', title: 'Train Model', rule: 'training_only', reason: 'it trains' }],
  notes: [],
}

function result(status: 'healthy' | 'failed'): DeployResult {
  return {
    name: 'breast-cancer',
    description: '',
    status,
    status_reason: '',
    workspace: 1,
    created_at: '',
    updated_at: '',
    scoring_url: 'http://testserver/score/breast-cancer',
    api_scoring_url: '',
    openapi_url: '',
    traffic: status === 'healthy' ? { '1': 100 } : {},
    serving_versions: status === 'healthy' ? [1] : [],
    keys: {},
    input_schema: PREVIEW.input_schema,
    versions: [],
    deployment: {
      version: 1,
      status,
      reason: status === 'healthy' ? '' : "1 row(s) differ from the run; the first: row 3, column 'Scored Probabilities'",
      seconds: 0.42,
      parity:
        status === 'healthy'
          ? { ok: true, rows_compared: 171 }
          : {
              ok: false,
              rows_compared: 171,
              rows_with_differences: 1,
              differences: [
                {
                  node: 'score',
                  row: 3,
                  column: 'Scored Probabilities',
                  expected: 0.123,
                  got: 0.98,
                  detail: '',
                  input: { 'mean radius': 17.99 },
                },
              ],
            },
      removed: [],
      notes: [],
    },
    new_keys: { primary: 'mlk_primary_key', secondary: 'mlk_secondary_key' },
  }
}

function RememberedKey() {
  return <output data-testid="remembered">{useRememberedKeys('breast-cancer').primary ?? ''}</output>
}

function renderDialog(routes: Record<string, FakeResponse>) {
  const server = installFakeServer(routes)
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })
  render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter>
        <CatalogContext.Provider value={catalogFrom(ALL_MODULES)}>
          <DeployDialog open onOpenChange={() => undefined} runId="r1" pipelineName="Breast cancer!" />
          <RememberedKey />
        </CatalogContext.Provider>
      </MemoryRouter>
    </QueryClientProvider>,
  )
  return server
}

describe('DeployDialog', () => {
  it('shows the derived graph, deploys under the name given, and shows the keys once', async () => {
    const user = userEvent.setup()
    const server = renderDialog({
      'GET /api/v1/runs/r1/inference-graph/': { body: PREVIEW },
      'POST /api/v1/runs/r1/deploy/': { status: 201, body: result('healthy') },
    })
    const dialog = await screen.findByRole('dialog', { name: 'Deploy as a real-time endpoint' })
    expect(await within(dialog).findAllByTestId('module-node')).toHaveLength(2)
    expect(dialog).toHaveTextContent('Requests send 2 columns: mean radius, mean texture (not the label: diagnosis)')
    expect(dialog).toHaveTextContent('1 training step is left out of the endpoint')
    const name = within(dialog).getByLabelText('Endpoint name')
    expect(name).toHaveValue('breast-cancer')
    await user.clear(name)
    await user.type(name, 'Bad Name')
    expect(within(dialog).getByText(/Use lowercase letters/)).toBeInTheDocument()
    await user.click(within(dialog).getByRole('button', { name: 'Deploy' }))
    expect(server.requests.some((request) => request.method === 'POST')).toBe(false)
    await user.clear(name)
    await user.type(name, 'breast-cancer')
    await user.click(within(dialog).getByRole('button', { name: 'Deploy' }))
    const outcome = await within(dialog).findByTestId('deploy-outcome')
    expect(outcome).toHaveAttribute('data-status', 'healthy')
    expect(outcome).toHaveTextContent('Version 1 of breast-cancer is live')
    expect(outcome).toHaveTextContent('scored 171 training rows exactly as the run did')
    expect(within(dialog).getByTestId('new-keys')).toHaveTextContent('mlk_primary_key')
    expect(screen.getByTestId('remembered')).toHaveTextContent('mlk_primary_key')
    expect(server.requests.find((request) => request.method === 'POST')?.body).toEqual({ name: 'breast-cancer' })
  })

  it('shows the reason and the rows that differ when parity fails', async () => {
    const user = userEvent.setup()
    renderDialog({
      'GET /api/v1/runs/r1/inference-graph/': { body: PREVIEW },
      'POST /api/v1/runs/r1/deploy/': { status: 201, body: result('failed') },
    })
    const dialog = await screen.findByRole('dialog')
    await within(dialog).findAllByTestId('module-node')
    await user.click(within(dialog).getByRole('button', { name: 'Deploy' }))
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('1 row(s) differ from the run')
    const differences = within(dialog).getByTestId('parity-differences')
    expect(differences).toHaveTextContent('Scored Probabilities')
    expect(differences).toHaveTextContent('0.123')
    expect(differences).toHaveTextContent('17.99')
  })

  it('says why a run cannot be deployed', async () => {
    renderDialog({
      'GET /api/v1/runs/r1/inference-graph/': {
        status: 400,
        body: { error: { code: 'no_trained_model', message: 'This run has no trained model to serve.' } },
      },
    })
    expect(await screen.findByTestId('derivation-error')).toHaveTextContent('This run has no trained model to serve.')
    expect(screen.getByRole('button', { name: 'Deploy' })).toBeDisabled()
  })

  it('puts a refused name under the name field', async () => {
    const user = userEvent.setup()
    renderDialog({
      'GET /api/v1/runs/r1/inference-graph/': { body: PREVIEW },
      'POST /api/v1/runs/r1/deploy/': {
        status: 409,
        body: { error: { code: 'name_taken', message: "The endpoint name 'breast-cancer' is taken; choose another.", field: 'name' } },
      },
    })
    const dialog = await screen.findByRole('dialog')
    await within(dialog).findAllByTestId('module-node')
    await user.click(within(dialog).getByRole('button', { name: 'Deploy' }))
    expect(await within(dialog).findByText(/is taken; choose another/)).toHaveClass('field-error')
    expect(within(dialog).getByLabelText('Endpoint name')).toHaveAttribute('aria-invalid', 'true')
  })
})
