import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { ReactFlowProvider, useReactFlow, type Viewport } from '@xyflow/react'
import { Tooltip } from 'radix-ui'
import { lazy, Suspense, useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react'
import { Link, useNavigate, useParams } from 'react-router-dom'
import { useStore } from 'zustand'

import { errorMessage, isApiError } from '../api/client'
import {
  createPipeline,
  fetchPipeline,
  queryKeys,
  submitRun,
  updatePipeline,
  useDatasets,
  useModules,
  useRun,
  useRuns,
  useSamples,
} from '../api/resources'
import type { Graph, Pipeline, Problem } from '../api/types'
import { CatalogContext, catalogFrom, useCatalog } from '../designer/catalog'
import { DesignerCanvas, type NodeAction, type PaneAction } from '../designer/DesignerCanvas'
import { ShortcutsDialog, SubmitDialog } from '../designer/Dialogs'
import { toGraph } from '../designer/graph'
import { dropHandoff, handOff, peekHandoff } from '../designer/handoff'
import { ModulePalette } from '../designer/ModulePalette'
import { runSchemasFrom } from '../designer/paramForm'
import { PropertiesPanel } from '../designer/PropertiesPanel'
import { initialLiveRun } from '../designer/runEvents'
import { createDesignerStore, DesignerStoreContext, useDesigner, useDesignerStoreApi } from '../designer/store'
import { useAutosave, type SaveState } from '../designer/useAutosave'
import { useCanvasCommands } from '../designer/useCanvasCommands'
import { useShortcuts } from '../designer/useShortcuts'
import { useValidation } from '../designer/useValidation'
import { useAnnouncer } from '../designer/useAnnouncer'
import { ValidationPanel } from '../designer/ValidationPanel'
import type { DrawerTab } from '../outputs/OutputsDrawer'
import { newPipelineName } from '../pipelineNames'
import { useDocumentTitle } from '../useDocumentTitle'

const OutputsDrawer = lazy(() => import('../outputs/OutputsDrawer'))

const SAVE_WORDS: Record<SaveState, string> = {
  saved: 'Saved',
  unsaved: 'Unsaved changes',
  saving: 'Saving…',
  error: 'Not saved',
}

function PipelineName({ pipeline }: { pipeline: Pipeline | null }) {
  if (!pipeline) {
    return (
      <div className="pipeline-name">
        <h1 className="designer-title" data-testid="pipeline-name">
          New pipeline
        </h1>
        <span className="field-hint">saved as soon as you add a module</span>
      </div>
    )
  }
  return <SavedPipelineName pipeline={pipeline} />
}

function SavedPipelineName({ pipeline }: { pipeline: Pipeline }) {
  const queryClient = useQueryClient()
  const [name, setName] = useState(pipeline.name)
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(name)
  const inputId = useId()
  useDocumentTitle(name)
  const rename = useMutation({
    mutationFn: (next: string) => updatePipeline(pipeline.id, { name: next }),
    onSuccess: (saved) => {
      setName(saved.name)
      void queryClient.invalidateQueries({ queryKey: queryKeys.pipelines })
    },
  })
  const commit = (event?: FormEvent) => {
    event?.preventDefault()
    const next = draft.trim()
    setEditing(false)
    if (next && next !== name) {
      setName(next)
      rename.mutate(next)
    }
  }
  if (editing) {
    return (
      <form onSubmit={commit} className="pipeline-name-form">
        <label htmlFor={inputId} className="visually-hidden">
          Pipeline name
        </label>
        <input
          id={inputId}
          ref={(input) => input?.focus()}
          value={draft}
          maxLength={200}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={() => commit()}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              setDraft(name)
              setEditing(false)
            }
          }}
        />
      </form>
    )
  }
  return (
    <div className="pipeline-name">
      <h1 className="designer-title" data-testid="pipeline-name">
        {name}
      </h1>
      <button
        type="button"
        className="button-link"
        onClick={() => {
          setDraft(name)
          setEditing(true)
        }}
      >
        Rename
      </button>
      {rename.isError && (
        <span className="field-error-inline" role="alert">
          {errorMessage(rename.error)}
        </span>
      )}
    </div>
  )
}

