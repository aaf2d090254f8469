import { Link } from 'react-router-dom'

import { PlaceholderPage } from './PlaceholderPage'

export function HomePage() {
  return (
    <PlaceholderPage title="Home">
      <p>
        Build a machine-learning pipeline by dragging modules onto the canvas.{' '}
        <Link to="/designer">Open the designer</Link>.
      </p>
    </PlaceholderPage>
  )
}

export function RunsPage() {
  return (
    <PlaceholderPage title="Runs">
      <p>Submitted pipeline runs and their status will be listed here.</p>
    </PlaceholderPage>
  )
}

export function DatasetsPage() {
  return (
    <PlaceholderPage title="Datasets">
      <p>Uploaded datasets and their versions will be listed here.</p>
    </PlaceholderPage>
  )
}

export function ModelsPage() {
  return (
    <PlaceholderPage title="Models">
      <p>Registered models and their versions will be listed here.</p>
    </PlaceholderPage>
  )
}

export function EndpointsPage() {
  return (
    <PlaceholderPage title="Endpoints">
      <p>Deployed real-time endpoints will be listed here.</p>
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
