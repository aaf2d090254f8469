import { Handle, Position, type NodeProps } from '@xyflow/react'
import { memo, useEffect, useState } from 'react'

import type { PortSpec, StepStatus } from '../api/types'
import { datasetFor, portColor, useCatalog } from './catalog'
import { portTypeName } from './connectionRules'
import type { ModuleFlowNode } from './graph'
import { formatDuration } from '../formatTime'
import { firstLine, type LiveStep } from './runEvents'
import { useDesigner } from './store'

const STATUS_WORDS: Record<StepStatus, string> = {
  pending: 'Waiting',
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  cached: 'Cached',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
}

/** The running clock of a step, ticking once a second. */
function Elapsed({ since }: { since: string }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [])
  return <>{formatDuration(Math.max(0, now - Date.parse(since)))}</>
}

export function StepStatusLine({ step }: { step: LiveStep }) {
  const word = STATUS_WORDS[step.status] ?? step.status
  switch (step.status) {
    case 'running':
      return (
        <span>
          {word}
          {step.startedAt && (
            <>
              {' '}
              <Elapsed since={step.startedAt} />
            </>
          )}
          {step.progress !== null && ` · ${Math.round(step.progress * 100)}%`}
        </span>
      )
    case 'completed':
      return (
        <span>
          {word}
          {step.durationMs !== null && ` in ${formatDuration(step.durationMs)}`}
        </span>
      )
    case 'cached':
      return <span>{step.cachedFromRun ? `Cached from run ${step.cachedFromRun.slice(0, 8)}` : word}</span>
    case 'failed':
      return <span>{step.error ? `${word}: ${firstLine(step.error.message)}` : word}</span>
    default:
      return <span>{word}</span>
  }
}

function portLabel(port: PortSpec, direction: 'Input' | 'Output'): string {
  return `${direction} ${port.title} (${portTypeName(port.type)}${port.optional ? ', optional' : ''})`
}

function PortHandles({
  ports,
  kind,
  connectable,
}: {
  ports: readonly PortSpec[]
  kind: 'in' | 'out'
  connectable: boolean
}) {
  return ports.map((port, index) => {
    const left = `${((index + 1) / (ports.length + 1)) * 100}%`
    return (
      <Handle
        key={port.name}
        id={port.name}
        type={kind === 'in' ? 'target' : 'source'}
        position={kind === 'in' ? Position.Top : Position.Bottom}
        isConnectable={connectable}
        className={`port-handle port-${kind}${port.optional ? ' port-optional' : ''}`}
        style={{ left, background: portColor(port.type) }}
        data-testid={`port-${kind}-${port.name}`}
        data-port-type={port.type}
        aria-label={portLabel(port, kind === 'in' ? 'Input' : 'Output')}
        title={portLabel(port, kind === 'in' ? 'Input' : 'Output')}
      />
    )
  })
}

function PortLabels({ ports, kind }: { ports: readonly PortSpec[]; kind: 'in' | 'out' }) {
  if (!ports.length) return null
  return (
    <div className={`module-node-ports module-node-ports-${kind}`} aria-hidden="true">
      {ports.map((port) => (
        <span key={port.name} className="module-node-port-label" style={{ borderColor: portColor(port.type) }}>
          {port.title}
        </span>
      ))}
    </div>
  )
}

function ModuleNodeView({ id, data, selected }: NodeProps<ModuleFlowNode>) {
  const { specs, samples, datasets } = useCatalog()
  const spec = specs[data.module]
  const problems = useDesigner((state) => state.problemsByNode[id])
  const step = useDesigner((state) => state.run?.steps[id])
  const readOnly = useDesigner((state) => state.readOnly)
  const inputs = spec?.inputs ?? []
  const outputs = spec?.outputs ?? []
  const title = spec?.title ?? data.module
  const registered = data.params.data_source === 'Registered dataset' ? datasetFor(datasets, data.params.dataset) : null
  const sampleTitle =
    data.params.data_source === 'Sample dataset'
      ? samples.find((sample) => sample.slug === data.params.sample_dataset)?.title
      : registered
        ? `${registered.dataset.name}${registered.version ? ` · v${registered.version}` : ''}`
        : undefined
  const status = step?.status ?? 'draft'
  const problemCount = problems?.length ?? 0

  return (
    <div
      className={[
        'module-node',
        `module-node-${status}`,
        selected ? 'is-selected' : '',
        problemCount && !step ? 'has-problems' : '',
        spec ? '' : 'is-unknown',
      ].join(' ')}
      data-testid="module-node"
      data-node-id={id}
      data-module={data.module}
      data-status={status}
    >
      <PortHandles ports={inputs} kind="in" connectable={!readOnly} />
      <PortLabels ports={inputs} kind="in" />
      <div className="module-node-body">
        <div className="module-node-title">{title}</div>
        {sampleTitle && <div className="module-node-subtitle">{sampleTitle}</div>}
        {!spec && <div className="module-node-subtitle">This module is not installed on the server.</div>}
        {data.comment && <div className="module-node-comment">{data.comment}</div>}
        {step && (
          <div className={`module-node-status status-${step.status}`} data-testid="node-status">
            <StepStatusLine step={step} />
            {step.status === 'running' && step.progress !== null && (
              <progress className="module-node-progress" value={step.progress} max={1} aria-label="Progress" />
            )}
          </div>
        )}
      </div>
      <PortLabels ports={outputs} kind="out" />
      <PortHandles ports={outputs} kind="out" connectable={!readOnly} />
      {problemCount > 0 && !step && (
        <span
          className="module-node-badge"
          data-testid="node-problems"
          title={problems?.map((problem) => problem.message).join('\n')}
          aria-label={`${problemCount} ${problemCount === 1 ? 'problem' : 'problems'}`}
        >
          {problemCount}
        </span>
      )}
    </div>
  )
}

export const ModuleNode = memo(ModuleNodeView)
