import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'

import type { DatasetDetail, DatasetVersion, ProfileResponse } from '../api/types'
import { installFakeServer, type FakeResponse } from '../test/fakeServer'
import { renderApp } from '../test/renderApp'

// jsdom has no canvas: a chart is its label here.
vi.mock('../outputs/Chart', () => ({
  Chart: ({ label, testId }: { label: string; testId?: string }) => <figure aria-label={label} data-testid={testId} />,
}))

const COLUMNS = [
  { name: 'species', type: 'string', is_label: true },
  { name: 'mass', type: 'double', is_label: false },
]

function version(number: number, extra: Partial<DatasetVersion> = {}): DatasetVersion {
  return {
    number,
    reference: `d1@${number}`,
    source: 'upload',
    derived_from: null,
    filename: 'birds.csv',
    format: 'csv',
    size: 2048,
    rows: 3,
    columns: COLUMNS,
    encoding: 'utf-8',
    delimiter: ',',
    profile_status: 'pending',
    created_by: 'ada',
    created_at: '2026-01-01T00:00:00Z',
    ...extra,
  }
}

function dataset(versions: DatasetVersion[]): DatasetDetail {
  return {
    id: 'd1',
    name: 'Birds',
    description: 'Three birds',
    workspace: 1,
    reference: 'd1',
    latest_version: versions[0],
    version_count: versions.length,
    created_by: 'ada',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    versions,
  }
}

const PREVIEW = {
  kind: 'table',
  rows: 3,
  columns: [
    { name: 'species', type: 'string', is_label: true },
    { name: 'mass', type: 'double' },
  ],
  data: [
    ['Adelie', 3750],
    ['Gentoo', 5000],
    ['Adelie', 3800],
  ],
}

const READY: ProfileResponse = {
  dataset: 'd1',
  version: 1,
  reference: 'd1@1',
  status: 'ready',
  profile: {
    format: 1,
    rows: 3,
    columns: [
      {
        name: 'species',
        type: 'string',
        count: 3,
        missing: 0,
        distinct: 2,
        histogram: { labels: ['Adelie', 'Gentoo'], counts: [2, 1], other: 0 },
        is_label: true,
      },
      {
        name: 'mass',
        type: 'double',
        count: 3,
        missing: 0,
        distinct: 3,
        mean: 4183.3,
        std: 708.5,
        min: 3750,
        max: 5000,
        quantiles: { '0.5': 3800 },
        histogram: { edges: [3750, 4375, 5000], counts: [2, 1] },
      },
    ],
  },
}

function datasetServer(routes: Record<string, FakeResponse | ((request: never) => FakeResponse)> = {}) {
  let profileCalls = 0
  const server = installFakeServer({
    'GET /api/v1/auth/me/': { body: { username: 'ada' } },
    'GET /api/v1/datasets/d1/': { body: dataset([version(1)]) },
    'GET /api/v1/datasets/d1/preview/?version=1': { body: PREVIEW },
    // Pending twice, then ready: the page keeps asking.
    'GET /api/v1/datasets/d1/profile/?version=1': () => {
      profileCalls += 1
      return profileCalls < 3
        ? { status: 202, body: { dataset: 'd1', version: 1, reference: 'd1@1', status: profileCalls === 1 ? 'pending' : 'running' } }
        : { body: READY }
    },
    ...routes,
  })
  return { ...server, profileCalls: () => profileCalls }
}

describe('DatasetPage', () => {
  it('shows the versions and the preview of the latest', async () => {
    datasetServer()
    renderApp('/datasets/d1')
    expect(await screen.findByRole('heading', { name: 'Birds', level: 1 })).toBeInTheDocument()
    expect(within(screen.getByTestId('version-table')).getByRole('button', { name: 'v1' })).toHaveAttribute('aria-pressed', 'true')
    const preview = await screen.findByTestId('data-preview')
    expect(preview).toHaveTextContent('Gentoo')
    expect(screen.getByText(/3 rows × 2 columns · select a column heading/)).toBeInTheDocument()
  })

  it('polls the profile while it is computed, then draws a chart per column', async () => {
    const user = userEvent.setup()
    const server = datasetServer()
    renderApp('/datasets/d1')
    await user.click(await screen.findByRole('tab', { name: 'Profile' }))
    expect(await screen.findByTestId('profile-pending')).toBeInTheDocument()
    const cards = await screen.findAllByTestId('column-profile', {}, { timeout: 5000 })
    expect(server.profileCalls()).toBe(3)
    expect(cards).toHaveLength(2)
    expect(within(cards[0]).getByRole('figure', { name: 'Most frequent values of species' })).toBeInTheDocument()
    expect(within(cards[1]).getByRole('figure', { name: 'Distribution of mass' })).toBeInTheDocument()
    expect(cards[1]).toHaveTextContent('Median3,800')
  })

  it('saves edited columns as a new version and opens it', async () => {
    const user = userEvent.setup()
    const server = datasetServer({
      'PATCH /api/v1/datasets/d1/versions/1/columns/': { status: 201, body: version(2, { source: 'edit', derived_from: 1 }) },
      'GET /api/v1/datasets/d1/profile/?version=2': { body: { ...READY, version: 2 } },
    })
    const { router } = renderApp('/datasets/d1')
    await user.click(await screen.findByRole('tab', { name: 'Columns' }))
    await user.selectOptions(screen.getByLabelText('Type of mass'), 'integer')
    await user.click(screen.getByLabelText('mass is the label'))
    await user.click(screen.getByRole('button', { name: 'Save as a new version' }))
    await waitFor(() => expect(router.state.location.search).toBe('?version=2'))
    const patch = server.requests.find((request) => request.method === 'PATCH')
    expect(patch?.body).toEqual({
      columns: [
        { name: 'species', is_label: false },
        { name: 'mass', type: 'integer', is_label: true },
      ],
    })
  })

  it('shows why a dataset in use cannot be deleted', async () => {
    const user = userEvent.setup()
    datasetServer({
      'DELETE /api/v1/datasets/d1/': {
        status: 409,
        body: { error: { code: 'dataset_in_use', message: "Version 1 of dataset 'Birds' is used by pipeline 'Study'." } },
      },
    })
    renderApp('/datasets/d1')
    await user.click(await screen.findByRole('button', { name: 'Delete dataset' }))
    await user.click(within(screen.getByRole('group', { name: /Delete Birds/ })).getByRole('button', { name: 'Delete' }))
    expect(await screen.findByTestId('delete-error')).toHaveTextContent("is used by pipeline 'Study'")
  })
})
