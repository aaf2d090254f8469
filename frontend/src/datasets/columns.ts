import type { ColumnType, DatasetColumn } from '../api/types'

export const COLUMN_TYPES: readonly ColumnType[] = ['integer', 'double', 'boolean', 'string', 'datetime', 'categorical']

export interface ColumnDraft {
  type: string
  is_label: boolean
}

/** The columns whose type or label flag the user changed, as the PATCH body lists them. */
export function columnChanges(columns: readonly DatasetColumn[], drafts: Record<string, ColumnDraft>): Partial<DatasetColumn>[] {
  const changes: Partial<DatasetColumn>[] = []
  for (const column of columns) {
    const draft = drafts[column.name]
    if (!draft) continue
    const change: Partial<DatasetColumn> = { name: column.name }
    if (draft.type !== column.type) change.type = draft.type
    if (draft.is_label !== Boolean(column.is_label)) change.is_label = draft.is_label
    if (Object.keys(change).length > 1) changes.push(change)
  }
  return changes
}
