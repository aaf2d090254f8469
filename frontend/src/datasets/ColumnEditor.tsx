import { useMutation } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'

import { errorMessage } from '../api/client'
import { editDatasetColumns } from '../api/resources'
import type { ColumnType, DatasetVersion } from '../api/types'
import { COLUMN_TYPES, columnChanges, type ColumnDraft } from './columns'

/** Change column types and which column is the label; saving makes a new version. */
export function ColumnEditor({
  datasetId,
  version,
  onSaved,
}: {
  datasetId: string
  version: DatasetVersion
  onSaved: (created: DatasetVersion) => void
}) {
  const initial = useMemo(
    () => Object.fromEntries(version.columns.map((column) => [column.name, { type: column.type, is_label: Boolean(column.is_label) }])),
    [version.columns],
  )
  const [drafts, setDrafts] = useState<Record<string, ColumnDraft>>(initial)
  const changes = columnChanges(version.columns, drafts)
  const save = useMutation({
    mutationFn: () => editDatasetColumns(datasetId, version.number, changes),
    onSuccess: onSaved,
  })
  const label = Object.entries(drafts).find(([, draft]) => draft.is_label)?.[0] ?? ''

  const setType = (name: string, type: string) => setDrafts((current) => ({ ...current, [name]: { ...current[name], type } }))
  const setLabel = (name: string) =>
    setDrafts((current) =>
      Object.fromEntries(Object.entries(current).map(([column, draft]) => [column, { ...draft, is_label: column === name }])),
    )

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    if (changes.length) save.mutate()
  }

  return (
    <form className="column-editor" onSubmit={onSubmit} aria-label="Edit columns">
      <p className="field-hint">
        Change a column’s type or pick the label (the column a model learns to predict). Saving creates a new version;
        version {version.number} stays as it is.
      </p>
      <table className="data-table compact">
        <caption className="visually-hidden">Columns of version {version.number}</caption>
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col">Label</th>
          </tr>
        </thead>
        <tbody>
          {version.columns.map((column) => {
            const draft = drafts[column.name] ?? { type: column.type, is_label: false }
            return (
              <tr key={column.name} className={draft.type !== column.type || draft.is_label !== Boolean(column.is_label) ? 'is-changed' : undefined}>
                <th scope="row">{column.name}</th>
                <td>
                  <select
                    aria-label={`Type of ${column.name}`}
                    value={draft.type}
                    onChange={(event) => setType(column.name, event.target.value)}
                  >
                    {(COLUMN_TYPES.includes(column.type as ColumnType) ? COLUMN_TYPES : [column.type, ...COLUMN_TYPES]).map((type) => (
                      <option key={type} value={type}>
                        {type}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input
                    type="radio"
                    name="label-column"
                    aria-label={`${column.name} is the label`}
                    checked={label === column.name}
                    onChange={() => setLabel(column.name)}
                  />
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <div className="button-row">
        <button type="button" className="button-link" onClick={() => setLabel('')} disabled={!label}>
          No label column
        </button>
      </div>
      {save.isError && (
        <p className="form-error" role="alert">
          Could not save the columns. {errorMessage(save.error)}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={!changes.length || save.isPending}>
          {save.isPending ? 'Saving…' : changes.length ? 'Save as a new version' : 'No changes'}
        </button>
        <button type="button" className="button-secondary" onClick={() => setDrafts(initial)} disabled={!changes.length || save.isPending}>
          Undo changes
        </button>
      </div>
    </form>
  )
}
