import { Background, Controls, MiniMap, ReactFlow } from '@xyflow/react'
import '@xyflow/react/dist/style.css'

import { useDesignerStore } from './designerStore'

export function DesignerCanvas() {
  const nodes = useDesignerStore((state) => state.nodes)
  const edges = useDesignerStore((state) => state.edges)
  const onNodesChange = useDesignerStore((state) => state.onNodesChange)
  const onEdgesChange = useDesignerStore((state) => state.onEdgesChange)
  const onConnect = useDesignerStore((state) => state.onConnect)

  return (
    <section className="designer-canvas" data-testid="canvas" aria-label="Pipeline canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        // Follows prefers-color-scheme, like the rest of the app.
        colorMode="system"
        fitView
      >
        <Background />
        <Controls />
        <MiniMap pannable zoomable />
      </ReactFlow>
    </section>
  )
}
