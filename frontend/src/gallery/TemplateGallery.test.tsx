import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'

import type { TemplateCard } from '../api/types'
import { installFakeServer } from '../test/fakeServer'
import { renderApp } from '../test/renderApp'

function card(slug: string, title: string, task_type: string, difficulty = 'beginner'): TemplateCard {
  return {
    slug,
    title,
    description: `${title}, step by step.`,
    task_type,
    difficulty,
    datasets: ['penguins'],
    deployable: true,
    key_metric: { node: 'evaluate', port: 'evaluation_results', name: 'Overall_Accuracy', value: 0.98, higher_is_better: true },
    thumbnail_url: `/api/v1/templates/${slug}/thumbnail.svg`,
    instantiate_url: `/api/v1/templates/${slug}/instantiate/`,
  }
}

const PENGUINS = card('multiclass-penguins', 'Penguin species', 'multiclass')
const HOUSES = card('regression-house-prices', 'House prices', 'regression', 'intermediate')

function homeServer(pipelines: unknown[] = []) {
  return installFakeServer({
    'GET /api/v1/auth/me/': { body: { username: 'ada' } },
    'GET /api/v1/pipelines/': { body: pipelines },
    'GET /api/v1/runs/': { body: [] },
    'GET /api/v1/templates/': { body: { count: 2, results: [PENGUINS, HOUSES] } },
    'GET /api/v1/templates/?task_type=regression': { body: { count: 1, results: [HOUSES] } },
    'GET /api/v1/templates/?q=zebra': { body: { count: 0, results: [] } },
    'POST /api/v1/templates/multiclass-penguins/instantiate/': {
      status: 201,
      body: { id: 'p9', name: 'Penguin species', description: '', created_at: '', updated_at: '', graph: null },
    },
  })
}

describe('TemplateGallery on the home page', () => {
  it('shows cards with their thumbnail, badges and metric, and a first-run hint to a new user', async () => {
    homeServer()
    renderApp('/')
    const gallery = await screen.findByRole('list', { name: 'Templates' })
    const cards = within(gallery).getAllByRole('listitem')
    expect(cards).toHaveLength(2)
    expect(cards[0]).toHaveTextContent('Penguin species')
    expect(cards[0]).toHaveTextContent('Multiclass classification')
    expect(cards[0]).toHaveTextContent('Beginner')
    expect(cards[0]).toHaveTextContent('Reaches Overall Accuracy 0.98')
    expect(cards[0].querySelector('img')).toHaveAttribute('src', '/api/v1/templates/multiclass-penguins/thumbnail.svg')
    expect(await screen.findByTestId('first-run-hint')).toBeInTheDocument()
  })

  it('has no first-run hint for a user with pipelines', async () => {
    homeServer([{ id: 'p1', name: 'Mine', description: '', created_at: '', updated_at: '2026-01-01T00:00:00Z' }])
    renderApp('/')
    await screen.findByRole('list', { name: 'Pipelines' })
    expect(screen.queryByTestId('first-run-hint')).toBeNull()
  })

  it('filters by task type and searches on the server', async () => {
    const user = userEvent.setup()
    const server = homeServer()
    renderApp('/')
    await screen.findByRole('list', { name: 'Templates' })
    await user.selectOptions(screen.getByLabelText('Task'), 'regression')
    await waitFor(() => expect(screen.getAllByTestId(/^template-/)).toHaveLength(1))
    expect(screen.getByTestId('template-regression-house-prices')).toBeInTheDocument()
    await user.selectOptions(screen.getByLabelText('Task'), '')
    await user.type(screen.getByRole('searchbox', { name: 'Search templates' }), 'zebra')
    expect(await screen.findByText('No templates match “zebra”.')).toBeInTheDocument()
    expect(server.requests.map((request) => request.path)).toContain('/api/v1/templates/?q=zebra')
  })

  it('uses a template: a new pipeline, opened in the designer', async () => {
    const user = userEvent.setup()
    const server = homeServer()
    const { router } = renderApp('/')
    await user.click(await screen.findByRole('button', { name: 'Use template Penguin species' }))
    await waitFor(() => expect(router.state.location.pathname).toBe('/designer/p9'))
    const post = server.requests.find((request) => request.method === 'POST')
    expect(post?.path).toBe('/api/v1/templates/multiclass-penguins/instantiate/')
  })
})
