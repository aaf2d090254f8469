import { useId, useRef, useState, type DragEvent, type FormEvent } from 'react'
import { Link } from 'react-router-dom'

import type { UploadedDataset } from '../api/types'
import { formatBytes, isUploadActive, uploadPercent, type UploadState } from './upload'
import { useDatasetUpload } from './useDatasetUpload'

export const ACCEPTED_FORMATS = '.csv,.tsv,.txt,.parquet,.json,.jsonl,.ndjson,.xlsx'

function UploadStatus({ state, onCancel }: { state: UploadState; onCancel: () => void }) {
  const percent = uploadPercent(state)
  switch (state.phase) {
    case 'idle':
      return null
    case 'uploading':
    case 'processing':
      return (
        <div className="upload-status" role="status" data-testid="upload-status">
          <progress
            className="upload-progress"
            max={100}
            value={percent ?? undefined}
            aria-label={`Uploading ${state.fileName}`}
          />
          <span>
            {state.phase === 'uploading'
              ? `Uploading ${state.fileName}: ${percent ?? 0}% of ${formatBytes(state.total)}`
              : `Uploaded ${state.fileName}; reading and checking the file…`}
          </span>
          <button type="button" className="button-secondary button-small" onClick={onCancel}>
            Cancel
          </button>
        </div>
      )
    case 'done':
      return (
        <p className="upload-status is-done" role="status" data-testid="upload-status">
          Uploaded <Link to={`/datasets/${state.dataset.id}`}>{state.dataset.name}</Link>: version{' '}
          {state.dataset.version.number}, {state.dataset.version.rows.toLocaleString('en-US')} rows ×{' '}
          {state.dataset.version.columns.length} columns.
        </p>
      )
    case 'failed':
      return (
        <p className="form-error" role="alert" data-testid="upload-error">
          Could not upload {state.fileName}. {state.message}
        </p>
      )
    case 'cancelled':
      return (
        <p className="upload-status" role="status" data-testid="upload-status">
          The upload of {state.fileName} was cancelled.
        </p>
      )
  }
}

/** Upload a file (chosen or dropped) as a new dataset, or as a new version of one with the same name. */
export function UploadPanel({ onUploaded }: { onUploaded?: (dataset: UploadedDataset) => void }) {
  const { state, start, cancel } = useDatasetUpload(onUploaded)
  const [file, setFile] = useState<File | null>(null)
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [dragging, setDragging] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)
  const fileId = useId()
  const nameId = useId()
  const descriptionId = useId()
  const hintId = useId()
  const busy = isUploadActive(state)

  const choose = (chosen: File | null | undefined) => {
    if (!chosen) return
    setFile(chosen)
  }

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    setDragging(false)
    choose(event.dataTransfer.files?.[0])
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    if (!file || busy) return
    void start({ file, name, description }).then(() => {
      // Clear the form for the next file; the status line keeps what happened.
      setFile(null)
      setName('')
      setDescription('')
      if (fileInput.current) fileInput.current.value = ''
    })
  }

  return (
    <form className="upload-panel" onSubmit={onSubmit} aria-label="Upload a dataset">
      <div
        className={`drop-zone${dragging ? ' is-dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault()
          setDragging(true)
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="drop-zone"
      >
        <label htmlFor={fileId} className="form-label">
          File
        </label>
        <input
          ref={fileInput}
          id={fileId}
          type="file"
          accept={ACCEPTED_FORMATS}
          aria-describedby={hintId}
          onChange={(event) => choose(event.target.files?.[0])}
          disabled={busy}
        />
        <p id={hintId} className="field-hint">
          CSV, TSV, Parquet, JSON (records or lines) or Excel .xlsx; or drop a file here.
          {file ? ` Chosen: ${file.name} (${formatBytes(file.size)}).` : ''}
        </p>
      </div>
      <div className="upload-fields">
        <div className="form-field">
          <label htmlFor={nameId} className="form-label">
            Name <span className="field-type">optional</span>
          </label>
          <input
            id={nameId}
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder={file ? file.name.replace(/\.[^.]+$/, '') : 'The file name'}
            disabled={busy}
          />
          <span className="field-hint">Uploading again under the same name adds a version.</span>
        </div>
        <div className="form-field">
          <label htmlFor={descriptionId} className="form-label">
            Description <span className="field-type">optional</span>
          </label>
          <input id={descriptionId} value={description} onChange={(event) => setDescription(event.target.value)} disabled={busy} />
        </div>
      </div>
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={!file || busy}>
          {busy ? 'Uploading…' : 'Upload'}
        </button>
      </div>
      <UploadStatus state={state} onCancel={cancel} />
    </form>
  )
}
