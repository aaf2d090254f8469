import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Link, NavLink, Outlet, useNavigate } from 'react-router-dom'

import { currentUserQueryKey, logOut, useCurrentUser } from '../api/auth'
import { isApiError } from '../api/client'
import { forgetAllKeys } from '../deploy/keyVault'

const NAV_LINKS = [
  { to: '/', label: 'Home', end: true },
  { to: '/designer', label: 'Designer', end: false },
  { to: '/runs', label: 'Runs', end: false },
  { to: '/datasets', label: 'Datasets', end: false },
  { to: '/models', label: 'Models', end: false },
  { to: '/endpoints', label: 'Endpoints', end: false },
] as const

export function AppLayout() {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const { data: user } = useCurrentUser()

  const signOut = useMutation({
    mutationFn: logOut,
    onSuccess: () => {
      queryClient.setQueryData(currentUserQueryKey, null)
      forgetAllKeys()
      // Drop everything fetched as this user so the next one starts clean.
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== currentUserQueryKey[0] })
      navigate('/login', { replace: true })
    },
  })

  return (
    <div className="app-shell">
      <header className="top-bar">
        <Link to="/" className="top-bar-brand">
          ML Designer
        </Link>
        <nav className="top-bar-nav" aria-label="Main">
          <ul>
            {NAV_LINKS.map((link) => (
              <li key={link.to}>
                <NavLink to={link.to} end={link.end} className="top-bar-link">
                  {link.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="top-bar-account">
          {user && <span className="top-bar-username">{user.username}</span>}
          <button
            type="button"
            className="top-bar-link top-bar-button"
            onClick={() => signOut.mutate()}
            disabled={signOut.isPending}
          >
            Sign out
          </button>
        </div>
      </header>
      {signOut.isError && (
        <p className="banner-error" role="alert">
          {isApiError(signOut.error) ? signOut.error.message : 'Could not sign out. Please try again.'}
        </p>
      )}
      <main className="app-main">
        <Outlet />
      </main>
    </div>
  )
}
