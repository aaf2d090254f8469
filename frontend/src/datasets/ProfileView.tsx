import { useId } from 'react'

import type { ColumnProfile, DatasetProfile } from '../api/types'
import { Chart } from '../outputs/Chart'
import { isNumericColumn, profileChartOption, profileStatistics } from './profileCharts'
import { useProfilePolling } from './useProfilePolling'

function ColumnProfileCard({ column, rows }: { column: ColumnProfile; rows: number }) {
  const headingId = useId()
  const option = profileChartOption(column)
  const numeric = isNumericColumn(column) || column.type === 'datetime'
  return (
    <section className="profile-card" aria-labelledby={headingId} data-testid="column-profile">
      <header className="profile-card-header">
        <h3 id={headingId}>{column.name}</h3>
        <span className="column-heading-type">
          {column.type}
          {column.is_label ? ' · label' : ''}
        </span>
      </header>
      {option ? (
        <Chart
          label={numeric ? `Distribution of ${column.name}` : `Most frequent values of ${column.name}`}
          option={option}
          height={numeric ? 150 : Math.min(60 + 18 * (column.histogram?.counts.length ?? 0), 260)}
          testId="profile-chart"
        />
      ) : (
        <p className="panel-empty">No values to chart.</p>
      )}
      <dl className="stats-list profile-stats">
        {profileStatistics(column, rows).map(([name, value]) => (
          <div key={name} className="stats-row">
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

function ProfileGrid({ profile }: { profile: DatasetProfile }) {
  return (
    <>
      <p className="table-preview-summary">
        Profile of all {profile.rows.toLocaleString('en-US')} rows: {profile.columns.length} columns.
      </p>
      <div className="profile-grid" data-testid="profile-grid">
        {profile.columns.map((column) => (
          <ColumnProfileCard key={column.name} column={column} rows={profile.rows} />
        ))}
      </div>
    </>
  )
}

/** Statistics and charts per column of one version; computed once after upload, polled until ready. */
export function ProfileView({
  datasetId,
  version,
  onRetry,
}: {
  datasetId: string
  version: number
  onRetry?: () => Promise<unknown>
}) {
  const { state, restart } = useProfilePolling(datasetId, version)
  switch (state.status) {
    case 'ready':
      return <ProfileGrid profile={state.profile} />
    case 'failed':
      return (
        <div className="form-error" role="alert">
          <p>Profiling this version failed: {state.error}</p>
          {onRetry && (
            <button type="button" className="button-secondary" onClick={() => void onRetry().then(restart, restart)}>
              Profile again
            </button>
          )}
        </div>
      )
    case 'unavailable':
      return (
        <div className="form-error" role="alert">
          <p>Could not load the profile. {state.error}</p>
          <button type="button" className="button-secondary" onClick={restart}>
            Try again
          </button>
        </div>
      )
    default:
      return (
        <p className="page-status" role="status" data-testid="profile-pending">
          {state.status === 'running'
            ? 'Computing the statistics of every column…'
            : state.status === 'pending'
              ? 'The profile is queued; it appears here as soon as it is computed.'
              : 'Loading the profile…'}
        </p>
      )
  }
}
