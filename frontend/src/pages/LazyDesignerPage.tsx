import { lazy, Suspense } from 'react'

// The designer pulls in React Flow, the largest dependency. Loading it only when
// the user opens the designer keeps sign-in and the list pages quick to start.
const DesignerPage = lazy(async () => ({ default: (await import('./DesignerPage')).DesignerPage }))

export function LazyDesignerPage() {
  return (
    <Suspense
      fallback={
        <p className="page-status" role="status">
          Loading the designer…
        </p>
      }
    >
      <DesignerPage />
    </Suspense>
  )
}
