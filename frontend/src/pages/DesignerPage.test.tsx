import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'

import type { Graph } from '../api/types'
import { ALL_MODULES, SAMPLES } from '../test/fixtures'
import { installFakeServer, type RecordedRequest } from '../test/fakeServer'
import { renderApp } from '../test/renderApp'

const EMPTY_GRAPH: Graph = { schema_version: 1, nodes: [], edges: [], ui: {} }
const PIPELINE = { id: 'p1', name: 'My pipeline', description: '', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' }

function designerServer(graph: Graph = EMPTY_GRAPH, problems: unknown[] = []) {
  return installFakeServer({
    'GET /api/v1/auth/me/': { body: { username: 'ada' } },
    'GET /api/v1/modules/': { body: { count: ALL_MODULES.length, results: ALL_MODULES } },
    'GET /api/v1/samples/': { body: { count: SAMPLES.length, results: SAMPLES } },
    'GET /api/v1/datasets/': { body: [] },
    'GET /api/v1/pipelines/p1/': { body: { ...PIPELINE, graph } },
    'PATCH /api/v1/pipelines/p1/': (request: RecordedRequest) => ({ body: { ...PIPELINE, ...(request.body as object) } }),
    'POST /api/v1/pipelines/p1/validate/': { body: { valid: problems.length === 0, problems, schemas: {} } },
    'GET /api/v1/runs/?pipeline=p1': { body: [] },
    'GET /api/v1/pipelines/': { body: [PIPELINE] },
  })
}

describe('DesignerPage', () => {
  it('renders the canvas with controls and minimap, the palette and an empty properties panel', async () => {
    designerServer()
    renderApp('/designer/p1')

    const canvas = await screen.findByTestId('canvas')
    expect(canvas.querySelector('.react-flow__controls')).not.toBeNull()
    expect(canvas.querySelector('.react-flow__minimap')).not.toBeNull()
    expect(screen.getByRole('heading', { name: 'My pipeline' })).toBeInTheDocument()

    const palette = screen.getByRole('complementary', { name: 'Modules' })
    expect(within(palette).getByRole('searchbox', { name: 'Search modules' })).toBeInTheDocument()
    expect(within(palette).getByTestId('palette-sample-breast-cancer')).toHaveTextContent('Breast cancer (Wisconsin diagnostic)')
    const properties = screen.getByRole('complementary', { name: 'Properties' })
    expect(within(properties).getByText('Select a module to see its parameters')).toBeInTheDocument()
  })

  it('searches modules by name and by help text', async () => {
    const user = userEvent.setup()
    designerServer()
    renderApp('/designer/p1')
    const search = await screen.findByRole('searchbox', { name: 'Search modules' })
    await user.type(search, 'does its job')
    expect(screen.getAllByTestId(/^palette-module-/)).toHaveLength(ALL_MODULES.length)
    await user.clear(search)
    await user.type(search, 'split')
    expect(screen.getAllByTestId(/^palette-module-/).map((item) => item.dataset.testid)).toEqual([
      'palette-module-data_transformation.split_data',
    ])
    await user.clear(search)
    await user.type(search, 'zebra')
    expect(screen.getByText('No modules match “zebra”.')).toBeInTheDocument()
  })

  it('adds a module from the keyboard, shows its parameters, autosaves, and undoes', async () => {
    const user = userEvent.setup()
    const server = designerServer()
    renderApp('/designer/p1')
    const search = await screen.findByRole('searchbox', { name: 'Search modules' })
    await user.type(search, 'split')
    screen.getByTestId('palette-module-data_transformation.split_data').focus()
    await user.keyboard('{Enter}')

    const properties = screen.getByRole('complementary', { name: 'Properties' })
    expect(await within(properties).findByRole('heading', { name: 'Split Data' })).toBeInTheDocument()
    expect(within(properties).getByLabelText(/Splitting mode/)).toHaveValue('Split Rows')

    await waitFor(() => expect(screen.getByTestId('save-state')).toHaveTextContent('Saved'), { timeout: 3000 })
    const saves = server.requests.filter((request) => request.method === 'PATCH')
    expect(saves.length).toBeGreaterThan(0)
    const saved = (saves[saves.length - 1].body as { graph: Graph }).graph
    expect(saved.nodes.map((node) => node.module)).toEqual(['data_transformation.split_data'])
    expect(Object.keys(saved.ui)).toEqual([saved.nodes[0].id])

    await user.click(screen.getByRole('button', { name: 'Undo' }))
    expect(within(properties).getByText('Select a module to see its parameters')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Redo' })).toBeEnabled()
  })

  it('lists the server’s problems and selects a node from the list', async () => {
    const user = userEvent.setup()
    designerServer(
      {
        schema_version: 1,
        nodes: [{ id: 'n1', module: 'model_training.train_model', module_version: 1, params: {} }],
        edges: [],
        ui: { n1: { x: 0, y: 0 } },
      },
      [{ code: 'missing_required_input', message: "'Train Model' needs something connected to its 'Dataset' input.", node: 'n1', port: 'dataset' }],
    )
    renderApp('/designer/p1')
    const toggle = await screen.findByRole('button', { name: '1 problem' })
    await user.click(toggle)
    const panel = screen.getByRole('region', { name: 'Problems' })
    await user.click(within(panel).getByRole('button', { name: /needs something connected/ }))
    const properties = screen.getByRole('complementary', { name: 'Properties' })
    expect(within(properties).getByRole('heading', { name: 'Train Model' })).toBeInTheDocument()
    expect(within(properties).getByRole('list', { name: 'Problems with this module' })).toHaveTextContent('needs something connected')
  })

  it('opens a new pipeline at /designer and creates it on the first edit, keeping the history', async () => {
    const user = userEvent.setup()
    const created = { ...PIPELINE, id: 'p2', name: 'Pipeline new' }
    const server = installFakeServer({
      'GET /api/v1/auth/me/': { body: { username: 'ada' } },
      'GET /api/v1/modules/': { body: { count: ALL_MODULES.length, results: ALL_MODULES } },
      'GET /api/v1/samples/': { body: { count: SAMPLES.length, results: SAMPLES } },
    'GET /api/v1/datasets/': { body: [] },
      'POST /api/v1/pipelines/': (request: RecordedRequest) => ({ status: 201, body: { ...created, ...(request.body as object) } }),
      'POST /api/v1/pipelines/p2/validate/': { body: { valid: true, problems: [], schemas: {} } },
      'GET /api/v1/runs/?pipeline=p2': { body: [] },
      'GET /api/v1/pipelines/': { body: [created] },
    })
    const { router } = renderApp('/designer')
    expect(await screen.findByRole('heading', { name: 'New pipeline' })).toBeInTheDocument()
    expect(screen.getByTestId('canvas')).toBeInTheDocument()

    screen.getByTestId('palette-sample-breast-cancer').focus()
    await user.keyboard('{Enter}')
    await waitFor(() => expect(router.state.location.pathname).toBe('/designer/p2'), { timeout: 3000 })
    const post = server.requests.find((request) => request.method === 'POST' && request.path === '/api/v1/pipelines/')
    const body = post?.body as { graph: Graph } | undefined
    expect(body?.graph.nodes[0]).toMatchObject({
      module: 'data_input_output.import_data',
      params: { data_source: 'Sample dataset', sample_dataset: 'breast-cancer' },
    })
    expect(await screen.findByRole('button', { name: 'Undo' })).toBeEnabled()
    expect(server.requests.some((request) => request.path === '/api/v1/pipelines/p2/')).toBe(false)
  })

  it('shows a readable message for a pipeline that does not exist', async () => {
    installFakeServer({
      'GET /api/v1/auth/me/': { body: { username: 'ada' } },
      'GET /api/v1/modules/': { body: { count: 0, results: [] } },
      'GET /api/v1/samples/': { body: { count: 0, results: [] } },
      'GET /api/v1/pipelines/nope/': { status: 404, body: { error: { code: 'not_found', message: 'Not found.' } } },
    })
    renderApp('/designer/nope')
    expect(await screen.findByRole('alert')).toHaveTextContent('This pipeline does not exist or is not yours.')
  })
})
