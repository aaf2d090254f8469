/**
 * Form generation from a module's parameter schema: which fields show, in which order, with which
 * widget, range and options. Pure functions; ParamForm.tsx renders what they describe.
 */
import type { ColumnSchema, GraphSchemas, ParamSchema, ParamUiHints, ParamsSchema, Step, Widget } from '../api/types'

export interface FieldDescriptor {
  name: string
  title: string
  description: string
  widget: Widget
  required: boolean
  advanced: boolean
  /** The value in effect: the node's own, or else the default. */
  value: unknown
  options: string[]
  integer: boolean
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  /** Column pickers: the input port whose columns are offered, and whether one column is taken. */
  port?: string
  single: boolean
  language?: string
  /** What is wrong with the value, checked in the browser before the server says so. */
  error: string | null
}

function typesOf(schema: ParamSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type
  return schema.type ? [schema.type] : []
}

/** The widget to draw: the server's hint, or one inferred from the JSON Schema type. */
export function widgetFor(schema: ParamSchema, ui: ParamUiHints | undefined): Widget {
  if (ui?.widget) return ui.widget
  if (schema.enum) return 'select'
  const types = typesOf(schema)
  if (types.includes('boolean')) return 'checkbox'
  if (types.includes('integer') || types.includes('number')) return 'number'
  return 'text'
}

/** Parameter values with defaults filled in, as visibility rules read them. */
export function effectiveValues(schema: ParamsSchema, params: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    values[name] = name in params ? params[name] : property.default
  }
  return values
}

/** Every named parameter must hold one of its listed values (the server's rule). */
export function isVisible(visibleWhen: ParamUiHints['visible_when'], values: Record<string, unknown>): boolean {
  if (!visibleWhen) return true
  return Object.entries(visibleWhen).every(([other, allowed]) =>
    allowed.some((candidate) => candidate === values[other] || String(candidate) === String(values[other])),
  )
}

function formatBound(value: number): string {
  return String(Number(value.toPrecision(12)))
}

/** A sentence for the user when a value breaks its schema, else null. */
export function checkValue(schema: ParamSchema, widget: Widget, value: unknown, required: boolean): string | null {
  const empty = value === undefined || value === null || value === ''
  if (empty) {
    const nullable = typesOf(schema).includes('null')
    return required && !nullable && widget !== 'columns' ? 'A value is needed.' : null
  }
  if (widget === 'number') {
    if (typeof value !== 'number' || Number.isNaN(value)) return 'Enter a number.'
    if (typesOf(schema).includes('integer') && !typesOf(schema).includes('number') && !Number.isInteger(value)) {
      return 'Enter a whole number.'
    }
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema
    if (minimum !== undefined && maximum !== undefined && (value < minimum || value > maximum)) {
      return `Must be between ${formatBound(minimum)} and ${formatBound(maximum)}.`
    }
    if (minimum !== undefined && value < minimum) return `Must be at least ${formatBound(minimum)}.`
    if (maximum !== undefined && value > maximum) return `Must be at most ${formatBound(maximum)}.`
    if (exclusiveMinimum !== undefined && value <= exclusiveMinimum) {
      return `Must be greater than ${formatBound(exclusiveMinimum)}.`
    }
    if (exclusiveMaximum !== undefined && value >= exclusiveMaximum) {
      return `Must be less than ${formatBound(exclusiveMaximum)}.`
    }
  }
  if (widget === 'select' && schema.enum && !schema.enum.includes(value)) {
    return `Choose one of: ${schema.enum.join(', ')}.`
  }
  return null
}

