import { Navigate, Outlet, useLocation } from 'react-router-dom'

import { useCurrentUser } from '../api/auth'
import { isApiError } from '../api/client'

/** Where the login page sends the user back to after signing in. */
export interface LoginRedirectState {
  from?: string
}

/** Renders the nested routes for signed-in users and sends everyone else to the login page. */
export function RequireAuth() {
  const location = useLocation()
  const { data: user, isPending, isError, error, refetch } = useCurrentUser()

  if (isPending) {
    return (
      <p className="page-status" role="status">
        Checking your session…
      </p>
    )
  }
  if (isError) {
    return (
      <div className="page-status" role="alert">
        <p>Could not check your session. {isApiError(error) ? error.message : ''}</p>
        <button type="button" onClick={() => void refetch()}>
          Try again
        </button>
      </div>
    )
  }
  if (!user) {
    const state: LoginRedirectState = { from: `${location.pathname}${location.search}${location.hash}` }
    return <Navigate to="/login" replace state={state} />
  }
  return <Outlet />
}
