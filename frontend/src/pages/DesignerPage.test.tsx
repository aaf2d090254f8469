import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { filterModules } from '../designer/paletteModules'
import { installFakeServer } from '../test/fakeServer'
import { renderApp } from '../test/renderApp'

function signedIn() {
  installFakeServer({ 'GET /api/v1/auth/me/': { body: { username: 'ada' } } })
}

describe('DesignerPage', () => {
  it('renders the React Flow canvas with background, controls and minimap', async () => {
    signedIn()
    renderApp('/designer')

    const canvas = await screen.findByTestId('canvas')
    const flow = canvas.querySelector('.react-flow')
    expect(flow).not.toBeNull()
    expect(canvas.querySelector('.react-flow__background')).not.toBeNull()
    expect(canvas.querySelector('.react-flow__controls')).not.toBeNull()
    expect(canvas.querySelector('.react-flow__minimap')).not.toBeNull()
    expect(canvas.querySelectorAll('.react-flow__node')).toHaveLength(0)
  })

  it('has a searchable Modules palette and an empty properties panel', async () => {
    signedIn()
    renderApp('/designer')

    const palette = await screen.findByRole('complementary', { name: 'Modules' })
    expect(within(palette).getByRole('searchbox', { name: 'Search modules' })).toBeInTheDocument()
    expect(within(palette).getByText('No modules available yet.')).toBeInTheDocument()

    const properties = screen.getByRole('complementary', { name: 'Properties' })
    expect(within(properties).getByText('Select a module to see its parameters')).toBeInTheDocument()
  })

  it('opens a saved pipeline by id', async () => {
    signedIn()
    renderApp('/designer/p_42')
    expect(await screen.findByRole('heading', { name: 'Pipeline p_42' })).toBeInTheDocument()
    expect(screen.getByTestId('canvas')).toBeInTheDocument()
  })
})

describe('filterModules', () => {
  const modules = [
    { key: 'data.split_data', title: 'Split Data', category: 'Data Transformation' },
    { key: 'classification.two_class_boosted_tree', title: 'Two-Class Boosted Decision Tree', category: 'Classification' },
  ]

  it('matches title, category or key, ignoring case', () => {
    expect(filterModules(modules, 'split').map((module) => module.key)).toEqual(['data.split_data'])
    expect(filterModules(modules, 'CLASSIF').map((module) => module.title)).toEqual(['Two-Class Boosted Decision Tree'])
    expect(filterModules(modules, '  ')).toHaveLength(2)
  })
})
