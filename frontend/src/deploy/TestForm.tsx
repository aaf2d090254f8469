import { useId, useMemo, useState, type FormEvent } from 'react'

import { errorMessage } from '../api/client'
import type { EndpointDetail } from '../api/types'
import { formatCell, formatNumber } from '../outputs/format'
import { examplePayload, parseScoringBody } from './examplePayload'
import { useRememberedKeys } from './keyVault'
import { predictionRows, sendScoringRequest, type ScoringReply } from './scoring'

function PredictionTable({ rows }: { rows: Record<string, unknown>[] }) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  return (
    <div className="table-scroll">
      <table className="data-table compact full-width" data-testid="test-predictions">
        <caption>Predictions</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              {columns.map((column) => (
                <td key={column} className={typeof row[column] === 'number' ? 'is-number' : undefined}>
                  {formatCell(row[column])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The sentence of an error envelope, when the reply is one. */
function errorOf(body: unknown): string | null {
  const error = (body as { error?: { message?: unknown } } | null)?.error
  return typeof error?.message === 'string' ? error.message : null
}

/** Send a real request to the endpoint and see its answer. */
export function TestForm({ endpoint }: { endpoint: EndpointDetail }) {
  const example = useMemo(
    () => JSON.stringify(examplePayload(endpoint.input_schema, endpoint.consume?.example_request.inputs ?? []), null, 2),
    [endpoint.consume?.example_request.inputs, endpoint.input_schema],
  )
  const remembered = useRememberedKeys(endpoint.name)
  const [text, setText] = useState(example)
  const [typedKey, setTypedKey] = useState<string | null>(null)
  const key = typedKey ?? remembered.primary ?? remembered.secondary ?? ''
  const [reply, setReply] = useState<ScoringReply | null>(null)
  const [failure, setFailure] = useState<string | null>(null)
  const [sending, setSending] = useState(false)
  const bodyId = useId()
  const keyId = useId()
  const keyHintId = useId()
  const parsed = parseScoringBody(text)

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    if (!parsed.ok || sending) return
    setSending(true)
    setFailure(null)
    try {
      setReply(await sendScoringRequest(endpoint.name, parsed.body, key))
    } catch (error) {
      setReply(null)
      setFailure(`The request did not reach the endpoint. ${errorMessage(error)}`)
    } finally {
      setSending(false)
    }
  }

  const rows = reply ? predictionRows(reply.body) : null
  return (
    <form className="test-form" onSubmit={(event) => void onSubmit(event)} aria-label="Test the endpoint">
      <div className="form-field">
        <label htmlFor={bodyId} className="form-label">
          Request body
        </label>
        <textarea
          id={bodyId}
          className="json-editor"
          value={text}
          onChange={(event) => setText(event.target.value)}
          rows={Math.min(24, Math.max(8, text.split('\n').length + 1))}
          spellCheck={false}
          aria-invalid={!parsed.ok}
          aria-describedby={`${bodyId}-hint`}
        />
        <span id={`${bodyId}-hint`} className={parsed.ok ? 'field-hint' : 'field-error'}>
          {parsed.ok
            ? `One object per row under "inputs"; ${endpoint.input_schema.length} columns in the input schema. Prefilled from the training data.`
            : parsed.error}
        </span>
      </div>
      <div className="form-field">
        <label htmlFor={keyId} className="form-label">
          Key
        </label>
        <input
          id={keyId}
          type="password"
          value={key}
          onChange={(event) => setTypedKey(event.target.value)}
          autoComplete="off"
          placeholder="mlk_… (empty: use your signed-in session)"
          aria-describedby={keyHintId}
        />
        <span id={keyHintId} className="field-hint">
          {key
            ? 'Sent as Authorization: Bearer <key> to the scoring URL, like any client.'
            : 'Without a key the test goes through the API with your signed-in session. Paste a key (or regenerate one) to test as a client would.'}
        </span>
      </div>
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={!parsed.ok || sending}>
          {sending ? 'Sending…' : 'Send request'}
        </button>
        <button type="button" className="button-secondary" onClick={() => setText(example)} disabled={text === example}>
          Reset the example
        </button>
      </div>
      {failure && (
        <p className="form-error" role="alert">
          {failure}
        </p>
      )}
      {reply && (
        <section className="test-reply" aria-label="Response" data-testid="test-reply" data-status={reply.status}>
          <p role="status">
            <span className={`status-pill status-${reply.ok ? 'completed' : 'failed'}`}>{reply.status}</span>{' '}
            {formatNumber(Math.round(reply.milliseconds * 10) / 10)} ms
            {reply.version ? ` · answered by version ${reply.version}` : ''} ·{' '}
            {reply.via === 'key' ? 'with the key' : 'with your session'}
          </p>
          {!reply.ok && errorOf(reply.body) && (
            <p className="form-error" data-testid="test-error">
              {errorOf(reply.body)}
            </p>
          )}
          {rows && <PredictionTable rows={rows} />}
          <pre className="code-block" data-testid="test-response">
            {typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body, null, 2)}
          </pre>
        </section>
      )}
    </form>
  )
}
