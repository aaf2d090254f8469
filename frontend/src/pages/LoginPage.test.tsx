import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'

import { NOT_SIGNED_IN, clearCookies, installFakeServer, setCookie } from '../test/fakeServer'
import { renderApp } from '../test/renderApp'

afterEach(clearCookies)

/** The CSRF endpoint sets the cookie, as Django's ensure_csrf_cookie does. */
const csrfRoute = () => {
  setCookie('csrftoken', 'fresh-token')
  return { body: { csrfToken: 'fresh-token' } }
}

describe('LoginPage', () => {
  it('renders labelled username and password fields', async () => {
    installFakeServer({ 'GET /api/v1/auth/me/': NOT_SIGNED_IN })
    renderApp('/login')

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    expect(screen.getByLabelText('Username')).toHaveAttribute('autocomplete', 'username')
    expect(screen.getByLabelText('Password')).toHaveAttribute('type', 'password')
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled()
  })

  it('shows the server message, not raw JSON, when sign-in fails', async () => {
    installFakeServer({
      'GET /api/v1/auth/me/': NOT_SIGNED_IN,
      'GET /api/v1/auth/csrf/': csrfRoute,
      'POST /api/v1/auth/login/': {
        status: 400,
        body: { error: { code: 'invalid_credentials', message: 'Wrong username or password.' } },
      },
    })
    const user = userEvent.setup()
    renderApp('/login')

    await user.type(await screen.findByLabelText('Username'), 'ada')
    await user.type(screen.getByLabelText('Password'), 'not-her-password')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent(/^Wrong username or password\.$/)
    expect(screen.getByLabelText('Username')).toHaveAccessibleDescription('Wrong username or password.')
  })

  it('signs in from the keyboard with the CSRF cookie and opens the home page', async () => {
    let signedIn = false
    const server = installFakeServer({
      'GET /api/v1/auth/me/': () => (signedIn ? { body: { username: 'ada' } } : NOT_SIGNED_IN),
      'GET /api/v1/auth/csrf/': csrfRoute,
      'POST /api/v1/auth/login/': () => {
        signedIn = true
        return { body: { username: 'ada' } }
      },
    })
    const user = userEvent.setup()
    const { router } = renderApp('/login')
    await screen.findByLabelText('Username')

    await user.tab()
    expect(screen.getByLabelText('Username')).toHaveFocus()
    await user.keyboard('ada')
    await user.tab()
    await user.keyboard('correct horse{Enter}')

    expect(await screen.findByRole('heading', { name: 'Home', level: 1 })).toBeInTheDocument()
    expect(router.state.location.pathname).toBe('/')

    const paths = server.requests.map((request) => `${request.method} ${request.path}`)
    expect(paths.indexOf('GET /api/v1/auth/csrf/')).toBeLessThan(paths.indexOf('POST /api/v1/auth/login/'))
    const loginRequest = server.requests.find((request) => request.path === '/api/v1/auth/login/')
    expect(loginRequest?.body).toEqual({ username: 'ada', password: 'correct horse' })
    expect(loginRequest?.headers.get('X-CSRFToken')).toBe('fresh-token')
    expect(within(screen.getByRole('banner')).getByText('ada')).toBeInTheDocument()
  })
})
