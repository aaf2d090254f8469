import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createBrowserRouter } from 'react-router-dom'

import { createQueryClient } from './api/queryClient'
import { App } from './App'
import { APP_BASENAME, appRoutes } from './routes'
import './styles.css'

const rootElement = document.getElementById('root')
if (!rootElement) throw new Error('index.html is missing the #root element')

createRoot(rootElement).render(
  <StrictMode>
    <App router={createBrowserRouter(appRoutes, { basename: APP_BASENAME })} queryClient={createQueryClient()} />
  </StrictMode>,
)
