import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Tabs } from 'radix-ui'
import { useState } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom'

import { errorMessage, isApiError } from '../api/client'
import {
  deleteDataset,
  deleteDatasetVersion,
  queryKeys,
  requeueDatasetProfile,
  useDataset,
  useDatasetPreview,
} from '../api/resources'
import type { DatasetDetail, DatasetVersion } from '../api/types'
import { ColumnEditor } from '../datasets/ColumnEditor'
import { ProfileView } from '../datasets/ProfileView'
import { formatBytes } from '../datasets/upload'
import { formatWhen } from '../formatTime'
import { TablePreviewView } from '../outputs/TablePreviewView'
import { useDocumentTitle } from '../useDocumentTitle'

const SOURCE_WORDS: Record<string, string> = { upload: 'Uploaded', pipeline: 'Saved by a pipeline', edit: 'Columns edited' }

function Preview({ datasetId, version }: { datasetId: string; version: number }) {
  const preview = useDatasetPreview(datasetId, version)
  if (preview.isPending) {
    return (
      <p className="page-status" role="status">
        Loading the preview…
      </p>
    )
  }
  if (preview.isError) {
    return (
      <p className="form-error" role="alert">
        Could not load the preview. {errorMessage(preview.error)}
      </p>
    )
  }
  return <TablePreviewView preview={preview.data} />
}

/** A destructive button that asks once, in place, before it acts. */
function ConfirmButton({
  label,
  question,
  onConfirm,
  pending,
}: {
  label: string
  question: string
  onConfirm: () => void
  pending: boolean
}) {
  const [asking, setAsking] = useState(false)
  if (!asking) {
    return (
      <button type="button" className="button-secondary button-danger" onClick={() => setAsking(true)}>
        {label}
      </button>
    )
  }
  return (
    <span className="confirm-inline" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        className="button-secondary button-danger"
        onClick={() => {
          onConfirm()
          setAsking(false)
        }}
        disabled={pending}
      >
        {pending ? 'Deleting…' : 'Delete'}
      </button>
      <button type="button" className="button-secondary" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  )
}

