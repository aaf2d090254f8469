import { useEffect } from 'react'
import { useParams } from 'react-router-dom'

import { DesignerCanvas } from '../designer/DesignerCanvas'
import { useDesignerStore } from '../designer/designerStore'
import { ModulePalette } from '../designer/ModulePalette'
import type { PaletteModule } from '../designer/paletteModules'
import { PropertiesPanel } from '../designer/PropertiesPanel'
import { useDocumentTitle } from '../useDocumentTitle'

// The module catalogue is not served yet; the palette renders its empty state.
const NO_MODULES: readonly PaletteModule[] = []

export function DesignerPage() {
  const { pipelineId } = useParams()
  const resetCanvas = useDesignerStore((state) => state.resetCanvas)
  const pipelineTitle = pipelineId ? `Pipeline ${pipelineId}` : 'New pipeline'
  useDocumentTitle(pipelineTitle)

  // Opening another pipeline must not show the previous one's nodes.
  useEffect(() => resetCanvas, [pipelineId, resetCanvas])

  return (
    <div className="designer-page">
      <header className="designer-toolbar">
        <h1 className="designer-title">{pipelineTitle}</h1>
      </header>
      <div className="designer-workspace">
        <ModulePalette modules={NO_MODULES} />
        <DesignerCanvas />
        <PropertiesPanel />
      </div>
    </div>
  )
}
