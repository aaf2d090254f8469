import { useReactFlow } from '@xyflow/react'

import { useCatalog } from './catalog'
import { useDesigner } from './store'

/** Every problem the server found, each one a button that selects and shows its node. */
export function ValidationPanel({ onClose }: { onClose: () => void }) {
  const problems = useDesigner((state) => state.problems)
  const nodes = useDesigner((state) => state.nodes)
  const selectNodes = useDesigner((state) => state.selectNodes)
  const { specs } = useCatalog()
  const { fitView } = useReactFlow()
  const titleOf = (nodeId: string) => {
    const node = nodes.find((candidate) => candidate.id === nodeId)
    return node ? (specs[node.data.module]?.title ?? node.data.module) : nodeId
  }
  return (
    <section className="validation-panel" aria-label="Problems" data-testid="validation-panel">
      <header className="validation-panel-header">
        <h2 className="panel-heading">
          {problems.length ? `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}` : 'No problems'}
        </h2>
        <button type="button" className="button-link" onClick={onClose}>
          Hide
        </button>
      </header>
      {problems.length === 0 ? (
        <p className="panel-empty">The pipeline is ready to submit.</p>
      ) : (
        <ul className="problem-list">
          {problems.map((problem, index) => (
            <li key={index}>
              {problem.node ? (
                <button
                  type="button"
                  className="problem problem-button"
                  onClick={() => {
                    selectNodes([problem.node as string])
                    void fitView({ nodes: [{ id: problem.node as string }], maxZoom: 1.2, duration: 200 })
                  }}
                >
                  <strong>{titleOf(problem.node)}:</strong> {problem.message}
                  {problem.hint && <span className="problem-hint"> {problem.hint}</span>}
                </button>
              ) : (
                <p className="problem">
                  {problem.message}
                  {problem.hint && <span className="problem-hint"> {problem.hint}</span>}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