function VersionTable({
  dataset,
  selected,
  onSelect,
}: {
  dataset: DatasetDetail
  selected: number
  onSelect: (number: number) => void
}) {
  return (
    <table className="data-table version-table" data-testid="version-table">
      <caption className="visually-hidden">Versions of {dataset.name}</caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Source</th>
          <th scope="col">File</th>
          <th scope="col">Rows</th>
          <th scope="col">Columns</th>
          <th scope="col">Created</th>
          <th scope="col">Profile</th>
        </tr>
      </thead>
      <tbody>
        {dataset.versions.map((version) => (
          <tr key={version.number} className={version.number === selected ? 'is-selected' : undefined}>
            <td>
              <button
                type="button"
                className="button-link"
                aria-pressed={version.number === selected}
                onClick={() => onSelect(version.number)}
              >
                v{version.number}
              </button>
            </td>
            <td>
              {SOURCE_WORDS[version.source] ?? version.source}
              {version.derived_from ? ` (from v${version.derived_from})` : ''}
            </td>
            <td>
              {version.filename || '—'}
              {version.size ? <span className="card-meta"> · {formatBytes(version.size)}</span> : null}
            </td>
            <td className="is-number">{version.rows.toLocaleString('en-US')}</td>
            <td className="is-number">{version.columns.length}</td>
            <td>
              {formatWhen(version.created_at)}
              {version.created_by ? <span className="card-meta"> by {version.created_by}</span> : null}
            </td>
            <td>
              <span className={`status-pill status-${version.profile_status === 'ready' ? 'completed' : version.profile_status === 'failed' ? 'failed' : 'running'}`}>
                {version.profile_status}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function VersionWorkspace({ dataset, version }: { dataset: DatasetDetail; version: DatasetVersion }) {
  const [, setSearch] = useSearchParams()
  const queryClient = useQueryClient()
  const [tab, setTab] = useState('preview')
  return (
    <Tabs.Root value={tab} onValueChange={setTab} className="dataset-tabs">
      <Tabs.List className="tab-list" aria-label={`Version ${version.number}`}>
        <Tabs.Trigger value="preview" className="tab">
          Preview
        </Tabs.Trigger>
        <Tabs.Trigger value="profile" className="tab">
          Profile
        </Tabs.Trigger>
        <Tabs.Trigger value="columns" className="tab">
          Columns
        </Tabs.Trigger>
      </Tabs.List>
      <Tabs.Content value="preview" className="tab-panel">
        <Preview datasetId={dataset.id} version={version.number} />
      </Tabs.Content>
      <Tabs.Content value="profile" className="tab-panel">
        <ProfileView
          key={`${dataset.id}@${version.number}`}
          datasetId={dataset.id}
          version={version.number}
          onRetry={() => requeueDatasetProfile(dataset.id, version.number)}
        />
      </Tabs.Content>
      <Tabs.Content value="columns" className="tab-panel">
        <ColumnEditor
          key={`${dataset.id}@${version.number}`}
          datasetId={dataset.id}
          version={version}
          onSaved={(created) => {
            void queryClient.invalidateQueries({ queryKey: queryKeys.datasets })
            setSearch({ version: String(created.number) }, { replace: false })
            setTab('profile')
          }}
        />
      </Tabs.Content>
    </Tabs.Root>
  )
}

/** One dataset: its versions, and the chosen version's preview, profile and columns. */
export function DatasetPage() {
  const { datasetId } = useParams()
  const [search, setSearch] = useSearchParams()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const dataset = useDataset(datasetId)
  const [deleteError, setDeleteError] = useState<string | null>(null)
  useDocumentTitle(dataset.data ? dataset.data.name : 'Dataset')

  const versions = dataset.data?.versions ?? []
  const requested = Number(search.get('version'))
  const version = versions.find((candidate) => candidate.number === requested) ?? versions[0]

  const removeVersion = useMutation({
    mutationFn: (number: number) => deleteDatasetVersion(datasetId ?? '', number),
    onMutate: () => setDeleteError(null),
    onSuccess: (_, number) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.datasets })
      // The last version goes with its dataset.
      if (versions.length <= 1) navigate('/datasets')
      else setSearch({ version: String(versions.find((candidate) => candidate.number !== number)?.number) })
    },
    onError: (error) => setDeleteError(errorMessage(error)),
  })
  const removeDataset = useMutation({
    mutationFn: () => deleteDataset(datasetId ?? ''),
    onMutate: () => setDeleteError(null),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.datasets })
      navigate('/datasets')
    },
    onError: (error) => setDeleteError(errorMessage(error)),
  })

  if (dataset.isError) {
    return (
      <section className="content-page" role="alert">
        <p>
          {isApiError(dataset.error) && dataset.error.status === 404
            ? 'This dataset does not exist or is not yours.'
            : `Could not load the dataset. ${errorMessage(dataset.error)}`}
        </p>
        <Link to="/datasets">All datasets</Link>
      </section>
    )
  }
  if (dataset.isPending) {
    return (
      <p className="page-status" role="status">
        Loading the dataset…
      </p>
    )
  }
  const detail = dataset.data
  return (
    <section className="content-page wide-page">
      <p className="breadcrumb">
        <Link to="/datasets">Datasets</Link> /
      </p>
      <div className="page-heading">
        <h1>{detail.name}</h1>
        <div className="button-row">
          <ConfirmButton
            label="Delete dataset"
            question={`Delete ${detail.name} and all its versions?`}
            onConfirm={() => removeDataset.mutate()}
            pending={removeDataset.isPending}
          />
        </div>
      </div>
      {detail.description && <p className="page-intro">{detail.description}</p>}
      <p className="card-meta">
        Reference for Import Data: <code>{version?.reference ?? detail.reference}</code> · {detail.version_count}{' '}
        {detail.version_count === 1 ? 'version' : 'versions'}
      </p>
      {deleteError && (
        <p className="form-error" role="alert" data-testid="delete-error">
          {deleteError}
        </p>
      )}
      <section aria-labelledby="versions-heading" className="page-section">
        <div className="page-heading">
          <h2 id="versions-heading">Versions</h2>
          {version && (
            <ConfirmButton
              label={`Delete version ${version.number}`}
              question={`Delete version ${version.number}${versions.length === 1 ? ' (the only one: the dataset goes too)' : ''}?`}
              onConfirm={() => removeVersion.mutate(version.number)}
              pending={removeVersion.isPending}
            />
          )}
        </div>
        <VersionTable dataset={detail} selected={version?.number ?? 0} onSelect={(number) => setSearch({ version: String(number) })} />
      </section>
      {version ? (
        <section aria-label={`Version ${version.number}`} className="page-section">
          <h2>
            Version {version.number}{' '}
            <span className="card-meta">
              {version.rows.toLocaleString('en-US')} rows × {version.columns.length} columns
            </span>
          </h2>
          <VersionWorkspace dataset={detail} version={version} />
        </section>
      ) : (
        <p className="panel-empty">This dataset has no versions.</p>
      )}
    </section>
  )
}
