import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useConnection,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type IsValidConnection,
  type Viewport,
} from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { ContextMenu } from 'radix-ui'
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react'

import { useCatalog } from './catalog'
import { checkConnection, type ConnectionAttempt, type ConnectionVerdict } from './connectionRules'
import type { ModuleFlowNode, PortEdge } from './graph'
import { ModuleNode } from './ModuleNode'
import { useDesigner, useDesignerStoreApi } from './store'

const nodeTypes = { module: ModuleNode }

/** The drag payload of a palette entry: which module, and any parameters it starts with. */
export const PALETTE_MIME = 'application/x-ml-designer-module'
export interface PaletteDragPayload {
  module: string
  params?: Record<string, unknown>
}

export type NodeAction = 'run-from' | 'run-only' | 'outputs' | 'logs' | 'copy' | 'delete'
export type PaneAction = 'paste' | 'layout' | 'fit' | 'select-all'

interface DesignerCanvasProps {
  onNodeAction?: (action: NodeAction, nodeId: string) => void
  onPaneAction?: (action: PaneAction) => void
  onDropModule?: (payload: PaletteDragPayload, position: { x: number; y: number }) => void
  /** Where to look first; without it the view fits the pipeline. */
  defaultViewport?: Viewport
}

function useConnectionVerdict() {
  const { specs } = useCatalog()
  const store = useDesignerStoreApi()
  return useCallback(
    (attempt: ConnectionAttempt): ConnectionVerdict => {
      const { nodes, edges } = store.getState()
      const modules = new Map(nodes.map((node) => [node.id, node.data.module]))
      return checkConnection(attempt, { moduleOf: (id) => modules.get(id), edges }, specs)
    },
    [specs, store],
  )
}

/** While a connection is dragged over a port that would refuse it, says why. */
function ConnectionHint() {
  const connection = useConnection()
  const verdictFor = useConnectionVerdict()
  if (!connection.inProgress || !connection.toHandle) return null
  const from = connection.fromHandle
  const to = connection.toHandle
  const fromOutput = from.type === 'source'
  const attempt: ConnectionAttempt = fromOutput
    ? { source: from.nodeId, sourceHandle: from.id, target: to.nodeId, targetHandle: to.id }
    : { source: to.nodeId, sourceHandle: to.id, target: from.nodeId, targetHandle: from.id }
  if (from.type === to.type) {
    return (
      <p className="connection-hint is-refused" role="status">
        Connect an output (bottom of a module) to an input (top of another).
      </p>
    )
  }
  const verdict = verdictFor(attempt)
  return (
    <p className={`connection-hint ${verdict.ok ? 'is-accepted' : 'is-refused'}`} role="status">
      {verdict.ok ? 'Release to connect.' : verdict.reason}
    </p>
  )
}

