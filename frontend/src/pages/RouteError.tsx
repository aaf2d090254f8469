import { isRouteErrorResponse, Link, useRouteError } from 'react-router-dom'

import { useDocumentTitle } from '../useDocumentTitle'

/** What a page that crashed shows instead of a blank screen: what happened, and ways out. */
export function RouteError() {
  const error = useRouteError()
  useDocumentTitle('Something went wrong')
  const detail = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : 'An unexpected error.'
  return (
    <section className="content-page" role="alert">
      <h1>Something went wrong on this page</h1>
      <p>
        The page stopped because of an error in the app: <code>{detail}</code>. Your saved work is safe on the server.
      </p>
      <p className="button-row">
        <button type="button" className="button-primary" onClick={() => window.location.reload()}>
          Reload the page
        </button>
        <Link to="/" className="button-secondary">
          Go to the home page
        </Link>
      </p>
    </section>
  )
}
