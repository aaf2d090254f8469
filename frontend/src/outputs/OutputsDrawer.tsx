import { useQuery } from '@tanstack/react-query'
import { Tabs } from 'radix-ui'
import { useEffect, useId, useState } from 'react'

import { errorMessage, isApiError } from '../api/client'
import { fetchRunEvents, fetchStepLogs, queryKeys, useOutput } from '../api/resources'
import type { EvaluationData, ModuleSpec, OutputPreview, RunEvent, TablePreview } from '../api/types'
import { FINISHED_STEP_STATUSES, type LiveStep } from '../designer/runEvents'
import { EvaluationView } from './EvaluationView'
import { formatCell, metricName } from './format'
import { TablePreviewView } from './TablePreviewView'

export type DrawerTab = 'outputs' | 'logs' | 'metrics'

interface OutputsDrawerProps {
  runId: string
  nodeId: string
  spec: ModuleSpec | undefined
  step: LiveStep | undefined
  initialTab: DrawerTab
  onClose: () => void
}

function isEvaluation(preview: OutputPreview): preview is OutputPreview & EvaluationData {
  // The endpoint names the port type; the body's kind is the evaluation's own (binary, regression ...).
  return preview.type === 'evaluation' || preview.kind === 'evaluation' || ('metrics' in preview && 'charts' in preview)
}

function PortOutput({ runId, nodeId, port, ready }: { runId: string; nodeId: string; port: string; ready: boolean }) {
  const output = useOutput(ready ? runId : undefined, nodeId, port)
  if (!ready) return <p className="panel-empty">This output is not ready yet.</p>
  if (output.isPending) {
    return (
      <p className="page-status" role="status">
        Loading the output…
      </p>
    )
  }
  if (output.isError) {
    return (
      <p className="form-error" role="alert">
        {isApiError(output.error) && output.error.code === 'output_not_ready'
          ? output.error.message
          : `Could not load this output. ${errorMessage(output.error)}`}
      </p>
    )
  }
  const preview = output.data
  if (preview.kind === 'table') return <TablePreviewView preview={preview as TablePreview} />
  if (isEvaluation(preview)) return <EvaluationView data={preview} />
  const { kind: _kind, node: _node, port: _port, ...attributes } = preview as Record<string, unknown>
  return (
    <dl className="stats-list object-summary">
      {Object.entries(attributes).map(([name, value]) => (
        <div key={name} className="stats-row">
          <dt>{metricName(name)}</dt>
          <dd>{Array.isArray(value) ? value.map(formatCell).join(', ') : formatCell(value)}</dd>
        </div>
      ))}
    </dl>
  )
}

function describeEvent(event: RunEvent): string {
  const { payload } = event
  const parts: string[] = [event.kind.replace(/^step_/, '').replaceAll('_', ' ')]
  if (typeof payload.message === 'string') parts.push(payload.message)
  if (typeof payload.fraction === 'number') parts.push(`${Math.round(payload.fraction * 100)}%`)
  if (typeof payload.duration_ms === 'number') parts.push(`${Math.round(payload.duration_ms)} ms`)
  if (typeof payload.cached_from_run === 'string') parts.push(`from run ${payload.cached_from_run}`)
  if (typeof payload.worker === 'string') parts.push(`on ${payload.worker}`)
  if (typeof payload.queue === 'string') parts.push(`queue ${payload.queue}`)
  if (typeof payload.reason === 'string') parts.push(payload.reason)
  const error = payload.error as { message?: string } | undefined
  if (error?.message) parts.push(error.message)
  return parts.join(' · ')
}

