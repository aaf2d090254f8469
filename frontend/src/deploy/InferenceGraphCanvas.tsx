import { ReactFlowProvider } from '@xyflow/react'
import { useEffect, useState } from 'react'

import type { Graph } from '../api/types'
import { DesignerCanvas } from '../designer/DesignerCanvas'
import { fromGraph } from '../designer/graph'
import { layoutGraph } from '../designer/layout'
import { createDesignerStore, DesignerStoreContext, useDesigner } from '../designer/store'

// The canvas fits the view once, on its first render with nodes: it waits for the graph's load.
function CanvasWhenLoaded() {
  const loadCount = useDesigner((state) => state.loadCount)
  return loadCount ? <DesignerCanvas /> : null
}

/** A graph, read-only, on its own small canvas (the module catalogue comes from the surrounding page). */
export function InferenceGraphCanvas({ graph }: { graph: Graph }) {
  const [store] = useState(createDesignerStore)
  useEffect(() => {
    const placed = graph.nodes.every((node) => graph.ui?.[node.id])
    if (placed) {
      store.getState().load(graph, { readOnly: true })
      return
    }
    // A derived graph without a layout is laid out here, top to bottom.
    const { nodes, edges } = fromGraph(graph)
    store.getState().load({ ...graph, ui: layoutGraph(nodes, edges) }, { readOnly: true })
  }, [graph, store])
  return (
    <DesignerStoreContext.Provider value={store}>
      <ReactFlowProvider>
        <div className="inference-canvas" data-testid="inference-graph">
          <CanvasWhenLoaded />
        </div>
      </ReactFlowProvider>
    </DesignerStoreContext.Provider>
  )
}
