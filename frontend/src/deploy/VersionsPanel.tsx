import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { Link } from 'react-router-dom'

import { errorMessage } from '../api/client'
import { queryKeys, updateEndpoint } from '../api/resources'
import type { EndpointDetail, EndpointVersion } from '../api/types'
import { formatWhen } from '../formatTime'
import { formatNumber } from '../outputs/format'
import { ParityDifferences } from './ParityDifferences'
import { endpointStatusClass } from './status'
import { describeTraffic, sameTraffic, splitTraffic, validateTraffic, type Traffic } from './traffic'

function TrafficSplit({
  endpoint,
  healthy,
  onApply,
  pending,
}: {
  endpoint: EndpointDetail
  healthy: EndpointVersion[]
  onApply: (traffic: Traffic) => void
  pending: boolean
}) {
  const serving = Object.entries(endpoint.traffic)
    .filter(([, share]) => share > 0)
    .sort(([, a], [, b]) => b - a)
  const newest = healthy[healthy.length - 1]?.number ?? 0
  const [main, setMain] = useState<number>(Number(serving[0]?.[0] ?? newest))
  const [canary, setCanary] = useState<number | null>(
    serving[1] ? Number(serving[1][0]) : (healthy.find((version) => version.number !== main)?.number ?? null),
  )
  const [share, setShare] = useState<number>(serving[1]?.[1] ?? 10)
  const mainId = useId()
  const canaryId = useId()
  const shareId = useId()
  const traffic = splitTraffic(main, canary, share)
  const problems = validateTraffic(traffic, endpoint.versions)
  const unchanged = sameTraffic(traffic, endpoint.traffic)

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    if (!problems.length && !unchanged) onApply(traffic)
  }

  return (
    <form className="traffic-split" onSubmit={onSubmit} aria-label="Traffic split">
      <div className="traffic-row">
        <label htmlFor={mainId}>Main version</label>
        <select id={mainId} value={main} onChange={(event) => setMain(Number(event.target.value))}>
          {healthy.map((version) => (
            <option key={version.number} value={version.number}>
              v{version.number}
            </option>
          ))}
        </select>
        <label htmlFor={canaryId}>Second version</label>
        <select
          id={canaryId}
          value={canary ?? ''}
          onChange={(event) => setCanary(event.target.value ? Number(event.target.value) : null)}
        >
          <option value="">None</option>
          {healthy
            .filter((version) => version.number !== main)
            .map((version) => (
              <option key={version.number} value={version.number}>
                v{version.number}
              </option>
            ))}
        </select>
      </div>
      {canary !== null && canary !== main && (
        <div className="traffic-row">
          <label htmlFor={shareId}>Share to v{canary}</label>
          <input
            id={shareId}
            type="range"
            min={0}
            max={100}
            step={1}
            value={share}
            onChange={(event) => setShare(Number(event.target.value))}
          />
          <input
            type="number"
            min={0}
            max={100}
            step={1}
            value={share}
            aria-label={`Percent to v${canary}`}
            onChange={(event) => setShare(event.target.value === '' ? 0 : Number(event.target.value))}
            className="share-input"
          />
          <span>%</span>
        </div>
      )}
      <p className="field-hint" data-testid="traffic-preview">
        New split: {describeTraffic(traffic)}
        {unchanged ? ' (as now)' : ''}
      </p>
      {problems.length > 0 && (
        <ul className="form-error" role="alert">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <button type="submit" className="button-primary" disabled={pending || unchanged || problems.length > 0}>
        {pending ? 'Applying…' : 'Apply the split'}
      </button>
    </form>
  )
}

/** The endpoint's versions: which serve, roll back to one, or split traffic between two. */
export function VersionsPanel({ endpoint }: { endpoint: EndpointDetail }) {
  const queryClient = useQueryClient()
  const update = useMutation({
    mutationFn: (body: { version: number } | { traffic: Traffic }) => updateEndpoint(endpoint.name, body),
    onSuccess: (updated) => {
      queryClient.setQueryData(queryKeys.endpoint(endpoint.name), updated)
      void queryClient.invalidateQueries({ queryKey: queryKeys.endpoints, exact: true })
    },
  })
  const healthy = endpoint.versions.filter((version) => version.status === 'healthy')
  const versions = [...endpoint.versions].reverse()
  const newestServing = Math.max(0, ...endpoint.serving_versions)
  return (
    <div className="versions-panel">
      <p>
        Serving: <strong data-testid="serving">{describeTraffic(endpoint.traffic)}</strong>
      </p>
      {update.isError && (
        <p className="form-error" role="alert">
          {errorMessage(update.error)}
        </p>
      )}
      <div className="table-scroll">
        <table className="data-table compact full-width" data-testid="endpoint-versions">
          <caption className="visually-hidden">Versions</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Traffic</th>
              <th scope="col">Run</th>
              <th scope="col">Deployed</th>
              <th scope="col">Parity</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => {
              const share = endpoint.traffic[String(version.number)] ?? 0
              return (
                <tr key={version.number}>
                  <th scope="row">v{version.number}</th>
                  <td>
                    <span className={endpointStatusClass(version.status)}>{version.status}</span>
                    {version.status_reason && <div className="card-meta">{version.status_reason}</div>}
                    {version.parity.differences && version.parity.differences.length > 0 && (
                      <details>
                        <summary>Rows that differ</summary>
                        <ParityDifferences parity={version.parity} />
                      </details>
                    )}
                  </td>
                  <td className="is-number">{share}%</td>
                  <td>{version.run ? <Link to={`/runs/${version.run}`}>{version.run.slice(0, 8)}</Link> : '—'}</td>
                  <td>
                    {formatWhen(version.created_at)}
                    {version.deploy_seconds !== null && (
                      <span className="card-meta"> in {formatNumber(version.deploy_seconds)} s</span>
                    )}
                  </td>
                  <td>
                    {version.parity.ok === undefined
                      ? '—'
                      : version.parity.ok
                        ? `${version.parity.rows_compared ?? 0} rows identical`
                        : `${version.parity.rows_with_differences ?? '?'} rows differ`}
                    {version.fast_path && <span className="card-meta"> · fast path</span>}
                  </td>
                  <td>
                    {version.status === 'healthy' && share < 100 && (
                      <button
                        type="button"
                        className="button-secondary button-small"
                        onClick={() => update.mutate({ version: version.number })}
                        disabled={update.isPending}
                      >
                        {share === 0 && version.number < newestServing
                          ? `Roll back to v${version.number}`
                          : `Send all traffic to v${version.number}`}
                      </button>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      <section aria-labelledby="traffic-heading">
        <h3 id="traffic-heading">Traffic split</h3>
        {healthy.length < 2 ? (
          <p className="panel-empty">
            Deploy another run to this endpoint’s name to add a version; then you can send a share of the requests to it.
          </p>
        ) : (
          <TrafficSplit
            key={JSON.stringify(endpoint.traffic)}
            endpoint={endpoint}
            healthy={healthy}
            onApply={(traffic) => update.mutate({ traffic })}
            pending={update.isPending}
          />
        )}
      </section>
    </div>
  )
}
