import { useId, useState } from 'react'
import { Link, useNavigate } from 'react-router-dom'

import { errorMessage } from '../api/client'
import { useDatasetSearch, useSamples } from '../api/resources'
import type { DatasetSummary } from '../api/types'
import { UploadPanel } from '../datasets/UploadPanel'
import { formatWhen } from '../formatTime'
import { taskTypeLabel } from '../gallery/labels'
import { useDebouncedValue } from '../useDebouncedValue'
import { useDocumentTitle } from '../useDocumentTitle'

function DatasetTable({ datasets, search }: { datasets: DatasetSummary[]; search: string }) {
  if (!datasets.length) {
    return (
      <p className="panel-empty">
        {search ? `No datasets match “${search}”.` : 'No datasets yet. Upload a file above to add one.'}
      </p>
    )
  }
  return (
    <table className="data-table dataset-table" data-testid="dataset-table">
      <caption className="visually-hidden">Your datasets</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Latest version</th>
          <th scope="col">Rows</th>
          <th scope="col">Columns</th>
          <th scope="col">Updated</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {datasets.map((dataset) => {
          const latest = dataset.latest_version
          return (
            <tr key={dataset.id}>
              <td>
                <Link to={`/datasets/${dataset.id}`}>{dataset.name}</Link>
                {dataset.description && <div className="card-meta">{dataset.description}</div>}
              </td>
              <td>{latest ? `v${latest.number}` : '—'}</td>
              <td className="is-number">{latest ? latest.rows.toLocaleString('en-US') : '—'}</td>
              <td className="is-number">{latest ? latest.columns.length : '—'}</td>
              <td>{formatWhen(dataset.updated_at)}</td>
              <td>{dataset.created_by ?? '—'}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

function SampleDatasets() {
  const samples = useSamples()
  if (samples.isError) {
    return (
      <p className="form-error" role="alert">
        Could not load the sample datasets. {errorMessage(samples.error)}
      </p>
    )
  }
  if (samples.isPending) return <p className="page-status">Loading sample datasets…</p>
  return (
    <table className="data-table dataset-table" data-testid="sample-table">
      <caption className="visually-hidden">Sample datasets</caption>
      <thead>
        <tr>
          <th scope="col">Sample</th>
          <th scope="col">Task</th>
          <th scope="col">Label column</th>
          <th scope="col">Source</th>
          <th scope="col">Licence</th>
        </tr>
      </thead>
      <tbody>
        {samples.data.map((sample) => (
          <tr key={sample.slug}>
            <td>
              <strong>{sample.title}</strong>
              <div className="card-meta">{sample.description}</div>
            </td>
            <td>{taskTypeLabel(sample.task)}</td>
            <td>{sample.label_column ? <code>{sample.label_column}</code> : '—'}</td>
            <td>{sample.source}</td>
            <td>{sample.licence}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function DatasetsPage() {
  useDocumentTitle('Datasets')
  const navigate = useNavigate()
  const [search, setSearch] = useState('')
  const datasets = useDatasetSearch(useDebouncedValue(search))
  const searchId = useId()
  return (
    <section className="content-page">
      <h1>Datasets</h1>
      <p className="page-intro">
        Upload your own data to use it in pipelines (Import Data → Registered dataset). Every upload and every column
        edit is a new version; pipelines pin the version they read.
      </p>
      <section aria-labelledby="upload-heading" className="page-section">
        <h2 id="upload-heading">Upload a dataset</h2>
        {/* A fresh upload opens on its page: its preview at once, its profile as soon as it is computed. */}
        <UploadPanel
          onUploaded={(dataset) => navigate(`/datasets/${dataset.id}?version=${dataset.version.number}`)}
        />
      </section>
      <section aria-labelledby="datasets-heading" className="page-section">
        <div className="page-heading">
          <h2 id="datasets-heading">Your datasets</h2>
          <div className="filters">
            <label htmlFor={searchId} className="visually-hidden">
              Search datasets
            </label>
            <input
              id={searchId}
              type="search"
              placeholder="Search by name"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
            />
          </div>
        </div>
        {datasets.isError ? (
          <p className="form-error" role="alert">
            Could not load the datasets. {errorMessage(datasets.error)}
          </p>
        ) : datasets.isPending ? (
          <p className="page-status">Loading datasets…</p>
        ) : (
          <DatasetTable datasets={datasets.data} search={search.trim()} />
        )}
      </section>
      <section aria-labelledby="samples-heading" className="page-section">
        <h2 id="samples-heading">Sample datasets</h2>
        <p className="page-intro">
          Bundled with the designer, read-only. Drag one from the designer’s palette, or start from a template on the
          home page.
        </p>
        <SampleDatasets />
      </section>
    </section>
  )
}
