import { useId } from 'react'
import { Link, useSearchParams } from 'react-router-dom'

import { errorMessage } from '../api/client'
import { useExperiments, usePipelines, useRuns } from '../api/resources'
import type { RunSummary } from '../api/types'
import { formatDuration, formatWhen } from '../formatTime'
import { useDocumentTitle } from '../useDocumentTitle'

const STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const

export function RunTable({ runs, caption }: { runs: RunSummary[]; caption: string }) {
  const pipelines = usePipelines()
  const names = new Map((pipelines.data ?? []).map((pipeline) => [pipeline.id, pipeline.name]))
  if (!runs.length) return <p className="panel-empty">No runs yet.</p>
  return (
    <table className="data-table run-table" data-testid="run-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Status</th>
          <th scope="col">Pipeline</th>
          <th scope="col">Experiment</th>
          <th scope="col">Submitted</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              <Link to={`/runs/${run.id}`}>{run.id.slice(0, 8)}</Link>
            </td>
            <td>
              <span className={`status-pill status-${run.status}`}>{run.status}</span>
            </td>
            <td>
              {names.get(run.pipeline) ?? 'Pipeline'} <span className="card-meta">v{run.pipeline_version}</span>
            </td>
            <td>{run.experiment}</td>
            <td>{formatWhen(run.created_at)}</td>
            <td>
              {run.started_at && run.finished_at
                ? formatDuration(Date.parse(run.finished_at) - Date.parse(run.started_at))
                : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function RunsPage() {
  useDocumentTitle('Runs')
  const [search, setSearch] = useSearchParams()
  const status = search.get('status') ?? ''
  const experiment = search.get('experiment') ?? ''
  const runs = useRuns({ status, experiment }, { refetchInterval: 5000 })
  const experiments = useExperiments()
  const statusId = useId()
  const experimentId = useId()
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(search)
    if (value) next.set(name, value)
    else next.delete(name)
    setSearch(next, { replace: true })
  }
  return (
    <section className="content-page">
      <h1>Runs</h1>
      <div className="filters" role="group" aria-label="Filter runs">
        <label htmlFor={statusId}>Status</label>
        <select id={statusId} value={status} onChange={(event) => setFilter('status', event.target.value)}>
          <option value="">Any status</option>
          {STATUSES.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
        <label htmlFor={experimentId}>Experiment</label>
        <select id={experimentId} value={experiment} onChange={(event) => setFilter('experiment', event.target.value)}>
          <option value="">Any experiment</option>
          {(experiments.data ?? []).map((candidate) => (
            <option key={candidate.id} value={candidate.name}>
              {candidate.name}
            </option>
          ))}
        </select>
      </div>
      {runs.isError ? (
        <p className="form-error" role="alert">
          Could not load the runs. {errorMessage(runs.error)}
        </p>
      ) : runs.isPending ? (
        <p className="page-status">Loading runs…</p>
      ) : (
        <RunTable runs={runs.data} caption="Runs" />
      )}
    </section>
  )
}
