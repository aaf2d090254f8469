import { Link } from 'react-router-dom'

import { PlaceholderPage } from './PlaceholderPage'

export function ModelsPage() {
  return (
    <PlaceholderPage title="Models">
      <p>
        Registered models will be listed here, with their versions. Models are registered from runs: the trained model
        of a completed training run is registered under a name, and registering under the same name again adds a
        version.
      </p>
      <p>
        Meanwhile, a trained model can be served directly: open the run from <Link to="/runs">Runs</Link> and press{' '}
        <strong>Deploy</strong> to make it a real-time endpoint (see <Link to="/endpoints">Endpoints</Link>).
      </p>
    </PlaceholderPage>
  )
}

export function NotFoundPage() {
  return (
    <PlaceholderPage title="Page not found">
      <p>
        There is nothing at this address. <Link to="/">Go to the home page</Link>.
      </p>
    </PlaceholderPage>
  )
}
