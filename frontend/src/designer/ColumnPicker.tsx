import { useId, useState } from 'react'

import type { ColumnSchema } from '../api/types'
import {
  formatSelection,
  parseSelection,
  resolveRules,
  RULE_KINDS,
  type ColumnRule,
  type ColumnSelection,
  type RuleKind,
} from './paramForm'

const RULE_KIND_WORDS: Record<RuleKind, string> = {
  all: 'All columns',
  numeric: 'Numeric columns',
  string: 'Text columns',
  categorical: 'Categorical columns',
  feature: 'Feature columns',
  label: 'Label column',
  score: 'Score columns',
  names: 'Columns named…',
}

function columnDetail(column: ColumnSchema): string {
  const marks = [column.type, column.is_label ? 'label' : '', column.is_score ? 'score' : '', column.categorical ? 'categorical' : '']
  return marks.filter(Boolean).join(', ')
}

function splitNames(text: string): string[] {
  return text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
}

interface ColumnPickerProps {
  id: string
  label: string
  value: unknown
  single: boolean
  /** The upstream columns, or null when nothing is connected or the schema is unknown. */
  columns: ColumnSchema[] | null
  portTitle: string
  /** Where the offered columns come from, when not from the connected input itself. */
  note?: string
  describedBy?: string
  invalid?: boolean
  readOnly?: boolean
  onChange: (value: unknown) => void
}

/**
 * A column selection by name (from the columns of the connected dataset) or by rules ("all numeric
 * columns except id"). Without a known upstream schema, names can be typed.
 */
