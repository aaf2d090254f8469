import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { Navigate, useLocation, useNavigate } from 'react-router-dom'

import { currentUserQueryKey, fetchCurrentUser, logIn, useCurrentUser, type Credentials } from '../api/auth'
import { isApiError } from '../api/client'
import type { LoginRedirectState } from '../auth/RequireAuth'
import { useDocumentTitle } from '../useDocumentTitle'

// ApiError carries the server's own sentence; other errors are ours and worded for users.
function describeLoginFailure(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Sign-in failed. Please try again.'
}

/** Only follow redirects inside the app, never to another site. */
function safeRedirectTarget(state: unknown): string {
  const from = (state as LoginRedirectState | null)?.from
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') ? from : '/'
}

export function LoginPage() {
  useDocumentTitle('Sign in')
  const navigate = useNavigate()
  const location = useLocation()
  const queryClient = useQueryClient()
  const { data: currentUser } = useCurrentUser()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const usernameId = useId()
  const passwordId = useId()
  const headingId = useId()
  const errorId = useId()

  const login = useMutation({
    mutationFn: async (credentials: Credentials) => {
      await logIn(credentials)
      // Confirm the session cookie really stuck before leaving this page;
      // otherwise the auth guard would silently bounce the user back here.
      const user = await fetchCurrentUser()
      if (!user) {
        throw new Error('The server accepted the sign-in but did not keep the session.')
      }
      return user
    },
    onSuccess: (user) => {
      queryClient.setQueryData(currentUserQueryKey, user)
      navigate(safeRedirectTarget(location.state), { replace: true })
    },
  })

  if (currentUser && !login.isPending) {
    return <Navigate to={safeRedirectTarget(location.state)} replace />
  }

  const handleSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    login.mutate({ username, password })
  }

  const errorMessage = login.isError ? describeLoginFailure(login.error) : null
  const invalidField = isApiError(login.error) ? login.error.field : null

  return (
    <main className="login-page">
      <form className="login-card" onSubmit={handleSubmit} aria-labelledby={headingId}>
        <p className="login-product">ML Designer</p>
        <h1 id={headingId}>Sign in</h1>

        <label htmlFor={usernameId}>Username</label>
        <input
          id={usernameId}
          name="username"
          autoComplete="username"
          required
          value={username}
          onChange={(event) => setUsername(event.target.value)}
          aria-invalid={invalidField === 'username' || undefined}
          aria-describedby={errorMessage ? errorId : undefined}
        />

        <label htmlFor={passwordId}>Password</label>
        <input
          id={passwordId}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          aria-invalid={invalidField === 'password' || undefined}
          aria-describedby={errorMessage ? errorId : undefined}
        />

        {errorMessage && (
          <p id={errorId} className="form-error" role="alert">
            {errorMessage}
          </p>
        )}

        <button type="submit" className="button-primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
