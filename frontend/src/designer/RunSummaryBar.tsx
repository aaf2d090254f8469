import { useEffect, useState } from 'react'

import { formatDuration } from '../formatTime'
import { countSteps, FINISHED_RUN_STATUSES, type LiveRun } from './runEvents'
import type { SocketState } from './useLiveRun'

const RUN_STATUS_WORDS: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [active])
  return now
}

/** One line about a run: status, progress of its steps, elapsed time, connection, and Cancel. */
export function RunSummaryBar({
  run,
  socketState,
  onCancel,
  cancelling,
}: {
  run: LiveRun
  socketState: SocketState
  onCancel?: () => void
  cancelling?: boolean
}) {
  const finished = FINISHED_RUN_STATUSES.has(run.status)
  const now = useNow(!finished)
  const counts = countSteps(run)
  const end = finished && run.finishedAt ? Date.parse(run.finishedAt) : now
  const elapsed = Math.max(0, end - Date.parse(run.createdAt))
  return (
    <div className={`run-summary run-${run.status}`} role="status" aria-live="polite" data-testid="run-summary" data-status={run.status}>
      <span className={`status-pill status-${run.status}`}>{RUN_STATUS_WORDS[run.status] ?? run.status}</span>
      <span>
        {counts.done} of {counts.total} steps done
        {counts.cached ? ` · ${counts.cached} cached` : ''}
        {counts.failed ? ` · ${counts.failed} failed` : ''}
        {counts.running ? ` · ${counts.running} running` : ''}
      </span>
      <span>{formatDuration(elapsed)}</span>
      <span className="run-summary-experiment">Experiment: {run.experiment}</span>
      {!finished && socketState === 'reconnecting' && (
        <span className="run-summary-connection" data-testid="reconnecting">
          Reconnecting…
        </span>
      )}
      {!finished && onCancel && (
        <button type="button" className="button-secondary button-danger" onClick={onCancel} disabled={cancelling}>
          {cancelling ? 'Cancelling…' : 'Cancel run'}
        </button>
      )}
    </div>
  )
}
