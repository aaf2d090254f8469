/**
 * The body the Test form starts with: one row in the endpoint's input schema. The server sends an
 * example taken from the training data; any column it lacks (or sends as null) gets a placeholder of
 * the column's type, so the first press of "Send" is a valid request.
 */
import type { InputColumn } from '../api/types'

/** A plausible value of a column type, for a row nobody has filled in yet. */
export function placeholderValue(type: string): unknown {
  switch (type) {
    case 'double':
      return 0.5
    case 'integer':
      return 1
    case 'boolean':
      return false
    case 'datetime':
      return '2024-01-01T00:00:00'
    case 'string':
    case 'categorical':
    default:
      return 'text'
  }
}

export function exampleRow(schema: readonly InputColumn[], example?: Record<string, unknown> | null): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (const column of schema) {
    const value = example?.[column.name]
    row[column.name] = value === undefined || value === null ? placeholderValue(column.type) : value
  }
  // Columns the example has beyond the schema (the label, ids) are not sent: the schema is the contract.
  return row
}

export interface ScoringRequest {
  inputs: Record<string, unknown>[]
}

/** `{"inputs": [row]}`: one row per example the server sent, or one made from the schema. */
export function examplePayload(
  schema: readonly InputColumn[],
  examples: readonly Record<string, unknown>[] = [],
): ScoringRequest {
  if (!schema.length) return { inputs: examples.length ? [...examples] : [{}] }
  const rows = examples.length ? examples : [null]
  return { inputs: rows.map((example) => exampleRow(schema, example)) }
}

/** Parses the Test form's text: an object with a non-empty `inputs` array, or the reason it is not. */
export function parseScoringBody(text: string): { ok: true; body: unknown } | { ok: false; error: string } {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    return { ok: false, error: `This is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: 'The body must be a JSON object such as {"inputs": [{...}]}.' }
  }
  const record = body as Record<string, unknown>
  // The other accepted formats (the reference product's, MLflow's) go through as they are.
  if ('Inputs' in record || 'dataframe_records' in record || 'dataframe_split' in record) return { ok: true, body }
  if (!Array.isArray(record.inputs)) return { ok: false, error: 'The body needs "inputs": a list of rows.' }
  if (!record.inputs.length) return { ok: false, error: '"inputs" is empty: add at least one row.' }
  return { ok: true, body }
}
