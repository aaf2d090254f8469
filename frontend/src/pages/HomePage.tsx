import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useNavigate } from 'react-router-dom'

import { errorMessage } from '../api/client'
import { createPipeline, queryKeys, usePipelines, useRuns } from '../api/resources'
import { formatWhen } from '../formatTime'
import { TemplateGallery } from '../gallery/TemplateGallery'
import { newPipelineName } from '../pipelineNames'
import { useDocumentTitle } from '../useDocumentTitle'
import { RunTable } from './RunsPage'

/** Creates an empty pipeline and opens it in the designer. */
export function NewPipelineButton() {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const create = useMutation({
    mutationFn: () =>
      createPipeline({
        name: newPipelineName(),
        graph: { schema_version: 1, nodes: [], edges: [], ui: {} },
      }),
    onSuccess: (pipeline) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.pipelines })
      navigate(`/designer/${pipeline.id}`)
    },
  })
  return (
    <div className="new-pipeline">
      <button type="button" className="button-primary" onClick={() => create.mutate()} disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'New pipeline'}
      </button>
      {create.isError && (
        <p className="form-error" role="alert">
          Could not create the pipeline. {errorMessage(create.error)}
        </p>
      )}
    </div>
  )
}

export function PipelineList({ limit }: { limit?: number }) {
  const pipelines = usePipelines()
  const [showAll, setShowAll] = useState(false)
  if (pipelines.isPending) return <p className="page-status">Loading pipelines…</p>
  if (pipelines.isError) {
    return (
      <p className="form-error" role="alert">
        Could not load the pipelines. {errorMessage(pipelines.error)}
      </p>
    )
  }
  const shown = limit && !showAll ? pipelines.data.slice(0, limit) : pipelines.data
  if (!shown.length) return <p className="panel-empty">No pipelines yet. Start one with “New pipeline”.</p>
  return (
    <>
      <ul className="card-list" aria-label="Pipelines">
        {shown.map((pipeline) => (
          <li key={pipeline.id} className="card">
            <Link to={`/designer/${pipeline.id}`} className="card-title">
              {pipeline.name}
            </Link>
            <span className="card-meta">Edited {formatWhen(pipeline.updated_at)}</span>
            {pipeline.description && <span className="card-meta">{pipeline.description}</span>}
          </li>
        ))}
      </ul>
      {shown.length < pipelines.data.length && (
        <button type="button" className="button-link" onClick={() => setShowAll(true)}>
          Show all {pipelines.data.length} pipelines
        </button>
      )}
    </>
  )
}

/** For a user with no pipelines yet: where to begin. */
function FirstRunHint() {
  return (
    <aside className="first-run-hint" aria-label="Getting started" data-testid="first-run-hint">
      <h2>New here? Start with a template</h2>
      <p>
        Each template below is a complete pipeline on a sample dataset. Press <strong>Use template</strong> to copy it
        into a pipeline of your own, then press <strong>Submit</strong> in the designer and watch every step run. Or
        start from an empty canvas with “New pipeline”.
      </p>
    </aside>
  )
}

export function HomePage() {
  useDocumentTitle('Home')
  const runs = useRuns()
  const pipelines = usePipelines()
  const isNewUser = pipelines.isSuccess && pipelines.data.length === 0
  const recent = (
    <div className="home-columns home-recent">
      <section aria-labelledby="recent-pipelines">
        <h2 id="recent-pipelines">Recent pipelines</h2>
        <PipelineList limit={8} />
      </section>
      <section aria-labelledby="recent-runs">
        <h2 id="recent-runs">Recent runs</h2>
        {runs.isError ? (
          <p className="form-error" role="alert">
            Could not load the runs. {errorMessage(runs.error)}
          </p>
        ) : runs.isPending ? (
          <p className="page-status">Loading runs…</p>
        ) : (
          <RunTable runs={runs.data.slice(0, 8)} caption="Recent runs" />
        )}
        <Link to="/runs">All runs</Link>
      </section>
    </div>
  )
  return (
    <section className="content-page">
      <div className="page-heading">
        <h1>Home</h1>
        <NewPipelineButton />
      </div>
      <p className="page-intro">
        Build a machine-learning pipeline by dragging modules and sample datasets onto the canvas, connect them, and
        press Submit.
      </p>
      {/* A user without pipelines sees the gallery first; everyone else their recent work first. */}
      <div className={`home-sections${isNewUser ? ' is-new-user' : ''}`}>
        {isNewUser && <FirstRunHint />}
        {recent}
        <TemplateGallery />
      </div>
    </section>
  )
}