function StepLogs({ runId, nodeId, step }: { runId: string; nodeId: string; step: LiveStep | undefined }) {
  const running = step ? !FINISHED_STEP_STATUSES.has(step.status) : false
  const events = useQuery({
    queryKey: queryKeys.runEvents(runId),
    queryFn: () => fetchRunEvents(runId),
    refetchInterval: running ? 2000 : false,
  })
  // What the module printed and logged, stored with the step when it finishes.
  const logs = useQuery({
    queryKey: queryKeys.stepLogs(runId, nodeId),
    queryFn: () => fetchStepLogs(runId, nodeId),
    refetchInterval: running ? 3000 : false,
  })
  const [search, setSearch] = useState('')
  const searchId = useId()
  const stepLogs = logs.data?.logs ?? ''
  const lines = [
    ...(events.data ?? [])
      .filter((event) => event.node === nodeId)
      .map((event) => `${new Date(event.at).toLocaleTimeString()}  ${describeEvent(event)}`),
    ...(stepLogs ? ['', '— output of the module —', ...stepLogs.trimEnd().split('\n')] : []),
  ]
  const needle = search.trim().toLowerCase()
  const shown = needle ? lines.filter((line) => line.toLowerCase().includes(needle)) : lines
  return (
    <div className="step-logs">
      <label htmlFor={searchId} className="visually-hidden">
        Search the log
      </label>
      <input id={searchId} type="search" placeholder="Search the log" value={search} onChange={(event) => setSearch(event.target.value)} />
      {step?.error && (
        <p className="form-error" role="alert">
          {step.error.message}
        </p>
      )}
      {events.isError ? (
        <p className="form-error" role="alert">
          Could not load the log. {errorMessage(events.error)}
        </p>
      ) : (
        // A scrolling region must take focus, or keyboard users cannot scroll it.
        // oxlint-disable-next-line jsx-a11y/no-noninteractive-tabindex
        <pre className="log-text" data-testid="step-log" tabIndex={0} aria-label="Step log">
          {shown.length ? shown.join('\n') : events.isPending ? 'Loading…' : needle ? 'No line matches.' : 'Nothing logged yet.'}
        </pre>
      )}
    </div>
  )
}

function StepMetrics({ step }: { step: LiveStep | undefined }) {
  const metrics = step?.metrics ?? {}
  const entries = Object.entries(metrics)
  if (!entries.length) return <p className="panel-empty">This step recorded no metrics.</p>
  return (
    <table className="data-table compact">
      <caption className="visually-hidden">Metrics</caption>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{metricName(name)}</th>
            <td className="is-number">{formatCell(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** Outputs, logs and metrics of one node of a run, in a drawer over the bottom of the canvas. */
export default function OutputsDrawer({ runId, nodeId, spec, step, initialTab, onClose }: OutputsDrawerProps) {
  const outputs = spec?.outputs ?? []
  const firstTab = initialTab === 'outputs' ? (outputs[0] ? `port:${outputs[0].name}` : 'logs') : initialTab
  const [tab, setTab] = useState(firstTab)
  const [expanded, setExpanded] = useState(false)
  const headingId = useId()
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])
  const done = step ? FINISHED_STEP_STATUSES.has(step.status) : false

  return (
    <section className={`outputs-drawer${expanded ? ' is-expanded' : ''}`} aria-labelledby={headingId} data-testid="outputs-drawer">
      <header className="outputs-drawer-header">
        <h2 id={headingId}>
          {spec?.title ?? nodeId} <span className="outputs-drawer-run">run {runId.slice(0, 8)}</span>
        </h2>
        <div className="button-row">
          <button type="button" className="button-secondary" aria-pressed={expanded} onClick={() => setExpanded(!expanded)}>
            {expanded ? 'Shrink' : 'Expand'}
          </button>
          <button type="button" className="button-secondary" onClick={onClose} aria-label="Close outputs">
            Close
          </button>
        </div>
      </header>
      <Tabs.Root value={tab} onValueChange={setTab} className="outputs-tabs">
        <Tabs.List className="tab-list" aria-label="Outputs, logs and metrics">
          {outputs.map((port) => (
            <Tabs.Trigger key={port.name} value={`port:${port.name}`} className="tab">
              {port.title}
            </Tabs.Trigger>
          ))}
          <Tabs.Trigger value="metrics" className="tab">
            Metrics
          </Tabs.Trigger>
          <Tabs.Trigger value="logs" className="tab">
            Logs
          </Tabs.Trigger>
        </Tabs.List>
        <div className="outputs-tab-body">
          {outputs.map((port) => (
            <Tabs.Content key={port.name} value={`port:${port.name}`} className="tab-panel">
              <PortOutput
                runId={runId}
                nodeId={nodeId}
                port={port.name}
                ready={Boolean(step && (step.outputs[port.name] || (done && step.status !== 'failed')))}
              />
            </Tabs.Content>
          ))}
          <Tabs.Content value="metrics" className="tab-panel">
            <StepMetrics step={step} />
          </Tabs.Content>
          <Tabs.Content value="logs" className="tab-panel">
            <StepLogs runId={runId} nodeId={nodeId} step={step} />
          </Tabs.Content>
        </div>
      </Tabs.Root>
    </section>
  )
}
