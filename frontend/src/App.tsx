import { QueryClientProvider, type QueryClient } from '@tanstack/react-query'
import { RouterProvider, type createBrowserRouter } from 'react-router-dom'

type AppRouter = ReturnType<typeof createBrowserRouter>

/**
 * The providers every screen relies on. The router and query client are passed
 * in so tests can use a memory router and a fresh cache.
 */
export function App({ router, queryClient }: { router: AppRouter; queryClient: QueryClient }) {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  )
}