/** The visible fields of a parameter form, in the schema's order. */
export function buildFields(schema: ParamsSchema, params: Record<string, unknown>): FieldDescriptor[] {
  const properties = schema.properties ?? {}
  const ui = schema['x-ui'] ?? {}
  const required = new Set(schema.required ?? [])
  const order = schema['x-order'] ?? Object.keys(properties)
  const names = [...order, ...Object.keys(properties).filter((name) => !order.includes(name))]
  const values = effectiveValues(schema, params)
  const fields: FieldDescriptor[] = []
  for (const name of names) {
    const property = properties[name]
    if (!property) continue
    const hints = ui[name]
    if (!isVisible(hints?.visible_when, values)) continue
    const widget = widgetFor(property, hints)
    const types = typesOf(property)
    const isRequired = required.has(name)
    fields.push({
      name,
      title: property.title ?? name,
      description: property.description ?? '',
      widget,
      required: isRequired,
      advanced: Boolean(hints?.advanced),
      value: values[name],
      options: (property.enum ?? []).map(String),
      integer: types.includes('integer') && !types.includes('number'),
      minimum: property.minimum,
      maximum: property.maximum,
      exclusiveMinimum: property.exclusiveMinimum,
      exclusiveMaximum: property.exclusiveMaximum,
      port: widget === 'columns' ? (hints?.port ?? 'dataset') : undefined,
      single: Boolean(hints?.single),
      language: hints?.language,
      error: checkValue(property, widget, values[name], isRequired),
    })
  }
  return fields
}

/** A short text for a number field's range, e.g. "0 to 1" or "at least 1". */
export function rangeText(field: Pick<FieldDescriptor, 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum'>): string {
  const low =
    field.minimum !== undefined ? formatBound(field.minimum) : field.exclusiveMinimum !== undefined ? `>${formatBound(field.exclusiveMinimum)}` : null
  const high =
    field.maximum !== undefined ? formatBound(field.maximum) : field.exclusiveMaximum !== undefined ? `<${formatBound(field.exclusiveMaximum)}` : null
  if (low !== null && high !== null) return `${low} to ${high}`
  if (field.minimum !== undefined) return `at least ${low}`
  if (field.exclusiveMinimum !== undefined) return `greater than ${formatBound(field.exclusiveMinimum)}`
  if (field.maximum !== undefined) return `at most ${high}`
  if (field.exclusiveMaximum !== undefined) return `less than ${formatBound(field.exclusiveMaximum)}`
  return ''
}

// -- column selections -----------------------------------------------------------------------------

export const RULE_KINDS = ['all', 'numeric', 'string', 'categorical', 'feature', 'label', 'score', 'names'] as const
export type RuleKind = (typeof RULE_KINDS)[number]

export interface ColumnRule {
  op: 'include' | 'exclude'
  kind: RuleKind
  names?: string[]
}

export type ColumnSelection = { mode: 'names'; names: string[] } | { mode: 'rules'; rules: ColumnRule[] }

/** Any stored form of a column selection ("a", ["a","b"], {names}, {rules}) as names or rules. */
export function parseSelection(value: unknown): ColumnSelection {
  if (typeof value === 'string') return { mode: 'names', names: value ? [value] : [] }
  if (Array.isArray(value)) return { mode: 'names', names: value.map(String) }
  if (value && typeof value === 'object') {
    const record = value as { names?: unknown; rules?: unknown }
    if (Array.isArray(record.rules)) {
      return {
        mode: 'rules',
        rules: record.rules.map((rule) => {
          const { op, kind, names } = rule as Partial<ColumnRule>
          const ruleKind = kind ?? (names ? 'names' : 'all')
          return { op: op === 'exclude' ? 'exclude' : 'include', kind: ruleKind, ...(ruleKind === 'names' ? { names: names ?? [] } : {}) }
        }),
      }
    }
    if (Array.isArray(record.names)) return { mode: 'names', names: record.names.map(String) }
  }
  return { mode: 'names', names: [] }
}

/** The value to store for a selection: a name, a list of names, {rules}, or null when empty. */
export function formatSelection(selection: ColumnSelection, single: boolean): unknown {
  if (selection.mode === 'rules') return selection.rules.length ? { rules: selection.rules } : null
  if (single) return selection.names[0] ?? null
  return selection.names.length ? selection.names : null
}

