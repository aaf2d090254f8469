import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Dialog } from 'radix-ui'
import { useId, useState, type FormEvent } from 'react'
import { Link } from 'react-router-dom'

import { errorMessage, isApiError } from '../api/client'
import { deployRun, queryKeys, useInferenceGraph } from '../api/resources'
import type { DeployResult, InferenceGraphPreview } from '../api/types'
import { formatNumber } from '../outputs/format'
import { CopyButton } from './CopyButton'
import { endpointNameProblem, suggestEndpointName } from './endpointName'
import { InferenceGraphCanvas } from './InferenceGraphCanvas'
import { rememberKeys } from './keyVault'
import { ParityDifferences } from './ParityDifferences'

function DerivationSummary({ preview }: { preview: InferenceGraphPreview }) {
  const columns = preview.input_schema
  return (
    <div className="derivation-summary">
      <p>
        Requests send <strong>{columns.length}</strong> {columns.length === 1 ? 'column' : 'columns'}:{' '}
        <span className="card-meta">
          {columns
            .slice(0, 12)
            .map((column) => column.name)
            .join(', ')}
          {columns.length > 12 ? `, and ${columns.length - 12} more` : ''}
        </span>
        {preview.label_columns.length > 0 && (
          <>
            {' '}
            (not the label: <code>{preview.label_columns.join(', ')}</code>)
          </>
        )}
      </p>
      {preview.removed.length > 0 && (
        <details>
          <summary>
            {preview.removed.length} training {preview.removed.length === 1 ? 'step is' : 'steps are'} left out of the
            endpoint
          </summary>
          <ul className="removed-list">
            {preview.removed.map((removed) => (
              <li key={removed.node}>
                <strong>{removed.title}</strong>: {removed.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {preview.notes.length > 0 && (
        <ul className="field-hint">
          {preview.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

function DeployOutcome({ result }: { result: DeployResult }) {
  const { deployment } = result
  const parity = deployment.parity
  const healthy = deployment.status === 'healthy'
  return (
    <div className="deploy-outcome" data-testid="deploy-outcome" data-status={deployment.status}>
      <p role="status">
        <span className={`status-pill status-${healthy ? 'completed' : 'failed'}`} data-testid="deploy-status">
          {deployment.status}
        </span>{' '}
        {healthy ? (
          <>
            Version {deployment.version} of <strong>{result.name}</strong> is live
            {deployment.seconds !== null ? ` (deployed in ${formatNumber(deployment.seconds)} s)` : ''}.
          </>
        ) : (
          <>Version {deployment.version} did not go live.</>
        )}
      </p>
      {healthy && parity.rows_compared !== undefined && (
        <p className="field-hint">
          Train/serve parity: the endpoint scored {parity.rows_compared} training rows exactly as the run did.
        </p>
      )}
      {!healthy && (
        <div className="form-error" role="alert">
          <p>{deployment.reason || parity.message || 'The parity check failed.'}</p>
        </div>
      )}
      {!healthy && <ParityDifferences parity={parity} />}
      {healthy && (
        <p>
          Scoring URL: <code>{result.scoring_url}</code> <CopyButton text={result.scoring_url} what="the scoring URL" />
        </p>
      )}
      {result.new_keys && Object.keys(result.new_keys).length > 0 && (
        <div className="key-reveal" data-testid="new-keys">
          <p>
            <strong>Your keys, shown only now.</strong> The server keeps only their hashes: copy one somewhere safe. (You
            can regenerate them on the endpoint’s page.)
          </p>
          <dl className="stats-list">
            {Object.entries(result.new_keys).map(([slot, key]) => (
              <div key={slot} className="stats-row key-row">
                <dt>{slot}</dt>
                <dd>
                  <code className="secret">{key}</code> <CopyButton text={key ?? ''} what={`the ${slot} key`} />
                </dd>
              </div>
            ))}
          </dl>
        </div>
      )}
    </div>
  )
}

/** Deploy a completed run: the derived inference graph, a name, one click, and the outcome. */
export function DeployDialog({
  open,
  onOpenChange,
  runId,
  pipelineName,
}: {
  open: boolean
  onOpenChange: (open: boolean) => void
  runId: string
  pipelineName: string
}) {
  const queryClient = useQueryClient()
  const preview = useInferenceGraph(runId, open)
  const [name, setName] = useState(() => suggestEndpointName(pipelineName))
  const [touched, setTouched] = useState(false)
  const nameId = useId()
  const nameHintId = useId()
  const problem = endpointNameProblem(name)

  const deploy = useMutation({
    mutationFn: () => deployRun(runId, { name }),
    onSuccess: (result) => {
      if (result.new_keys) rememberKeys(result.name, result.new_keys)
      void queryClient.invalidateQueries({ queryKey: queryKeys.endpoints })
    },
  })
  const serverNameError = isApiError(deploy.error) && deploy.error.field === 'name' ? deploy.error.message : null
  const nameError = (touched && problem) || serverNameError

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    setTouched(true)
    if (problem || deploy.isPending) return
    deploy.mutate()
  }

  const result = deploy.data
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog dialog-wide" aria-describedby={undefined} data-testid="deploy-dialog">
          <Dialog.Title className="dialog-title">Deploy as a real-time endpoint</Dialog.Title>
          {preview.isPending ? (
            <p className="page-status" role="status">
              Deriving the inference graph…
            </p>
          ) : preview.isError ? (
            <p className="form-error" role="alert" data-testid="derivation-error">
              This run cannot be deployed. {errorMessage(preview.error)}
            </p>
          ) : (
            <>
              <p className="dialog-description">
                The endpoint runs this graph, derived from the run: trained models and fitted transformations are bound,
                training and evaluation steps are left out, and a Web Service Input takes the training data’s place.
              </p>
              <InferenceGraphCanvas graph={preview.data.graph} />
              <DerivationSummary preview={preview.data} />
            </>
          )}
          {result ? (
            <DeployOutcome result={result} />
          ) : (
            <form className="dialog-form" onSubmit={onSubmit}>
              <label htmlFor={nameId} className="form-label">
                Endpoint name
              </label>
              <input
                id={nameId}
                value={name}
                onChange={(event) => {
                  setName(event.target.value)
                  setTouched(true)
                  deploy.reset()
                }}
                onBlur={() => setTouched(true)}
                aria-invalid={Boolean(nameError)}
                aria-describedby={nameHintId}
                autoComplete="off"
                spellCheck={false}
                disabled={deploy.isPending}
              />
              <span id={nameHintId} className={nameError ? 'field-error' : 'field-hint'}>
                {nameError || `Scoring URL: ${window.location.origin}/score/${name || '…'}. Deploying to an existing name of yours adds a version.`}
              </span>
              {deploy.isPending && (
                <p role="status" className="deploy-progress" data-testid="deploy-status">
                  <span className="status-pill status-running">deploying</span> Building the scoring plan and checking that
                  it returns exactly what the run returned…
                </p>
              )}
              {deploy.isError && !serverNameError && (
                <p className="form-error" role="alert">
                  {errorMessage(deploy.error)}
                </p>
              )}
              <div className="dialog-actions">
                <Dialog.Close asChild>
                  <button type="button" className="button-secondary">
                    Cancel
                  </button>
                </Dialog.Close>
                <button type="submit" className="button-primary" disabled={deploy.isPending || !preview.isSuccess}>
                  {deploy.isPending ? 'Deploying…' : 'Deploy'}
                </button>
              </div>
            </form>
          )}
          {result && (
            <div className="dialog-actions">
              <Dialog.Close asChild>
                <button type="button" className="button-secondary">
                  Close
                </button>
              </Dialog.Close>
              <Link to={`/endpoints/${result.name}`} className="button-primary">
                Open the endpoint
              </Link>
            </div>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  )
}
