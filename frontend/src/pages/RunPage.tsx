import { useMutation, useQueryClient } from '@tanstack/react-query'
import { ReactFlowProvider } from '@xyflow/react'
import { Tooltip } from 'radix-ui'
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router-dom'
import { useStore } from 'zustand'

import { errorMessage, isApiError } from '../api/client'
import {
  cancelRun,
  createPipeline,
  queryKeys,
  rerunRun,
  useDatasets,
  useModules,
  usePipeline,
  usePipelineVersions,
  useSamples,
} from '../api/resources'
import type { Graph } from '../api/types'
import { CatalogContext, catalogFrom, useCatalog } from '../designer/catalog'
import { DesignerCanvas, type NodeAction, type PaneAction } from '../designer/DesignerCanvas'
import { ShortcutsDialog } from '../designer/Dialogs'
import { StepStatusLine } from '../designer/ModuleNode'
import { runSchemasFrom } from '../designer/paramForm'
import { PropertiesPanel } from '../designer/PropertiesPanel'
import { RunSummaryBar } from '../designer/RunSummaryBar'
import type { LiveRun } from '../designer/runEvents'
import { createDesignerStore, DesignerStoreContext, useDesigner, useDesignerStoreApi } from '../designer/store'
import { useCanvasCommands } from '../designer/useCanvasCommands'
import { useLiveRun, type SocketState } from '../designer/useLiveRun'
import { useAnnouncer } from '../designer/useAnnouncer'
import { useShortcuts } from '../designer/useShortcuts'
import type { DrawerTab } from '../outputs/OutputsDrawer'
import { useDocumentTitle } from '../useDocumentTitle'

const OutputsDrawer = lazy(() => import('../outputs/OutputsDrawer'))
const DeployDialog = lazy(async () => ({ default: (await import('../deploy/DeployDialog')).DeployDialog }))

/** The steps of the run as a list: a keyboard way to every node and its outputs. */
function StepList({ live, onOpen }: { live: LiveRun; onOpen: (nodeId: string) => void }) {
  const selectNodes = useDesigner((state) => state.selectNodes)
  return (
    <aside className="designer-panel designer-palette" aria-label="Steps">
      <h2 className="panel-heading">Steps</h2>
      <ol className="step-list">
        {live.order.map((nodeId) => {
          const step = live.steps[nodeId]
          if (!step) return null
          return (
            <li key={nodeId}>
              <button
                type="button"
                className={`step-item status-${step.status}`}
                onClick={() => selectNodes([nodeId])}
                onDoubleClick={() => onOpen(nodeId)}
                data-testid={`step-${nodeId}`}
              >
                <span className="step-item-title">{step.title}</span>
                <span className="step-item-status">
                  <StepStatusLine step={step} />
                </span>
              </button>
            </li>
          )
        })}
      </ol>
    </aside>
  )
}