interface RunScope {
  fromNode?: string
  onlyNode?: string
}

function EditorWorkspace({
  pipeline,
  savedRevision,
  defaultViewport,
}: {
  /** Null for a new pipeline, created on its first edit. */
  pipeline: Pipeline | null
  savedRevision?: string
  defaultViewport?: Viewport
}) {
  const store = useDesignerStoreApi()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const { getViewport } = useReactFlow()
  const { specs } = useCatalog()
  const { announce, region } = useAnnouncer()
  const pipelineId = pipeline?.id
  const persist = useCallback(
    async (graph: Graph, revision: string) => {
      if (pipelineId) {
        await updatePipeline(pipelineId, { graph })
        return
      }
      const created = await createPipeline({ name: newPipelineName(), graph })
      handOff(created.id, { store, pipeline: created, savedRevision: revision, viewport: getViewport() })
      void queryClient.invalidateQueries({ queryKey: queryKeys.pipelines })
      navigate(`/designer/${created.id}`, { replace: true })
    },
    [getViewport, navigate, pipelineId, queryClient, store],
  )
  const { saveState, saveError, flush, retry } = useAutosave(store, persist, savedRevision)
  const { checking, validationError } = useValidation(store, pipelineId, Boolean(pipelineId))
  const commands = useCanvasCommands(announce)
  const canUndo = useDesigner((state) => state.past.length > 0)
  const canRedo = useDesigner((state) => state.future.length > 0)
  const problemCount = useDesigner((state) => state.problems.length)
  const nodeCount = useDesigner((state) => state.nodes.length)
  const [showProblems, setShowProblems] = useState(false)
  const [showShortcuts, setShowShortcuts] = useState(false)
  const [submitScope, setSubmitScope] = useState<RunScope | null>(null)
  const [submitError, setSubmitError] = useState<string | null>(null)
  const [drawer, setDrawer] = useState<{ node: string; tab: DrawerTab } | null>(null)
  const [notice, setNotice] = useState<string | null>(null)

  // The latest run of this pipeline: what "View outputs" shows from the draft.
  const runs = useRuns({ pipeline: pipelineId }, { enabled: Boolean(pipelineId) })
  const latestRunId = runs.data?.[0]?.id
  const latestRun = useRun(latestRunId)
  const latestLive = useMemo(() => (latestRun.data ? initialLiveRun(latestRun.data) : null), [latestRun.data])
  useEffect(() => {
    store.getState().setRunSchemas(runSchemasFrom(latestRun.data?.steps ?? []))
  }, [latestRun.data, store])

  const submit = useMutation({
    mutationFn: async ({ experiment, scope }: { experiment: string; scope: RunScope }) => {
      await flush().catch(() => undefined)
      const { nodes, edges } = store.getState()
      if (!pipelineId) throw new Error('Add a module first: the pipeline is saved when it has one.')
      return submitRun(pipelineId, {
        experiment,
        graph: toGraph(nodes, edges),
        ...(scope.fromNode ? { from_node: scope.fromNode } : {}),
        ...(scope.onlyNode ? { only_node: scope.onlyNode } : {}),
      })
    },
    onSuccess: (run) => {
      setSubmitScope(null)
      navigate(`/runs/${run.id}`)
    },
    onError: (error) => {
      if (isApiError(error) && error.code === 'invalid_graph') {
        const problems = (error.details?.problems as Problem[] | undefined) ?? []
        store.getState().setValidation(problems)
        setShowProblems(true)
      }
      setSubmitError(errorMessage(error))
    },
  })

  const openSubmit = useCallback((scope: RunScope = {}) => {
    setSubmitError(null)
    setSubmitScope(scope)
  }, [])

  const showNotice = useCallback(
    (text: string) => {
      setNotice(text)
      announce(text)
    },
    [announce],
  )

  const onNodeAction = useCallback(
    (action: NodeAction, nodeId: string) => {
      if (action === 'run-from') openSubmit({ fromNode: nodeId })
      else if (action === 'run-only') openSubmit({ onlyNode: nodeId })
      else if (action === 'copy') {
        store.getState().selectNodes([nodeId])
        void commands.copy()
      } else if (action === 'delete') {
        store.getState().selectNodes([nodeId])
        store.getState().deleteSelection()
      } else if (!latestLive?.steps[nodeId]) {
        showNotice('This module has not run yet. Submit the pipeline to see its outputs and logs.')
      } else {
        setDrawer({ node: nodeId, tab: action === 'logs' ? 'logs' : 'outputs' })
      }
    },
    [commands, latestLive, openSubmit, showNotice, store],
  )

  const onPaneAction = useCallback(
    (action: PaneAction) => {
      if (action === 'paste') void commands.paste()
      else if (action === 'layout') commands.layout()
      else if (action === 'fit') commands.fit()
      else store.getState().selectAll()
    },
    [commands, store],
  )

  useShortcuts(store, {
    onFit: commands.fit,
    onLayout: commands.layout,
    onHelp: () => setShowShortcuts(true),
    onSubmit: () => openSubmit(),
    onPaste: commands.pasteGraph,
  })

  const closeDrawer = useCallback(() => setDrawer(null), [])
  const scopeTitle = (nodeId: string) => {
    const node = store.getState().nodes.find((candidate) => candidate.id === nodeId)
    return node ? (specs[node.data.module]?.title ?? nodeId) : nodeId
  }
  const scopeText = submitScope?.fromNode
    ? `Runs “${scopeTitle(submitScope.fromNode)}” and everything after it; earlier modules reuse their cached results.`
    : submitScope?.onlyNode
      ? `Runs only “${scopeTitle(submitScope.onlyNode)}”, with its inputs from cached results.`
      : undefined

  return (
    <div className="designer-page">
      <header className="designer-toolbar">
        <Link to="/" className="toolbar-back" aria-label="Home">
          ←
        </Link>
        <PipelineName pipeline={pipeline} />
        <span className={`save-state save-${saveState}`} role="status" data-testid="save-state" data-state={saveState}>
          {SAVE_WORDS[saveState]}
          {saveState === 'error' && (
            <>
              : {saveError}{' '}
              <button type="button" className="button-link" onClick={retry}>
                Retry
              </button>
            </>
          )}
        </span>
        <div className="toolbar-group" role="toolbar" aria-label="Edit">
          <button type="button" className="button-secondary" onClick={() => store.getState().undo()} disabled={!canUndo} aria-keyshortcuts="Control+Z">
            Undo
          </button>
          <button
            type="button"
            className="button-secondary"
            onClick={() => store.getState().redo()}
            disabled={!canRedo}
            aria-keyshortcuts="Control+Shift+Z"
          >
            Redo
          </button>
          <button type="button" className="button-secondary" onClick={commands.layout} disabled={!nodeCount} aria-keyshortcuts="L">
            Auto-layout
          </button>
          <button type="button" className="button-secondary" onClick={commands.fit} aria-keyshortcuts="F">
            Fit view
          </button>
          <button
            type="button"
            className={`button-secondary problems-toggle${problemCount ? ' has-problems' : ''}`}
            aria-expanded={showProblems}
            onClick={() => setShowProblems((shown) => !shown)}
            data-testid="problems-toggle"
          >
            {checking ? 'Checking…' : problemCount ? `${problemCount} ${problemCount === 1 ? 'problem' : 'problems'}` : 'No problems'}
          </button>
          <button type="button" className="button-secondary" onClick={() => setShowShortcuts(true)} aria-keyshortcuts="Shift+?">
            Shortcuts
          </button>
        </div>
        <button type="button" className="button-primary toolbar-submit" onClick={() => openSubmit()} disabled={!nodeCount}>
          Submit
        </button>
      </header>
      {validationError && (
        <p className="banner-error" role="alert">
          Could not check the pipeline: {validationError}
        </p>
      )}
      {notice && (
        <p className="banner-info" role="status">
          {notice}{' '}
          <button type="button" className="button-link" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </p>
      )}
      <div className="designer-workspace">
        <ModulePalette onAdd={(payload) => commands.addModule(payload)} />
        <div className="designer-centre">
          <DesignerCanvas
            defaultViewport={defaultViewport}
            onNodeAction={onNodeAction}
            onPaneAction={onPaneAction}
            onDropModule={(payload, position) => commands.addModule(payload, position)}
          />
          {showProblems && <ValidationPanel onClose={() => setShowProblems(false)} />}
          {drawer && latestRunId && (
            <Suspense fallback={<p className="page-status">Loading…</p>}>
              <OutputsDrawer
                key={`${drawer.node}:${drawer.tab}`}
                runId={latestRunId}
                nodeId={drawer.node}
                spec={specs[store.getState().nodes.find((node) => node.id === drawer.node)?.data.module ?? '']}
                step={latestLive?.steps[drawer.node]}
                initialTab={drawer.tab}
                onClose={closeDrawer}
              />
            </Suspense>
          )}
        </div>
        <PropertiesPanel onNodeAction={onNodeAction} canRun />
      </div>
      {submitScope && (
        <SubmitDialog
          open
          onOpenChange={(open) => !open && setSubmitScope(null)}
          scope={scopeText}
          submitting={submit.isPending}
          error={submitError}
          onSubmit={(experiment) => submit.mutate({ experiment, scope: submitScope })}
        />
      )}
      <ShortcutsDialog open={showShortcuts} onOpenChange={setShowShortcuts} />
      {region}
    </div>
  )
}