/** Column schemas of a run's outputs ({node: {port: columns}}), from its steps. */
export function runSchemasFrom(steps: readonly Pick<Step, 'node' | 'output_schemas'>[]): GraphSchemas {
  const schemas: GraphSchemas = {}
  for (const step of steps) {
    for (const [port, schema] of Object.entries(step.output_schemas ?? {})) {
      const columns = Array.isArray(schema) ? schema : schema && Array.isArray(schema.columns) ? schema.columns : null
      if (columns) (schemas[step.node] ??= {})[port] = columns
    }
  }
  return schemas
}

type EdgeLike = { source: string; target: string; sourceHandle?: string | null; targetHandle?: string | null }

/** Where a column picker's columns come from, so the panel can say how sure they are. */
export interface OfferedColumns {
  columns: ColumnSchema[]
  /** design: inferred by the server for this very input; run: what the last run produced; upstream: the nearest known schema further up. */
  source: 'design' | 'run' | 'upstream'
  /** For upstream: the node whose output columns these are. */
  via?: string
}

/**
 * The columns a column picker offers for the node's `port` input: the design-time schema of the
 * output connected to it; else that output's columns in the last run; else, because most modules
 * keep their input's columns, the nearest known schema further upstream (marked as such). Null when
 * nothing is connected or nothing upstream is known.
 */
export function upstreamColumns(
  nodeId: string,
  port: string,
  edges: readonly EdgeLike[],
  schemas: GraphSchemas,
  runSchemas: GraphSchemas = {},
): OfferedColumns | null {
  const edge = edges.find((candidate) => candidate.target === nodeId && candidate.targetHandle === port)
  if (!edge) return null
  const sourcePort = edge.sourceHandle ?? ''
  const known = (from: GraphSchemas, node: string, port: string | null | undefined) => {
    const columns = from[node]?.[port ?? '']
    return Array.isArray(columns) ? columns : null
  }
  const designed = known(schemas, edge.source, sourcePort)
  if (designed) return { columns: designed, source: 'design' }
  const ran = known(runSchemas, edge.source, sourcePort)
  if (ran) return { columns: ran, source: 'run' }
  // Breadth-first up the graph: the closest module whose output columns are known.
  const seen = new Set([edge.source])
  let frontier = [edge.source]
  while (frontier.length) {
    const next: string[] = []
    for (const current of frontier) {
      for (const incoming of edges.filter((candidate) => candidate.target === current)) {
        const found = known(schemas, incoming.source, incoming.sourceHandle) ?? known(runSchemas, incoming.source, incoming.sourceHandle)
        if (found) return { columns: found, source: 'upstream', via: incoming.source }
        if (!seen.has(incoming.source)) {
          seen.add(incoming.source)
          next.push(incoming.source)
        }
      }
    }
    frontier = next
  }
  return null
}

/** The columns a rule-based selection resolves to, in table order (the server's rule). */
export function resolveRules(rules: readonly ColumnRule[], columns: readonly ColumnSchema[]): string[] {
  if (!rules.length) return []
  const numeric = new Set(['integer', 'double', 'boolean', 'number', 'float', 'int'])
  const matches = (column: ColumnSchema, rule: ColumnRule): boolean => {
    switch (rule.kind) {
      case 'all':
        return true
      case 'numeric':
        return numeric.has(column.type)
      case 'string':
        return column.type === 'string'
      case 'categorical':
        return column.categorical
      case 'feature':
        return column.is_feature && !column.is_label && !column.is_score
      case 'label':
        return column.is_label
      case 'score':
        return column.is_score
      case 'names':
        return (rule.names ?? []).includes(column.name)
    }
  }
  let chosen = new Set(rules[0].op === 'exclude' ? columns.map((column) => column.name) : [])
  for (const rule of rules) {
    const hits = columns.filter((column) => matches(column, rule)).map((column) => column.name)
    chosen = rule.op === 'include' ? new Set([...chosen, ...hits]) : new Set([...chosen].filter((name) => !hits.includes(name)))
  }
  return columns.map((column) => column.name).filter((name) => chosen.has(name))
}
