/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'

// Django serves the built bundle from /static/app/ and the SPA's HTML at /app/*.
const STATIC_BASE = '/static/app/'
const DJANGO_DEV_SERVER = 'http://127.0.0.1:8000'

// Paths that belong to the Django backend. The proxy keeps the browser's Host
// header (no changeOrigin), so Django's CSRF origin check sees the same origin
// the page was loaded from.
const BACKEND_PATHS = ['/api', '/graphql', '/healthz', '/accounts']

/**
 * In production Django answers /app/* with the built index.html. The dev server
 * only knows about STATIC_BASE, so mirror that behaviour here: every client-side
 * route under /app is answered with the SPA entry page.
 */
function serveSpaUnderAppPrefix(): Plugin {
  return {
    name: 'ml-designer:serve-spa-under-app-prefix',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = request.url?.split('?')[0] ?? ''
        if (path === '/') {
          response.writeHead(302, { Location: '/app/' }).end()
          return
        }
        if (path === '/app' || path.startsWith('/app/')) {
          request.url = `${STATIC_BASE}index.html`
        }
        next()
      })
    },
  }
}

export default defineConfig({
  base: STATIC_BASE,
  plugins: [react(), serveSpaUnderAppPrefix()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dist/.vite/manifest.json maps the entry ("index.html") and the lazily
    // loaded pages to their hashed files, for Django templates that need them.
    manifest: true,
    // The big chunks (ECharts for the outputs drawer, CodeMirror for script parameters) load only
    // when those panels open; the entry chunk stays far below this.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        // Name the canvas libraries' shared chunk for what it is (the designer and run pages use it).
        codeSplitting: {
          // Only the named libraries: not React, which the entry chunk must keep.
          includeDependenciesRecursively: false,
          groups: [
            {
              name: 'canvas',
              test: /node_modules[\\/](@xyflow|d3-[a-z]+|classcat|zustand|@dagrejs)[\\/]/,
            },
            // Radix's primitives on their own: the dataset and endpoint pages use its tabs without the canvas.
            {
              name: 'radix',
              test: /node_modules[\\/](radix-ui|@radix-ui|@floating-ui|react-remove-scroll[a-z-]*|react-style-singleton|use-callback-ref|use-sidecar|aria-hidden|get-nonce|detect-node-es|tslib)[\\/]/,
            },
            // The app's own code shared by the designer and run pages (the code editor stays lazy).
            { name: 'designer', test: /src[\\/]designer[\\/](?!CodeEditor)/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      ...Object.fromEntries(BACKEND_PATHS.map((path) => [path, { target: DJANGO_DEV_SERVER }])),
      '/ws': { target: DJANGO_DEV_SERVER, ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    // Tests stub fetch and cookies; start each one from a clean slate.
    restoreMocks: true,
    unstubGlobals: true,
  },
})
