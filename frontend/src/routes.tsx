import type { RouteObject } from 'react-router-dom'

import { RequireAuth } from './auth/RequireAuth'
import { AppLayout } from './layout/AppLayout'
import { HomePage } from './pages/HomePage'
import { DatasetsPage } from './pages/DatasetsPage'
import { EndpointsPage } from './pages/EndpointsPage'
import { LazyDatasetPage, LazyDesignerPage, LazyEndpointPage, LazyRunPage } from './pages/LazyDesignerPage'
import { LoginPage } from './pages/LoginPage'
import { RouteError } from './pages/RouteError'
import { RunsPage } from './pages/RunsPage'
import { ModelsPage, NotFoundPage } from './pages/sectionPages'

/** Django serves the single-page app for every URL under this prefix. */
export const APP_BASENAME = '/app'

// Paths are relative to APP_BASENAME: '/designer' is /app/designer in the browser.
export const appRoutes: RouteObject[] = [
  { path: 'login', element: <LoginPage />, errorElement: <RouteError /> },
  {
    element: <RequireAuth />,
    errorElement: <RouteError />,
    children: [
      {
        element: <AppLayout />,
        children: [
          {
            // A page that crashes shows the error inside the app shell, navigation still at hand.
            errorElement: <RouteError />,
            children: [
              { index: true, element: <HomePage /> },
              { path: 'designer', element: <LazyDesignerPage /> },
              { path: 'designer/:pipelineId', element: <LazyDesignerPage /> },
              { path: 'runs', element: <RunsPage /> },
              { path: 'runs/:runId', element: <LazyRunPage /> },
              { path: 'datasets', element: <DatasetsPage /> },
              { path: 'datasets/:datasetId', element: <LazyDatasetPage /> },
              { path: 'models', element: <ModelsPage /> },
              { path: 'endpoints', element: <EndpointsPage /> },
              { path: 'endpoints/:name', element: <LazyEndpointPage /> },
              { path: '*', element: <NotFoundPage /> },
            ],
          },
        ],
      },
    ],
  },
]
