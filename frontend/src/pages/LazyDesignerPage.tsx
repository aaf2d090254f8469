import { lazy, Suspense } from 'react'

// The designer and run pages pull in React Flow, the largest dependency. Loading them only when the
// user opens one keeps sign-in and the list pages quick to start.
const DesignerPage = lazy(async () => ({ default: (await import('./DesignerPage')).DesignerPage }))
const RunPage = lazy(async () => ({ default: (await import('./RunPage')).RunPage }))

function Loading({ what }: { what: string }) {
  return (
    <p className="page-status" role="status">
      Loading the {what}…
    </p>
  )
}

export function LazyDesignerPage() {
  return (
    <Suspense fallback={<Loading what="designer" />}>
      <DesignerPage />
    </Suspense>
  )
}

export function LazyRunPage() {
  return (
    <Suspense fallback={<Loading what="run" />}>
      <RunPage />
    </Suspense>
  )
}

// The dataset and endpoint pages draw ECharts charts: they load with the chart library, on demand.
const DatasetPage = lazy(async () => ({ default: (await import('./DatasetPage')).DatasetPage }))
const EndpointPage = lazy(async () => ({ default: (await import('./EndpointPage')).EndpointPage }))

export function LazyDatasetPage() {
  return (
    <Suspense fallback={<Loading what="dataset" />}>
      <DatasetPage />
    </Suspense>
  )
}

export function LazyEndpointPage() {
  return (
    <Suspense fallback={<Loading what="endpoint" />}>
      <EndpointPage />
    </Suspense>
  )
}
