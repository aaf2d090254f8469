import { lazy, Suspense, useId, useState, type ReactNode } from 'react'

import type { ColumnSchema, ModuleSpec, Problem } from '../api/types'
import { ColumnPicker } from './ColumnPicker'
import { buildFields, rangeText, type FieldDescriptor } from './paramForm'

const CodeEditor = lazy(() => import('./CodeEditor'))

interface ParamFormProps {
  spec: ModuleSpec
  params: Record<string, unknown>
  /** Problems the server reported for this node; those naming a parameter show at its field. */
  problems: readonly Problem[]
  columnsFor: (port: string) => ColumnChoices | null
  readOnly: boolean
  onChange: (name: string, value: unknown) => void
}

/** The columns a picker offers, and a note on where they come from when it is not the input itself. */
export interface ColumnChoices {
  columns: ColumnSchema[]
  note?: string
}

function NumberInput({
  field,
  id,
  describedBy,
  invalid,
  readOnly,
  onChange,
}: {
  field: FieldDescriptor
  id: string
  describedBy: string
  invalid: boolean
  readOnly: boolean
  onChange: (value: unknown) => void
}) {
  const external = field.value === null || field.value === undefined ? '' : String(field.value)
  const [text, setText] = useState(external)
  const [seen, setSeen] = useState(external)
  // Follow outside changes (undo, another node) without fighting the user's typing ("0." stays "0.").
  if (external !== seen) {
    setSeen(external)
    if (!(text !== '' && external !== '' && Number(text) === Number(external))) setText(external)
  }
  return (
    <input
      id={id}
      type="number"
      inputMode={field.integer ? 'numeric' : 'decimal'}
      step={field.integer ? 1 : 'any'}
      min={field.minimum}
      max={field.maximum}
      value={text}
      readOnly={readOnly}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      onChange={(event) => {
        setText(event.target.value)
        const raw = event.target.value.trim()
        if (raw === '') onChange(null)
        else if (Number.isFinite(Number(raw))) onChange(Number(raw))
      }}
    />
  )
}

function FieldRow({
  field,
  problems,
  columnsFor,
  readOnly,
  onChange,
  portTitle,
}: {
  field: FieldDescriptor
  problems: readonly Problem[]
  columnsFor: (port: string) => ColumnChoices | null
  readOnly: boolean
  onChange: (name: string, value: unknown) => void
  portTitle: (port: string) => string
}) {
  const id = useId()
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  const serverErrors = problems.filter((problem) => problem.parameter === field.name).map((problem) => problem.message)
  const errors = [...(field.error ? [field.error] : []), ...serverErrors]
  const invalid = errors.length > 0
  const range = field.widget === 'number' ? rangeText(field) : ''
  const hint = [field.description, range && `Range: ${range}.`].filter(Boolean).join(' ')
  const describedBy = [hint ? hintId : '', invalid ? errorId : ''].filter(Boolean).join(' ') || undefined
  const set = (value: unknown) => onChange(field.name, value)

  let control: ReactNode
  switch (field.widget) {
    case 'checkbox':
      control = (
        <input
          id={id}
          type="checkbox"
          checked={Boolean(field.value)}
          disabled={readOnly}
          aria-describedby={describedBy}
          onChange={(event) => set(event.target.checked)}
        />
      )
      break
    case 'select':
      control = (
        <select
          id={id}
          value={field.value === undefined || field.value === null ? '' : String(field.value)}
          disabled={readOnly}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          onChange={(event) => set(event.target.value)}
        >
          {!field.options.includes(String(field.value ?? '')) && <option value="">— Choose —</option>}
          {field.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      )
      break
    case 'number':
      control = (
        <NumberInput
          field={field}
          id={id}
          describedBy={describedBy ?? ''}
          invalid={invalid}
          readOnly={readOnly}
          onChange={set}
        />
      )
      break
    case 'code':
      control = (
        <Suspense
          fallback={
            <textarea id={id} className="code-fallback" value={String(field.value ?? '')} readOnly rows={8} aria-describedby={describedBy} />
          }
        >
          <CodeEditor
            value={String(field.value ?? '')}
            onChange={set}
            language={field.language}
            label={field.title}
            describedBy={describedBy}
            readOnly={readOnly}
          />
        </Suspense>
      )
      break
    case 'columns': {
      const choices = columnsFor(field.port ?? 'dataset')
      control = (
        <ColumnPicker
          id={id}
          label={field.title}
          value={field.value}
          single={field.single}
          columns={choices?.columns ?? null}
          note={choices?.note}
          portTitle={portTitle(field.port ?? 'dataset')}
          describedBy={describedBy}
          invalid={invalid}
          readOnly={readOnly}
          onChange={set}
        />
      )
      break
    }
    case 'sweep':
      control = (
        <input
          id={id}
          type="text"
          value={Array.isArray(field.value) ? field.value.join('; ') : String(field.value ?? '')}
          readOnly={readOnly}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          placeholder="e.g. 1; 10; 100"
          onChange={(event) => set(event.target.value)}
        />
      )
      break
    default:
      control = (
        <input
          id={id}
          type="text"
          value={String(field.value ?? '')}
          readOnly={readOnly}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          onChange={(event) => set(event.target.value)}
        />
      )
  }

  const labelled = field.widget !== 'code' && !(field.widget === 'columns' && !field.single)
  return (
    <div className={`form-field form-field-${field.widget}${invalid ? ' is-invalid' : ''}`} data-param={field.name}>
      {field.widget === 'checkbox' ? (
        <div className="form-checkbox">
          {control}
          <label htmlFor={id}>{field.title}</label>
        </div>
      ) : (
        <>
          {labelled ? (
            <label htmlFor={id} className="form-label">
              {field.title}
              {field.required && <span className="form-required" aria-hidden="true"> *</span>}
            </label>
          ) : (
            <span className="form-label" id={`${id}-label`}>
              {field.title}
            </span>
          )}
          {control}
        </>
      )}
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {invalid && (
        <p id={errorId} className="field-error">
          {errors.join(' ')}
        </p>
      )}
    </div>
  )
}

/** The parameter form of one node, generated from its module's parameter schema. */
export function ParamForm({ spec, params, problems, columnsFor, readOnly, onChange }: ParamFormProps) {
  const fields = buildFields(spec.params_schema, params)
  const basic = fields.filter((field) => !field.advanced)
  const advanced = fields.filter((field) => field.advanced)
  const portTitle = (port: string) => spec.inputs.find((input) => input.name === port)?.title ?? port
  const row = (field: FieldDescriptor) => (
    <FieldRow
      key={field.name}
      field={field}
      problems={problems}
      columnsFor={columnsFor}
      readOnly={readOnly}
      onChange={onChange}
      portTitle={portTitle}
    />
  )
  if (!fields.length) return <p className="panel-empty">This module has no parameters.</p>
  return (
    <div className="param-form">
      {basic.map(row)}
      {advanced.length > 0 && (
        <details className="form-advanced">
          <summary>Advanced ({advanced.length})</summary>
          {advanced.map(row)}
        </details>
      )}
    </div>
  )
}
