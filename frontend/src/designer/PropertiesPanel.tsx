import { useId, useMemo } from 'react'

import type { Compute, ModuleSpec, PortSpec } from '../api/types'
import { plainHelp, useCatalog } from './catalog'
import { checkConnection, portTypeName } from './connectionRules'
import type { NodeAction } from './DesignerCanvas'
import type { ModuleNodeData } from './graph'
import { StepStatusLine } from './ModuleNode'
import { upstreamColumns } from './paramForm'
import { ParamForm } from './ParamForm'
import { selectedNodeId, useDesigner, useDesignerStoreApi, type DesignerState } from './store'

interface SelectedNode {
  id: string
  data: ModuleNodeData
}

const EMPTY: never[] = []

/** Keyboard-friendly connecting: each input lists the outputs of the right type it can take. */
/** Which modules the graph has, as one string: stable while nodes only move (drags stay cheap). */
function moduleSignature(state: DesignerState): string {
  return state.nodes.map((node) => `${node.id}:${node.data.module}`).join('|')
}

function InputConnections({ node, spec }: { node: SelectedNode; spec: ModuleSpec }) {
  const { specs } = useCatalog()
  const store = useDesignerStoreApi()
  useDesigner(moduleSignature)
  const nodes = store.getState().nodes
  const edges = useDesigner((state) => state.edges)
  const readOnly = useDesigner((state) => state.readOnly)
  const setInput = useDesigner((state) => state.setInput)
  const baseId = useId()
  if (!spec.inputs.length) return null
  const modules = new Map(nodes.map((other) => [other.id, other.data.module]))

  const optionsFor = (input: PortSpec) => {
    const others = edges.filter((edge) => !(edge.target === node.id && edge.targetHandle === input.name))
    const options: { value: string; label: string }[] = []
    for (const other of nodes) {
      const otherSpec = specs[other.data.module]
      if (!otherSpec || other.id === node.id) continue
      for (const output of otherSpec.outputs) {
        if (output.type !== input.type) continue
        const verdict = checkConnection(
          { source: other.id, sourceHandle: output.name, target: node.id, targetHandle: input.name },
          { moduleOf: (id) => modules.get(id), edges: others },
          specs,
        )
        if (verdict.ok) options.push({ value: `${other.id}\u0000${output.name}`, label: `${otherSpec.title} (${other.id}) → ${output.title}` })
      }
    }
    return options
  }

  return (
    <section className="properties-section" aria-label="Inputs">
      <h4 className="properties-subheading">Inputs</h4>
      {spec.inputs.map((input) => {
        const edge = edges.find((candidate) => candidate.target === node.id && candidate.targetHandle === input.name)
        const value = edge ? `${edge.source}\u0000${edge.sourceHandle}` : ''
        const id = `${baseId}-${input.name}`
        return (
          <div key={input.name} className="form-field">
            <label htmlFor={id} className="form-label">
              {input.title} <span className="field-type">({portTypeName(input.type)}{input.optional ? ', optional' : ''})</span>
            </label>
            <select
              id={id}
              value={value}
              disabled={readOnly}
              onChange={(event) => {
                const [source, port] = event.target.value.split('\u0000')
                setInput(node.id, input.name, event.target.value ? { node: source, port } : null)
              }}
            >
              <option value="">— Not connected —</option>
              {optionsFor(input).map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
        )
      })}
    </section>
  )
}

function NodeSettings({ node, spec }: { node: SelectedNode; spec: ModuleSpec }) {
  const updateNode = useDesigner((state) => state.updateNode)
  const readOnly = useDesigner((state) => state.readOnly)
  const commentId = useId()
  const computeId = useId()
  const regenerateId = useId()
  const computeHint = useId()
  return (
    <section className="properties-section" aria-label="Node settings">
      <h4 className="properties-subheading">Node</h4>
      <div className="form-field">
        <label htmlFor={commentId} className="form-label">
          Comment
        </label>
        <textarea
          id={commentId}
          rows={2}
          value={node.data.comment}
          readOnly={readOnly}
          placeholder="A note shown on the node"
          onChange={(event) => updateNode(node.id, { comment: event.target.value }, `comment:${node.id}`)}
        />
      </div>
      <div className="form-field">
        <label htmlFor={computeId} className="form-label">
          Compute
        </label>
        <select
          id={computeId}
          value={node.data.compute}
          disabled={readOnly}
          aria-describedby={computeHint}
          onChange={(event) => updateNode(node.id, { compute: event.target.value as Compute })}
        >
          <option value="auto">Auto</option>
          <option value="cpu">CPU</option>
          <option value="gpu">GPU</option>
        </select>
        <p id={computeHint} className="field-hint">
          {spec.flags.gpu_capable
            ? 'This module can use a GPU; Auto runs it on one when a GPU worker is available.'
            : 'This module runs on CPU; GPU only changes the queue it waits in.'}
        </p>
      </div>
      <div className="form-field form-checkbox">
        <input
          id={regenerateId}
          type="checkbox"
          role="switch"
          aria-checked={node.data.regenerate}
          checked={node.data.regenerate}
          disabled={readOnly}
          onChange={(event) => updateNode(node.id, { regenerate: event.target.checked })}
        />
        <label htmlFor={regenerateId}>Regenerate output (do not reuse cached results)</label>
      </div>
    </section>
  )
}

export function PropertiesPanel({ onNodeAction, canRun }: { onNodeAction?: (action: NodeAction, nodeId: string) => void; canRun?: boolean }) {
  const headingId = useId()
  const { specs } = useCatalog()
  const store = useDesignerStoreApi()
  const nodeId = useDesigner(selectedNodeId)
  const selectedCount = useDesigner((state) => state.nodes.reduce((count, node) => count + (node.selected ? 1 : 0), 0))
  // The node's data, not the node: its identity survives moves, so dragging does not redraw the form.
  const data = useDesigner((state) => (nodeId ? state.nodes.find((candidate) => candidate.id === nodeId)?.data : undefined))
  const node: SelectedNode | undefined = useMemo(() => (nodeId && data ? { id: nodeId, data } : undefined), [data, nodeId])
  const problems = useDesigner((state) => (nodeId ? state.problemsByNode[nodeId] : undefined)) ?? EMPTY
  const step = useDesigner((state) => (nodeId ? state.run?.steps[nodeId] : undefined))
  const edges = useDesigner((state) => state.edges)
  const schemas = useDesigner((state) => state.schemas)
  const runSchemas = useDesigner((state) => state.runSchemas)
  const titleOf = (id: string) => {
    const other = store.getState().nodes.find((candidate) => candidate.id === id)
    return other ? (specs[other.data.module]?.title ?? id) : id
  }
  const readOnly = useDesigner((state) => state.readOnly)
  const setParam = useDesigner((state) => state.setParam)
  const spec = node ? specs[node.data.module] : undefined

  let body
  if (!node) {
    body =
      selectedCount > 1 ? (
        <div>
          <p>{selectedCount} modules selected.</p>
          {!readOnly && (
            <button type="button" className="button-secondary" onClick={() => store.getState().deleteSelection()}>
              Delete selected
            </button>
          )}
        </div>
      ) : (
        <p className="panel-empty">Select a module to see its parameters</p>
      )
  } else if (!spec) {
    body = (
      <p className="form-error" role="alert">
        The module “{node.data.module}” is not installed on this server. Delete the node or install the module.
      </p>
    )
  } else {
    body = (
      <div className="properties-body" data-testid="properties" data-node-id={node.id}>
        <h3 className="properties-module-title">{spec.title}</h3>
        <p className="properties-meta">
          {spec.category} · <code>{node.id}</code>
        </p>
        <details className="properties-help">
          <summary>About this module</summary>
          <p className="help-text">{plainHelp(spec.help)}</p>
        </details>
        {step && (
          <div className={`properties-run status-${step.status}`}>
            <p className="properties-run-status" data-testid="properties-step-status">
              <StepStatusLine step={step} />
            </p>
            {step.error && <p className="form-error">{step.error.message}</p>}
            <div className="button-row">
              <button type="button" className="button-secondary" onClick={() => onNodeAction?.('outputs', node.id)}>
                View outputs
              </button>
              <button type="button" className="button-secondary" onClick={() => onNodeAction?.('logs', node.id)}>
                View logs
              </button>
            </div>
          </div>
        )}
        {problems.length > 0 && (
          <ul className="problem-list" aria-label="Problems with this module" data-testid="node-problem-list">
            {problems.map((problem, index) => (
              <li key={index} className="problem">
                {problem.message}
                {problem.hint && <span className="problem-hint"> {problem.hint}</span>}
              </li>
            ))}
          </ul>
        )}
        <InputConnections node={node} spec={spec} />
        <section className="properties-section" aria-label="Parameters">
          <h4 className="properties-subheading">Parameters</h4>
          <ParamForm
            spec={spec}
            params={node.data.params}
            problems={problems}
            columnsFor={(port) => {
              const offered = upstreamColumns(node.id, port, edges, schemas, runSchemas)
              if (!offered) return null
              const note =
                offered.source === 'run'
                  ? 'Columns as the last run produced them.'
                  : offered.source === 'upstream'
                    ? `Columns of ${titleOf(offered.via ?? '')}, further up: the modules in between may change them, and the server checks the choice when the pipeline runs.`
                    : undefined
              return { columns: offered.columns, note }
            }}
            readOnly={readOnly}
            onChange={(name, value) => setParam(node.id, name, value)}
          />
        </section>
        <NodeSettings node={node} spec={spec} />
        {canRun && (
          <div className="button-row">
            <button type="button" className="button-secondary" onClick={() => onNodeAction?.('run-from', node.id)}>
              Run from here
            </button>
            <button type="button" className="button-secondary" onClick={() => onNodeAction?.('run-only', node.id)}>
              Run only this node
            </button>
          </div>
        )}
      </div>
    )
  }

  return (
    <aside className="designer-panel designer-properties" aria-labelledby={headingId}>
      <h2 id={headingId} className="panel-heading">
        Properties
      </h2>
      {body}
    </aside>
  )
}
