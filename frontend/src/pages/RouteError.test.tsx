import { render, screen } from '@testing-library/react'
import { createMemoryRouter, RouterProvider } from 'react-router-dom'
import { describe, expect, it, vi } from 'vitest'

import { RouteError } from './RouteError'

function Broken(): never {
  throw new Error('columns.map is not a function')
}

describe('RouteError', () => {
  it('shows a crashed page as a readable message with ways out', async () => {
    // React reports the caught error on the console; keep the test output clean.
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const router = createMemoryRouter([{ path: '/', element: <Broken />, errorElement: <RouteError /> }])
    render(<RouterProvider router={router} />)
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Something went wrong on this page')
    expect(alert).toHaveTextContent('columns.map is not a function')
    expect(screen.getByRole('button', { name: 'Reload the page' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Go to the home page' })).toHaveAttribute('href', '/')
  })
})
