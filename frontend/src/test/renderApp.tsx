import { QueryClient } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import { createMemoryRouter } from 'react-router-dom'

import { App } from '../App'
import { appRoutes } from '../routes'

/** Renders the whole app, with its real routes, starting at `initialPath`. */
export function renderApp(initialPath: string) {
  const router = createMemoryRouter(appRoutes, { initialEntries: [initialPath] })
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  })
  const rendered = render(<App router={router} queryClient={queryClient} />)
  return { ...rendered, router, queryClient }
}
