/** Reading the chart data of an Evaluate Model output (column-oriented: {column: [values]}). */

export type Columns = Record<string, unknown[]>

export function asColumns(value: unknown): Columns | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null
  const entries = Object.entries(value as Record<string, unknown>)
  if (!entries.every(([, column]) => Array.isArray(column))) return null
  return value as Columns
}

/** Pairs [x, y] from two columns, skipping points where either is missing. */
export function points(columns: Columns | null, x: string, y: string): [number, number][] {
  if (!columns) return []
  const xs = columns[x] ?? []
  const ys = columns[y] ?? []
  const out: [number, number][] = []
  for (let index = 0; index < Math.min(xs.length, ys.length); index += 1) {
    const a = xs[index]
    const b = ys[index]
    if (typeof a === 'number' && typeof b === 'number') out.push([a, b])
  }
  return out
}

/** The row of the threshold table nearest to `threshold`, as {column: value}. */
export function thresholdRow(table: Columns | null, threshold: number): Record<string, unknown> | null {
  const thresholds = table?.threshold
  if (!table || !thresholds?.length) return null
  let best = 0
  for (let index = 1; index < thresholds.length; index += 1) {
    if (Math.abs(Number(thresholds[index]) - threshold) < Math.abs(Number(thresholds[best]) - threshold)) best = index
  }
  return Object.fromEntries(Object.entries(table).map(([name, column]) => [name, column[best]]))
}

export interface ConfusionMatrix {
  labels: string[]
  matrix: number[][]
}

export function asConfusionMatrix(value: unknown): ConfusionMatrix | null {
  if (!value || typeof value !== 'object') return null
  const { labels, matrix } = value as Partial<ConfusionMatrix>
  if (!Array.isArray(labels) || !Array.isArray(matrix)) return null
  return { labels: labels.map(String), matrix }
}

/** The binary confusion matrix at one threshold, from the threshold table's counts. */
export function binaryMatrixAt(row: Record<string, unknown>, negative: string, positive: string): ConfusionMatrix {
  const count = (name: string) => Number(row[name] ?? 0)
  return {
    labels: [negative, positive],
    matrix: [
      [count('True_Negative'), count('False_Positive')],
      [count('False_Negative'), count('True_Positive')],
    ],
  }
}
