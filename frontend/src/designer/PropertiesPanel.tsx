import { useId } from 'react'

import { useSelectedNode } from './designerStore'

export function PropertiesPanel() {
  const selectedNode = useSelectedNode()
  const headingId = useId()

  return (
    <aside className="designer-panel designer-properties" aria-labelledby={headingId}>
      <h2 id={headingId} className="panel-heading">
        Properties
      </h2>
      {selectedNode ? (
        <div>
          <h3 className="properties-module-title">{selectedNode.data.title}</h3>
          <p className="panel-empty">This module's parameters will appear here.</p>
        </div>
      ) : (
        <p className="panel-empty">Select a module to see its parameters</p>
      )}
    </aside>
  )
}
