import { useReactFlow, useStoreApi, type XYPosition } from '@xyflow/react'
import { useCallback } from 'react'

import type { Graph } from '../api/types'
import { useCatalog } from './catalog'
import { readClipboard, parseClipboard, writeClipboard, selectionFragment } from './clipboard'
import type { PaletteDragPayload } from './DesignerCanvas'
import { layoutGraph } from './layout'
import { useDesignerStoreApi } from './store'

const PASTE_OFFSET = 40

/** Canvas commands shared by the toolbar, the shortcuts, the context menu and the palette. */
export function useCanvasCommands(announce: (message: string) => void) {
  const store = useDesignerStoreApi()
  const flowStore = useStoreApi()
  const { fitView, getViewport } = useReactFlow()
  const { specs } = useCatalog()

  /** The flow coordinates at the middle of the visible canvas. */
  const viewCentre = useCallback((): XYPosition => {
    const { width, height } = flowStore.getState()
    const { x, y, zoom } = getViewport()
    return { x: (width / 2 - x) / zoom, y: (height / 2 - y) / zoom }
  }, [flowStore, getViewport])

  const fit = useCallback(() => void fitView({ padding: 0.2, maxZoom: 1, duration: 200 }), [fitView])

  const layout = useCallback(() => {
    const { nodes, edges, setPositions } = store.getState()
    if (!nodes.length) return
    setPositions(layoutGraph(nodes, edges))
    // Let React Flow place and measure the moved nodes before fitting them.
    setTimeout(fit, 60)
    announce('Arranged the modules top to bottom.')
  }, [announce, fit, store])

  const addModule = useCallback(
    (payload: PaletteDragPayload, position?: XYPosition) => {
      const spec = specs[payload.module]
      if (!spec) {
        announce(`The module ${payload.module} is not available on this server.`)
        return
      }
      let at = position
      if (!at) {
        // Several adds in a row fan out instead of stacking exactly.
        const centre = viewCentre()
        const nearby = store.getState().nodes.filter(
          (node) => Math.abs(node.position.x - (centre.x - 120)) < 100 && Math.abs(node.position.y - (centre.y - 40)) < 100,
        ).length
        at = { x: centre.x - 120 + nearby * 24, y: centre.y - 40 + nearby * 24 }
      }
      store.getState().addNode(spec, at, payload.params)
      announce(`Added ${spec.title} to the canvas.`)
    },
    [announce, specs, store, viewCentre],
  )

  const pasteGraph = useCallback(
    (graph: Partial<Graph>) => {
      const positions = Object.values(graph.ui ?? {})
      let offset: XYPosition = { x: PASTE_OFFSET, y: PASTE_OFFSET }
      if (positions.length) {
        // Paste near the original when it is on screen, else in the middle of the view.
        const left = Math.min(...positions.map((point) => point.x))
        const top = Math.min(...positions.map((point) => point.y))
        const centre = viewCentre()
        const { width, height } = flowStore.getState()
        const { zoom } = getViewport()
        const visible = Math.abs(left - centre.x) < width / zoom / 2 && Math.abs(top - centre.y) < height / zoom / 2
        if (!visible) offset = { x: centre.x - left - 120, y: centre.y - top - 40 }
      }
      const ids = store.getState().insertFragment(graph, offset)
      if (ids.length) announce(`Pasted ${ids.length} ${ids.length === 1 ? 'module' : 'modules'}.`)
    },
    [announce, flowStore, getViewport, store, viewCentre],
  )

  const copy = useCallback(async () => {
    const { nodes, edges } = store.getState()
    const payload = selectionFragment(nodes, edges)
    if (!payload) return
    await writeClipboard(JSON.stringify(payload))
    announce(`Copied ${payload.graph.nodes.length} ${payload.graph.nodes.length === 1 ? 'module' : 'modules'}.`)
  }, [announce, store])

  const paste = useCallback(async () => {
    const text = await readClipboard()
    const graph = text ? parseClipboard(text) : null
    if (graph) pasteGraph(graph)
    else announce('The clipboard holds no modules to paste.')
  }, [announce, pasteGraph])

  return { fit, layout, addModule, pasteGraph, copy, paste }
}
