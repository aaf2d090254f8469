import { Link } from 'react-router-dom'

import { PlaceholderPage } from './PlaceholderPage'

export function DatasetsPage() {
  return (
    <PlaceholderPage title="Datasets">
      <p>
        Uploaded datasets and their versions will be listed here. The bundled sample datasets are in the designer's
        palette, under “Datasets”.
      </p>
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
