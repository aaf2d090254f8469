import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'

import { NOT_SIGNED_IN, clearCookies, installFakeServer, setCookie } from '../test/fakeServer'
import { renderApp } from '../test/renderApp'

afterEach(clearCookies)

describe('session check', () => {
  it('sends an anonymous visitor to the login page, then back where they were going', async () => {
    let signedIn = false
    installFakeServer({
      'GET /api/v1/auth/me/': () => (signedIn ? { body: { username: 'ada' } } : NOT_SIGNED_IN),
      'GET /api/v1/auth/csrf/': () => {
        setCookie('csrftoken', 't')
        return { body: {} }
      },
      'POST /api/v1/auth/login/': () => {
        signedIn = true
        return { body: { username: 'ada' } }
      },
    })
    const user = userEvent.setup()
    const { router } = renderApp('/runs')

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    expect(router.state.location.pathname).toBe('/login')

    await user.type(screen.getByLabelText('Username'), 'ada')
    await user.type(screen.getByLabelText('Password'), 'secret{Enter}')

    expect(await screen.findByRole('heading', { name: 'Runs' })).toBeInTheDocument()
    expect(router.state.location.pathname).toBe('/runs')
  })

  it('lets a signed-in user straight in', async () => {
    installFakeServer({ 'GET /api/v1/auth/me/': { body: { username: 'ada' } } })
    renderApp('/datasets')
    expect(await screen.findByRole('heading', { name: 'Datasets' })).toBeInTheDocument()
  })
})