function RunWorkspace({
  live,
  socketState,
  graph,
  pipelineName,
}: {
  live: LiveRun
  socketState: SocketState
  graph: Graph
  pipelineName: string
}) {
  const store = useDesignerStoreApi()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const { specs } = useCatalog()
  const { announce, region } = useAnnouncer()
  const commands = useCanvasCommands(announce)
  const [drawer, setDrawer] = useState<{ node: string; tab: DrawerTab } | null>(null)
  const [showShortcuts, setShowShortcuts] = useState(false)
  const [actionError, setActionError] = useState<string | null>(null)
  const [deploying, setDeploying] = useState(false)
  useDocumentTitle(`Run ${live.id.slice(0, 8)} · ${pipelineName}`)

  useShortcuts(store, {
    onFit: commands.fit,
    onLayout: () => undefined,
    onHelp: () => setShowShortcuts(true),
    onPaste: () => undefined,
  })

  const rerun = useMutation({
    mutationFn: (body: { from_node?: string; only_node?: string }) => rerunRun(live.id, body),
    onSuccess: (run) => {
      void queryClient.invalidateQueries({ queryKey: ['runs', 'list'] })
      navigate(`/runs/${run.id}`)
    },
    onError: (error) => setActionError(errorMessage(error)),
  })
  const cancel = useMutation({
    mutationFn: () => cancelRun(live.id),
    onError: (error) => setActionError(errorMessage(error)),
  })
  const cloneDraft = useMutation({
    mutationFn: () => createPipeline({ name: `${pipelineName} (copy)`, graph }),
    onSuccess: (pipeline) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.pipelines })
      navigate(`/designer/${pipeline.id}`)
    },
    onError: (error) => setActionError(errorMessage(error)),
  })

  const onNodeAction = useCallback(
    (action: NodeAction, nodeId: string) => {
      setActionError(null)
      if (action === 'run-from') rerun.mutate({ from_node: nodeId })
      else if (action === 'run-only') rerun.mutate({ only_node: nodeId })
      else if (action === 'outputs' || action === 'logs') setDrawer({ node: nodeId, tab: action })
      else if (action === 'copy') {
        store.getState().selectNodes([nodeId])
        void commands.copy()
      }
    },
    [commands, rerun, store],
  )
  const onPaneAction = useCallback(
    (action: PaneAction) => {
      if (action === 'fit') commands.fit()
      else if (action === 'select-all') store.getState().selectAll()
    },
    [commands, store],
  )
  const closeDrawer = useCallback(() => setDrawer(null), [])
  const drawerModule = drawer ? store.getState().nodes.find((node) => node.id === drawer.node)?.data.module : undefined

  return (
    <div className="designer-page run-page">
      <header className="designer-toolbar">
        <Link to="/runs" className="toolbar-back" aria-label="All runs">
          ←
        </Link>
        <div className="pipeline-name">
          <h1 className="designer-title">
            Run {live.id.slice(0, 8)} <span className="designer-subtitle">of {pipelineName}</span>
          </h1>
          <span className="read-only-pill">Read-only</span>
        </div>
        <div className="toolbar-group" role="toolbar" aria-label="Run">
          <button type="button" className="button-secondary" onClick={commands.fit}>
            Fit view
          </button>
          <button type="button" className="button-secondary" onClick={() => setShowShortcuts(true)}>
            Shortcuts
          </button>
          <Link to={`/designer/${live.pipeline}`} className="button-secondary">
            Open draft
          </Link>
          <button type="button" className="button-secondary" onClick={() => rerun.mutate({})} disabled={rerun.isPending}>
            {rerun.isPending ? 'Submitting…' : 'Submit again'}
          </button>
        </div>
        <button type="button" className="button-secondary toolbar-submit" onClick={() => cloneDraft.mutate()} disabled={cloneDraft.isPending}>
          Edit as new draft
        </button>
        <button
          type="button"
          className="button-primary"
          onClick={() => setDeploying(true)}
          disabled={live.status !== 'completed'}
          title={live.status === 'completed' ? 'Serve this run’s trained model as a real-time endpoint' : 'Only a completed run can be deployed'}
        >
          Deploy
        </button>
      </header>
      <RunSummaryBar
        run={live}
        socketState={socketState}
        onCancel={() => cancel.mutate()}
        cancelling={cancel.isPending}
      />
      {actionError && (
        <p className="banner-error" role="alert">
          {actionError}
        </p>
      )}
      <div className="designer-workspace">
        <StepList live={live} onOpen={(nodeId) => setDrawer({ node: nodeId, tab: 'outputs' })} />
        <div className="designer-centre">
          <DesignerCanvas onNodeAction={onNodeAction} onPaneAction={onPaneAction} />
          {drawer && (
            <Suspense fallback={<p className="page-status">Loading…</p>}>
              <OutputsDrawer
                key={`${drawer.node}:${drawer.tab}`}
                runId={live.id}
                nodeId={drawer.node}
                spec={drawerModule ? specs[drawerModule] : undefined}
                step={live.steps[drawer.node]}
                initialTab={drawer.tab}
                onClose={closeDrawer}
              />
            </Suspense>
          )}
        </div>
        <PropertiesPanel onNodeAction={onNodeAction} />
      </div>
      <ShortcutsDialog open={showShortcuts} onOpenChange={setShowShortcuts} />
      {deploying && (
        <Suspense fallback={null}>
          <DeployDialog open={deploying} onOpenChange={setDeploying} runId={live.id} pipelineName={pipelineName} />
        </Suspense>
      )}
      {region}
    </div>
  )
}

/** A submitted run, read-only, with every node's live status from the run's websocket. */
export function RunPage() {
  const { runId } = useParams()
  const { live, socketState, runQuery } = useLiveRun(runId)
  const run = runQuery.data
  const modules = useModules()
  const samples = useSamples()
  // The user's datasets only add to the palette; the designer works without them.
  const datasets = useDatasets()
  const versions = usePipelineVersions(run?.pipeline)
  const pipeline = usePipeline(run?.pipeline)
  const graph = versions.data?.find((version) => version.number === run?.pipeline_version)?.graph
  const [store] = useState(createDesignerStore)
  const loadedGraph = useRef<Graph | null>(null)
  const loadCount = useStore(store, (state) => state.loadCount)
  const catalog = useMemo(
    () => catalogFrom(modules.data ?? [], samples.data ?? [], datasets.data ?? []),
    [datasets.data, modules.data, samples.data],
  )

  useEffect(() => {
    if (graph && graph !== loadedGraph.current) {
      loadedGraph.current = graph
      store.getState().load(graph, { readOnly: true })
    }
  }, [graph, store])

  // After every load too: loading empties the run overlay.
  useEffect(() => {
    if (loadCount) store.getState().setRun(live)
  }, [live, loadCount, store])

  // The columns each step produced fill the (read-only) column pickers.
  useEffect(() => {
    if (!loadCount || !run) return
    store.getState().setRunSchemas(runSchemasFrom(run.steps))
  }, [loadCount, run, store])

  const failure = runQuery.error ?? versions.error ?? modules.error
  if (failure) {
    return (
      <div className="page-status" role="alert">
        <p>{isApiError(failure) && failure.status === 404 ? 'This run does not exist or is not yours.' : errorMessage(failure)}</p>
        <Link to="/runs">See all runs</Link>
      </div>
    )
  }
  if (!live || !loadCount || !graph || modules.isPending) {
    return (
      <p className="page-status" role="status">
        Opening the run…
      </p>
    )
  }
  return (
    <CatalogContext.Provider value={catalog}>
      <DesignerStoreContext.Provider value={store}>
        <ReactFlowProvider>
          <Tooltip.Provider>
            <RunWorkspace
              key={live.id}
              live={live}
              socketState={socketState}
              graph={graph}
              pipelineName={pipeline.data?.name ?? 'pipeline'}
            />
          </Tooltip.Provider>
        </ReactFlowProvider>
      </DesignerStoreContext.Provider>
    </CatalogContext.Provider>
  )
}
