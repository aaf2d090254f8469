import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'

import { clearCookies, installFakeServer, setCookie } from '../test/fakeServer'
import { renderApp } from '../test/renderApp'

afterEach(clearCookies)

describe('AppLayout', () => {
  it('shows the product name and the main navigation', async () => {
    installFakeServer({ 'GET /api/v1/auth/me/': { body: { username: 'ada' } } })
    renderApp('/')

    const banner = await screen.findByRole('banner')
    expect(within(banner).getByText('ML Designer')).toBeInTheDocument()
    const navigation = within(banner).getByRole('navigation', { name: 'Main' })
    const linkNames = within(navigation)
      .getAllByRole('link')
      .map((link) => link.textContent)
    expect(linkNames).toEqual(['Home', 'Designer', 'Runs', 'Datasets', 'Models', 'Endpoints'])
    expect(within(navigation).getByRole('link', { name: 'Home' })).toHaveAttribute('aria-current', 'page')
  })

  it('signs out with a CSRF-protected POST and returns to the login page', async () => {
    setCookie('csrftoken', 'session-token')
    const server = installFakeServer({
      'GET /api/v1/auth/me/': { body: { username: 'ada' } },
      'POST /api/v1/auth/logout/': { status: 204 },
    })
    const user = userEvent.setup()
    const { router } = renderApp('/models')

    await user.click(await screen.findByRole('button', { name: 'Sign out' }))

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    expect(router.state.location.pathname).toBe('/login')
    const logoutRequest = server.requests.find((request) => request.path === '/api/v1/auth/logout/')
    expect(logoutRequest?.method).toBe('POST')
    expect(logoutRequest?.headers.get('X-CSRFToken')).toBe('session-token')
  })
})