/**
 * The pipeline being edited, fetched fresh each time the page opens (the draft may have moved on),
 * or taken over from the editor that just created it. Without an id: a new, not yet saved pipeline.
 */
function PipelineEditor({ pipelineId }: { pipelineId?: string }) {
  const modules = useModules()
  const samples = useSamples()
  // The user's datasets only add to the palette; the designer works without them.
  const datasets = useDatasets()
  const [handoff] = useState(() => peekHandoff(pipelineId))
  useEffect(() => dropHandoff(pipelineId), [pipelineId])
  const pipelineQuery = useQuery({
    queryKey: [...queryKeys.pipeline(pipelineId ?? ''), 'draft'],
    queryFn: () => fetchPipeline(pipelineId ?? ''),
    enabled: Boolean(pipelineId) && !handoff,
    gcTime: 0,
    staleTime: 0,
  })
  const [store] = useState(() => {
    if (handoff) return handoff.store
    const created = createDesignerStore()
    if (!pipelineId) created.getState().load(null)
    return created
  })
  const loaded = useStore(store, (state) => state.loadCount > 0)
  const catalog = useMemo(
    () => catalogFrom(modules.data ?? [], samples.data ?? [], datasets.data ?? []),
    [datasets.data, modules.data, samples.data],
  )
  const loadedOnce = useRef(false)

  useEffect(() => {
    if (pipelineQuery.data && !loadedOnce.current) {
      loadedOnce.current = true
      performance.mark('designer:graph-loaded')
      store.getState().load(pipelineQuery.data.graph)
    }
  }, [pipelineQuery.data, store])

  const pipeline = handoff?.pipeline ?? pipelineQuery.data ?? null
  const failure = pipelineQuery.error ?? modules.error
  if (failure) {
    return (
      <div className="page-status" role="alert">
        <p>
          {isApiError(failure) && failure.status === 404 ? 'This pipeline does not exist or is not yours.' : errorMessage(failure)}
        </p>
        <Link to="/">Go to the home page</Link>
      </div>
    )
  }
  if (!loaded || (pipelineId && !pipeline) || modules.isPending) {
    return (
      <p className="page-status" role="status">
        Opening the pipeline…
      </p>
    )
  }
  return (
    <CatalogContext.Provider value={catalog}>
      <DesignerStoreContext.Provider value={store}>
        <ReactFlowProvider>
          <Tooltip.Provider delayDuration={400}>
            <EditorWorkspace pipeline={pipeline} savedRevision={handoff?.savedRevision} defaultViewport={handoff?.viewport} />
          </Tooltip.Provider>
        </ReactFlowProvider>
      </DesignerStoreContext.Provider>
    </CatalogContext.Provider>
  )
}

export function DesignerPage() {
  const { pipelineId } = useParams()
  return <PipelineEditor key={pipelineId ?? 'new'} pipelineId={pipelineId} />
}
