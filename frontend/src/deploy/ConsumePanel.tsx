import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Tabs } from 'radix-ui'
import { useState } from 'react'

import { errorMessage } from '../api/client'
import { queryKeys, regenerateKey } from '../api/resources'
import type { EndpointDetail, KeySlot, RegeneratedKey } from '../api/types'
import { formatWhen } from '../formatTime'
import { CopyButton } from './CopyButton'
import { rememberKeys } from './keyVault'

const SLOTS: readonly KeySlot[] = ['primary', 'secondary']
const SAMPLE_LANGUAGES = [
  ['curl', 'curl'],
  ['python', 'Python'],
  ['javascript', 'JavaScript'],
] as const

function KeyRow({ endpoint, slot }: { endpoint: EndpointDetail; slot: KeySlot }) {
  const queryClient = useQueryClient()
  const [confirming, setConfirming] = useState(false)
  const [fresh, setFresh] = useState<RegeneratedKey | null>(null)
  const regenerate = useMutation({
    mutationFn: () => regenerateKey(endpoint.name, slot),
    onSuccess: (created) => {
      setFresh(created)
      setConfirming(false)
      rememberKeys(endpoint.name, { [slot]: created.key })
      void queryClient.invalidateQueries({ queryKey: queryKeys.endpoint(endpoint.name) })
    },
  })
  const current = endpoint.keys[slot]
  return (
    <tr data-testid={`key-${slot}`}>
      <th scope="row">{slot}</th>
      <td>
        {fresh ? (
          <div className="key-reveal">
            <code className="secret" data-testid={`new-key-${slot}`}>
              {fresh.key}
            </code>{' '}
            <CopyButton text={fresh.key} what={`the ${slot} key`} />
            <p className="field-hint">Shown only now: the server keeps only a hash. Copy it somewhere safe.</p>
          </div>
        ) : current ? (
          <>
            <code>{current.prefix}</code> <span className="card-meta">since {formatWhen(current.created_at)}</span>
          </>
        ) : (
          <span className="card-meta">No key</span>
        )}
        {regenerate.isError && (
          <p className="form-error" role="alert">
            {errorMessage(regenerate.error)}
          </p>
        )}
      </td>
      <td>
        {confirming ? (
          <span className="confirm-inline" role="group" aria-label={`Regenerate the ${slot} key?`}>
            <span>Clients using the old {slot} key will be refused.</span>
            <button type="button" className="button-secondary button-danger" onClick={() => regenerate.mutate()} disabled={regenerate.isPending}>
              {regenerate.isPending ? 'Regenerating…' : 'Regenerate'}
            </button>
            <button type="button" className="button-secondary" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="button-secondary"
            onClick={() => setConfirming(true)}
            aria-label={`Regenerate the ${slot} key`}
          >
            Regenerate
          </button>
        )}
      </td>
    </tr>
  )
}

/** Everything a client needs: the URL, the keys, and code that calls it. */
export function ConsumePanel({ endpoint }: { endpoint: EndpointDetail }) {
  const samples = endpoint.consume?.samples ?? {}
  const languages = SAMPLE_LANGUAGES.filter(([id]) => samples[id])
  return (
    <div className="consume-panel">
      <dl className="stats-list consume-urls">
        <div className="stats-row">
          <dt>Scoring URL</dt>
          <dd>
            <code data-testid="scoring-url">{endpoint.scoring_url}</code> <CopyButton text={endpoint.scoring_url} what="the scoring URL" />
          </dd>
        </div>
        <div className="stats-row">
          <dt>Authentication</dt>
          <dd>
            <code>Authorization: Bearer &lt;key&gt;</code>
          </dd>
        </div>
        <div className="stats-row">
          <dt>OpenAPI</dt>
          <dd>
            <a href={endpoint.openapi_url} target="_blank" rel="noreferrer">
              {endpoint.openapi_url}
            </a>
          </dd>
        </div>
      </dl>
      <section aria-labelledby="keys-heading">
        <h3 id="keys-heading">Keys</h3>
        <p className="field-hint">
          Two keys, so a client can move to a new one before the old one is regenerated. A key is shown once, when it is
          made.
        </p>
        <table className="data-table compact keys-table">
          <caption className="visually-hidden">Keys</caption>
          <thead>
            <tr>
              <th scope="col">Slot</th>
              <th scope="col">Key</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {SLOTS.map((slot) => (
              <KeyRow key={slot} endpoint={endpoint} slot={slot} />
            ))}
          </tbody>
        </table>
      </section>
      {languages.length > 0 && (
        <section aria-labelledby="samples-heading">
          <h3 id="samples-heading">Sample code</h3>
          <Tabs.Root defaultValue={languages[0][0]}>
            <Tabs.List className="tab-list" aria-label="Sample code language">
              {languages.map(([id, label]) => (
                <Tabs.Trigger key={id} value={id} className="tab">
                  {label}
                </Tabs.Trigger>
              ))}
            </Tabs.List>
            {languages.map(([id, label]) => (
              <Tabs.Content key={id} value={id} className="tab-panel sample-code">
                <div className="sample-code-actions">
                  <CopyButton text={samples[id] ?? ''} what={`the ${label} sample`} />
                </div>
                <pre className="code-block" data-testid={`sample-${id}`}>
                  {samples[id]}
                </pre>
              </Tabs.Content>
            ))}
          </Tabs.Root>
        </section>
      )}
    </div>
  )
}
