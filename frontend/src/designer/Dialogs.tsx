import { Dialog } from 'radix-ui'
import { useId, useState, type FormEvent, type ReactNode } from 'react'

import { useExperiments } from '../api/resources'
import { SHORTCUTS } from './useShortcuts'

function Modal({
  open,
  onOpenChange,
  title,
  description,
  children,
}: {
  open: boolean
  onOpenChange: (open: boolean) => void
  title: string
  description?: string
  children: ReactNode
}) {
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog" aria-describedby={undefined}>
          <Dialog.Title className="dialog-title">{title}</Dialog.Title>
          {description && <Dialog.Description className="dialog-description">{description}</Dialog.Description>}
          {children}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  )
}

export function ShortcutsDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <Modal open={open} onOpenChange={onOpenChange} title="Keyboard shortcuts">
      <table className="data-table compact shortcuts-table">
        <caption className="visually-hidden">Keyboard shortcuts of the designer</caption>
        <thead>
          <tr>
            <th scope="col">Keys</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map(([keys, action]) => (
            <tr key={keys}>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="field-hint">On a Mac, use ⌘ for Ctrl.</p>
      <div className="dialog-actions">
        <Dialog.Close asChild>
          <button type="button" className="button-primary">
            Close
          </button>
        </Dialog.Close>
      </div>
    </Modal>
  )
}

export interface SubmitRequest {
  experiment: string
  fromNode?: string
  onlyNode?: string
}

const LAST_EXPERIMENT_KEY = 'ml-designer:last-experiment'

function lastExperiment(): string {
  try {
    return localStorage.getItem(LAST_EXPERIMENT_KEY) || 'Default'
  } catch {
    return 'Default'
  }
}

function rememberExperiment(name: string): void {
  try {
    localStorage.setItem(LAST_EXPERIMENT_KEY, name)
  } catch {
    // Private browsing: nothing to remember with.
  }
}

export function SubmitDialog({
  open,
  onOpenChange,
  scope,
  submitting,
  error,
  onSubmit,
}: {
  open: boolean
  onOpenChange: (open: boolean) => void
  /** A sentence for run-from-here / run-only runs; none for a whole pipeline. */
  scope?: string
  submitting: boolean
  error: string | null
  onSubmit: (experiment: string) => void
}) {
  const experiments = useExperiments()
  const [experiment, setExperiment] = useState(lastExperiment)
  const inputId = useId()
  const listId = useId()
  const errorId = useId()
  const handle = (event: FormEvent) => {
    event.preventDefault()
    const name = experiment.trim() || 'Default'
    rememberExperiment(name)
    onSubmit(name)
  }
  return (
    <Modal
      open={open}
      onOpenChange={onOpenChange}
      title="Submit the pipeline"
      description={scope ?? 'Runs every module; unchanged ones reuse their cached results.'}
    >
      <form onSubmit={handle} className="dialog-form">
        <label htmlFor={inputId} className="form-label">
          Experiment
        </label>
        <input
          id={inputId}
          list={listId}
          value={experiment}
          onChange={(event) => setExperiment(event.target.value)}
          aria-describedby={error ? errorId : undefined}
          aria-invalid={error ? true : undefined}
        />
        <datalist id={listId}>
          {(experiments.data ?? []).map((candidate) => (
            <option key={candidate.id} value={candidate.name}>
              {candidate.name}
            </option>
          ))}
        </datalist>
        <p className="field-hint">Pick an existing experiment or type a new name to create one.</p>
        {error && (
          <p id={errorId} className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <Dialog.Close asChild>
            <button type="button" className="button-secondary">
              Cancel
            </button>
          </Dialog.Close>
          <button type="submit" className="button-primary" disabled={submitting}>
            {submitting ? 'Submitting…' : 'Submit'}
          </button>
        </div>
      </form>
    </Modal>
  )
}
