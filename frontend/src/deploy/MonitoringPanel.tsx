import { useQuery } from '@tanstack/react-query'
import { useId, useMemo, useState } from 'react'

import { errorMessage } from '../api/client'
import { fetchEndpointMetrics, queryKeys } from '../api/resources'
import type { EndpointDetail, EndpointMetrics } from '../api/types'
import { Chart } from '../outputs/Chart'
import { formatNumber } from '../outputs/format'
import {
  driftChartOption,
  errorRate,
  latencyChartOption,
  MONITORING_WINDOWS,
  requestsChartOption,
  timeline,
} from './monitoring'

const REFRESH_MS = 5000

function Totals({ metrics }: { metrics: EndpointMetrics }) {
  const totals = metrics.totals
  const ms = (value: number | null) => (value === null ? '—' : `${formatNumber(value)} ms`)
  const cells: [string, string][] = [
    ['Requests', formatNumber(totals.requests)],
    ['Rows scored', formatNumber(totals.rows)],
    ['Errors', `${formatNumber(totals.errors)} (${errorRate(totals.requests, totals.errors)})`],
    ['Latency p50', ms(totals.p50_ms)],
    ['p95', ms(totals.p95_ms)],
    ['p99', ms(totals.p99_ms)],
  ]
  return (
    <dl className="metric-tiles" data-testid="monitoring-totals">
      {cells.map(([name, value]) => (
        <div key={name} className="metric-tile">
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  )
}

function Drift({ metrics }: { metrics: EndpointMetrics }) {
  const versions = Object.keys(metrics.drift).sort((a, b) => Number(b) - Number(a))
  const [chosen, setChosen] = useState<string | null>(null)
  const selectId = useId()
  const version = chosen && metrics.drift[chosen] ? chosen : versions[0]
  if (!version) return <p className="panel-empty">No requests in this window: drift needs scored rows to compare with the training data.</p>
  const drift = metrics.drift[version]
  return (
    <>
      <div className="filters">
        {versions.length > 1 && (
          <>
            <label htmlFor={selectId}>Version</label>
            <select id={selectId} value={version} onChange={(event) => setChosen(event.target.value)}>
              {versions.map((number) => (
                <option key={number} value={number}>
                  v{number}
                </option>
              ))}
            </select>
          </>
        )}
        <span className="card-meta">
          {formatNumber(drift.sample_rows)} sampled request rows against the training data. PSI below 0.1 is stable, 0.1 to
          0.25 a moderate shift, above 0.25 a significant one.
        </span>
      </div>
      {drift.features.length ? (
        <Chart
          label={`Input drift (PSI) per feature, version ${version}`}
          option={driftChartOption(drift.features)}
          height={Math.min(80 + drift.features.length * 22, 720)}
          testId="drift-chart"
        />
      ) : (
        <p className="panel-empty">This version has no drift reference.</p>
      )}
    </>
  )
}

/** Requests, errors, latency percentiles and input drift, refreshed every few seconds. */
export function MonitoringPanel({ endpoint }: { endpoint: EndpointDetail }) {
  const [windowIndex, setWindowIndex] = useState(0)
  const range = MONITORING_WINDOWS[windowIndex]
  const windowId = useId()
  const metrics = useQuery({
    queryKey: queryKeys.endpointMetrics(endpoint.name, range.seconds),
    queryFn: () => fetchEndpointMetrics(endpoint.name, range.seconds, range.bucket),
    refetchInterval: REFRESH_MS,
    placeholderData: (previous) => previous,
  })
  const line = useMemo(() => (metrics.data ? timeline(metrics.data) : null), [metrics.data])

  return (
    <div className="monitoring-panel" data-testid="monitoring">
      <div className="filters">
        <label htmlFor={windowId}>Window</label>
        <select id={windowId} value={windowIndex} onChange={(event) => setWindowIndex(Number(event.target.value))}>
          {MONITORING_WINDOWS.map((option, index) => (
            <option key={option.seconds} value={index}>
              {option.label}
            </option>
          ))}
        </select>
        <span className="card-meta" aria-live="polite">
          {metrics.isFetching ? 'Refreshing…' : `Refreshes every ${REFRESH_MS / 1000} s`}
        </span>
      </div>
      {metrics.isError && (
        <p className="form-error" role="alert">
          Could not load the metrics. {errorMessage(metrics.error)}
        </p>
      )}
      {metrics.isPending ? (
        <p className="page-status" role="status">
          Loading the metrics…
        </p>
      ) : metrics.data && line ? (
        <>
          <Totals metrics={metrics.data} />
          {Object.keys(metrics.data.error_codes).length > 0 && (
            <p className="card-meta">
              Errors by code:{' '}
              {Object.entries(metrics.data.error_codes)
                .map(([code, count]) => `${code} ${count}`)
                .join(' · ')}
            </p>
          )}
          <div className="monitoring-charts">
            <Chart
              label="Requests and errors over time"
              option={requestsChartOption(metrics.data, line)}
              height={260}
              testId="requests-chart"
            />
            <Chart
              label="Latency percentiles over time (p50, p95, p99)"
              option={latencyChartOption(metrics.data, line)}
              height={260}
              testId="latency-chart"
            />
          </div>
          <h3>Input drift</h3>
          <Drift metrics={metrics.data} />
        </>
      ) : null}
    </div>
  )
}