export function ColumnPicker({ id, label, value, single, columns, portTitle, note, describedBy, invalid, readOnly, onChange }: ColumnPickerProps) {
  const selection = parseSelection(value)
  const [filter, setFilter] = useState('')
  const modeName = useId()
  const filterId = useId()
  const emit = (next: ColumnSelection) => onChange(formatSelection(next, single))
  const names = selection.mode === 'names' ? selection.names : []
  const known = new Set(columns?.map((column) => column.name) ?? [])
  const unknownNames = columns ? names.filter((name) => !known.has(name)) : []

  const modeSwitch = !single && (
    <fieldset className="column-mode" disabled={readOnly}>
      <legend className="visually-hidden">{label}: choose columns</legend>
      <label>
        <input
          type="radio"
          name={modeName}
          checked={selection.mode === 'names'}
          onChange={() => emit({ mode: 'names', names: [] })}
        />{' '}
        By name
      </label>
      <label>
        <input
          type="radio"
          name={modeName}
          checked={selection.mode === 'rules'}
          onChange={() => emit({ mode: 'rules', rules: [{ op: 'include', kind: 'numeric' }] })}
        />{' '}
        By rule
      </label>
    </fieldset>
  )

  const noSchema = (
    <p className="field-hint">
      {columns === null
        ? `Connect the “${portTitle}” input to pick from its columns, or type names separated by commas.`
        : 'The connected dataset has no columns.'}
    </p>
  )

  if (selection.mode === 'rules' && !single) {
    const rules = selection.rules
    const setRule = (index: number, rule: ColumnRule) =>
      emit({ mode: 'rules', rules: rules.map((existing, position) => (position === index ? rule : existing)) })
    const resolved = columns ? resolveRules(rules, columns) : null
    return (
      <div className="column-picker" id={id} role="group" aria-label={label} aria-describedby={describedBy}>
        {modeSwitch}
        <ol className="column-rules">
          {rules.map((rule, index) => (
            <li key={index} className="column-rule">
              <select
                aria-label={`Rule ${index + 1}: include or exclude`}
                value={rule.op}
                disabled={readOnly}
                onChange={(event) => setRule(index, { ...rule, op: event.target.value as ColumnRule['op'] })}
              >
                <option value="include">Include</option>
                <option value="exclude">Exclude</option>
              </select>
              <select
                aria-label={`Rule ${index + 1}: which columns`}
                value={rule.kind}
                disabled={readOnly}
                onChange={(event) => {
                  const kind = event.target.value as RuleKind
                  setRule(index, kind === 'names' ? { op: rule.op, kind, names: [] } : { op: rule.op, kind })
                }}
              >
                {RULE_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {RULE_KIND_WORDS[kind]}
                  </option>
                ))}
              </select>
              {rule.kind === 'names' &&
                (columns?.length ? (
                  <select
                    multiple
                    aria-label={`Rule ${index + 1}: column names`}
                    value={rule.names ?? []}
                    disabled={readOnly}
                    onChange={(event) =>
                      setRule(index, { ...rule, names: [...event.target.selectedOptions].map((option) => option.value) })
                    }
                  >
                    {columns.map((column) => (
                      <option key={column.name} value={column.name}>
                        {column.name}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    aria-label={`Rule ${index + 1}: column names, separated by commas`}
                    defaultValue={(rule.names ?? []).join(', ')}
                    readOnly={readOnly}
                    onBlur={(event) => setRule(index, { ...rule, names: splitNames(event.target.value) })}
                  />
                ))}
              {!readOnly && (
                <button
                  type="button"
                  className="button-icon"
                  aria-label={`Remove rule ${index + 1}`}
                  onClick={() => emit({ mode: 'rules', rules: rules.filter((_, position) => position !== index) })}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ol>
        {!readOnly && (
          <button
            type="button"
            className="button-secondary button-small"
            onClick={() => emit({ mode: 'rules', rules: [...rules, { op: 'exclude', kind: 'names', names: [] }] })}
          >
            Add rule
          </button>
        )}
        {resolved ? (
          <p className="field-hint" aria-live="polite">
            Selects {resolved.length} of {columns?.length} columns
            {resolved.length ? `: ${resolved.slice(0, 6).join(', ')}${resolved.length > 6 ? '…' : ''}` : ''}.
          </p>
        ) : (
          noSchema
        )}
        {note && <p className="field-hint column-note">{note}</p>}
      </div>
    )
  }

  if (single) {
    if (!columns?.length) {
      return (
        <div className="column-picker">
          <input
            id={id}
            type="text"
            value={names[0] ?? ''}
            readOnly={readOnly}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            onChange={(event) => emit({ mode: 'names', names: event.target.value.trim() ? [event.target.value.trim()] : [] })}
          />
          {noSchema}
        </div>
      )
    }
    return (
      <div className="column-picker">
        <select
          id={id}
          value={names[0] ?? ''}
          disabled={readOnly}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          onChange={(event) => emit({ mode: 'names', names: event.target.value ? [event.target.value] : [] })}
        >
          <option value="">— Choose a column —</option>
          {unknownNames.map((name) => (
            <option key={name} value={name}>
              {name} (not in the input)
            </option>
          ))}
          {columns.map((column) => (
            <option key={column.name} value={column.name}>
              {column.name} ({columnDetail(column)})
            </option>
          ))}
        </select>
        {note && <p className="field-hint column-note">{note}</p>}
      </div>
    )
  }

  // Several columns by name.
  if (!columns?.length) {
    return (
      <div className="column-picker" role="group" aria-label={label}>
        {modeSwitch}
        <input
          id={id}
          type="text"
          defaultValue={names.join(', ')}
          key={names.join(',')}
          readOnly={readOnly}
          aria-label={`${label}: column names, separated by commas`}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          onBlur={(event) => emit({ mode: 'names', names: splitNames(event.target.value) })}
        />
        {noSchema}
      </div>
    )
  }
  const needle = filter.trim().toLowerCase()
  const shown = columns.filter((column) => !needle || column.name.toLowerCase().includes(needle))
  const chosen = new Set(names)
  const toggle = (name: string, on: boolean) =>
    emit({ mode: 'names', names: on ? [...names, name] : names.filter((other) => other !== name) })
  return (
    <div className="column-picker" id={id} role="group" aria-label={label} aria-describedby={describedBy}>
      {modeSwitch}
      <div className="column-picker-tools">
        <label htmlFor={filterId} className="visually-hidden">
          Filter columns of {label}
        </label>
        <input
          id={filterId}
          type="search"
          placeholder="Filter columns"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        {!readOnly && (
          <>
            <button type="button" className="button-link" onClick={() => emit({ mode: 'names', names: columns.map((column) => column.name) })}>
              All
            </button>
            <button type="button" className="button-link" onClick={() => emit({ mode: 'names', names: [] })}>
              None
            </button>
          </>
        )}
      </div>
      <ul className="column-list">
        {unknownNames.map((name) => (
          <li key={name} className="column-unknown">
            <label>
              <input type="checkbox" checked disabled={readOnly} onChange={() => toggle(name, false)} /> {name}{' '}
              <span className="field-error-inline">not in the input</span>
            </label>
          </li>
        ))}
        {shown.map((column) => (
          <li key={column.name}>
            <label>
              <input
                type="checkbox"
                checked={chosen.has(column.name)}
                disabled={readOnly}
                onChange={(event) => toggle(column.name, event.target.checked)}
              />{' '}
              {column.name} <span className="column-type">{columnDetail(column)}</span>
            </label>
          </li>
        ))}
      </ul>
      <p className="field-hint" aria-live="polite">
        {names.length} of {columns.length} columns selected.
      </p>
      {note && <p className="field-hint column-note">{note}</p>}
    </div>
  )
}