export function DesignerCanvas({ onNodeAction, onPaneAction, onDropModule, defaultViewport }: DesignerCanvasProps) {
  const nodes = useDesigner((state) => state.nodes)
  const edges = useDesigner((state) => state.edges)
  const readOnly = useDesigner((state) => state.readOnly)
  const onNodesChange = useDesigner((state) => state.onNodesChange)
  const onEdgesChange = useDesigner((state) => state.onEdgesChange)
  const connect = useDesigner((state) => state.connect)
  const selectNodes = useDesigner((state) => state.selectNodes)
  const verdictFor = useConnectionVerdict()
  const { screenToFlowPosition } = useReactFlow()
  const [menuNode, setMenuNode] = useState<string | null>(null)
  // Fit a pipeline that opens with modules; an empty one keeps zoom 1, so drops land where aimed.
  const [fitOnOpen] = useState(() => !defaultViewport && nodes.length > 0)
  const [refusal, setRefusal] = useState<string | null>(null)
  const refusalTimer = useRef<ReturnType<typeof setTimeout>>(undefined)

  useEffect(() => () => clearTimeout(refusalTimer.current), [])

  // For measuring how long a big pipeline takes to open (the browser test reads this mark).
  const nodesInitialized = useNodesInitialized()
  const marked = useRef(false)
  useEffect(() => {
    if (nodesInitialized && !marked.current) {
      marked.current = true
      performance.mark('designer:nodes-initialized')
    }
  }, [nodesInitialized])

  const isValidConnection: IsValidConnection<Edge> = useCallback(
    (connection) => verdictFor(connection).ok,
    [verdictFor],
  )

  const onConnect = useCallback(
    (connection: Connection) => {
      const verdict = verdictFor(connection)
      if (verdict.ok) connect(connection)
    },
    [connect, verdictFor],
  )

  const onConnectEnd = useCallback(
    (_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (!state.toHandle || state.isValid !== false || !state.fromHandle) return
      const fromOutput = state.fromHandle.type === 'source'
      const attempt: ConnectionAttempt = fromOutput
        ? { source: state.fromHandle.nodeId, sourceHandle: state.fromHandle.id, target: state.toHandle.nodeId, targetHandle: state.toHandle.id }
        : { source: state.toHandle.nodeId, sourceHandle: state.toHandle.id, target: state.fromHandle.nodeId, targetHandle: state.fromHandle.id }
      const verdict =
        state.fromHandle.type === state.toHandle.type
          ? { ok: false as const, reason: 'Connect an output (bottom of a module) to an input (top of another).' }
          : verdictFor(attempt)
      if (verdict.ok) return
      setRefusal(`Connection refused: ${verdict.reason}`)
      clearTimeout(refusalTimer.current)
      refusalTimer.current = setTimeout(() => setRefusal(null), 6000)
    },
    [verdictFor],
  )

  const onDragOver = useCallback(
    (event: DragEvent) => {
      if (readOnly || !event.dataTransfer.types.includes(PALETTE_MIME)) return
      event.preventDefault()
      event.dataTransfer.dropEffect = 'copy'
    },
    [readOnly],
  )

  const onDrop = useCallback(
    (event: DragEvent) => {
      const raw = event.dataTransfer.getData(PALETTE_MIME)
      if (readOnly || !raw) return
      event.preventDefault()
      const payload = JSON.parse(raw) as PaletteDragPayload
      const point = screenToFlowPosition({ x: event.clientX, y: event.clientY })
      // The pointer ends up over the middle of the node's title.
      onDropModule?.(payload, { x: point.x - 120, y: point.y - 24 })
    },
    [onDropModule, readOnly, screenToFlowPosition],
  )

  const onNodeContextMenu = useCallback(
    (_event: React.MouseEvent, node: ModuleFlowNode) => {
      setMenuNode(node.id)
      if (!node.selected) selectNodes([node.id])
    },
    [selectNodes],
  )

  const runActions = Boolean(onNodeAction)

  return (
    <section className="designer-canvas" data-testid="canvas" aria-label="Pipeline canvas">
      <ContextMenu.Root modal={false}>
        <ContextMenu.Trigger asChild>
          <div className="designer-canvas-surface" onDragOver={onDragOver} onDrop={onDrop}>
            <ReactFlow<ModuleFlowNode, PortEdge>
              nodes={nodes}
              edges={edges}
              nodeTypes={nodeTypes}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              onConnectEnd={onConnectEnd}
              isValidConnection={isValidConnection as IsValidConnection<PortEdge>}
              onNodeContextMenu={onNodeContextMenu}
              onPaneContextMenu={() => setMenuNode(null)}
              // Deleting is one undoable edit of nodes and their edges, handled by the page's shortcuts.
              deleteKeyCode={null}
              nodesConnectable={!readOnly}
              nodesDraggable={!readOnly}
              edgesReconnectable={false}
              selectionKeyCode="Shift"
              multiSelectionKeyCode={['Meta', 'Control']}
              connectionRadius={24}
              defaultEdgeOptions={{ type: 'smoothstep' }}
              minZoom={0.1}
              colorMode="system"
              fitView={fitOnOpen}
              defaultViewport={defaultViewport}
              fitViewOptions={{ maxZoom: 1, padding: 0.2 }}
              onlyRenderVisibleElements
            >
              <Background />
              <Controls aria-label="Zoom controls" />
              <MiniMap pannable zoomable ariaLabel="Minimap" style={{ width: 160, height: 110 }} />
              {!readOnly && <ConnectionHint />}
            </ReactFlow>
            {refusal && (
              <p className="connection-hint is-refused connection-refusal" role="alert" data-testid="connection-refused">
                {refusal}
              </p>
            )}
            {nodes.length === 0 && !readOnly && (
              <div className="canvas-empty" aria-hidden="true">
                <p>Drag a module or a dataset from the palette onto the canvas to start.</p>
                <p>Connect an output (bottom of a module) to an input (top of the next one).</p>
              </div>
            )}
          </div>
        </ContextMenu.Trigger>
        <ContextMenu.Portal>
          <ContextMenu.Content className="context-menu" aria-label={menuNode ? 'Module actions' : 'Canvas actions'}>
            {menuNode ? (
              <>
                {runActions && (
                  <>
                    <ContextMenu.Item className="context-menu-item" onSelect={() => onNodeAction?.('run-from', menuNode)}>
                      Run from here
                    </ContextMenu.Item>
                    <ContextMenu.Item className="context-menu-item" onSelect={() => onNodeAction?.('run-only', menuNode)}>
                      Run only this node
                    </ContextMenu.Item>
                    <ContextMenu.Item className="context-menu-item" onSelect={() => onNodeAction?.('outputs', menuNode)}>
                      View outputs
                    </ContextMenu.Item>
                    <ContextMenu.Item className="context-menu-item" onSelect={() => onNodeAction?.('logs', menuNode)}>
                      View logs
                    </ContextMenu.Item>
                  </>
                )}
                {!readOnly && (
                  <>
                    <ContextMenu.Separator className="context-menu-separator" />
                    <ContextMenu.Item className="context-menu-item" onSelect={() => onNodeAction?.('copy', menuNode)}>
                      Copy
                    </ContextMenu.Item>
                    <ContextMenu.Item className="context-menu-item is-danger" onSelect={() => onNodeAction?.('delete', menuNode)}>
                      Delete
                    </ContextMenu.Item>
                  </>
                )}
              </>
            ) : (
              <>
                {!readOnly && (
                  <ContextMenu.Item className="context-menu-item" onSelect={() => onPaneAction?.('paste')}>
                    Paste
                  </ContextMenu.Item>
                )}
                {!readOnly && (
                  <ContextMenu.Item className="context-menu-item" onSelect={() => onPaneAction?.('layout')}>
                    Auto-layout
                  </ContextMenu.Item>
                )}
                <ContextMenu.Item className="context-menu-item" onSelect={() => onPaneAction?.('fit')}>
                  Fit to view
                </ContextMenu.Item>
                <ContextMenu.Item className="context-menu-item" onSelect={() => onPaneAction?.('select-all')}>
                  Select all
                </ContextMenu.Item>
              </>
            )}
          </ContextMenu.Content>
        </ContextMenu.Portal>
      </ContextMenu.Root>
    </section>
  )
}
