import type { ParityReport } from '../api/types'
import { formatCell } from '../outputs/format'

/** The rows where the endpoint did not return what the run returned. */
export function ParityDifferences({ parity }: { parity: ParityReport }) {
  const differences = parity.differences ?? []
  if (!differences.length) return null
  const inputColumns = [...new Set(differences.flatMap((difference) => Object.keys(difference.input ?? {})))].slice(0, 6)
  return (
    <div className="table-scroll parity-differences">
      <table className="data-table compact full-width" data-testid="parity-differences">
        <caption>
          {parity.rows_with_differences ?? differences.length} row(s) differ
          {parity.rows_compared ? ` of ${parity.rows_compared} compared` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Column</th>
            <th scope="col">The run gave</th>
            <th scope="col">The endpoint gave</th>
            {inputColumns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {differences.map((difference, index) => (
            <tr key={index}>
              <td className="is-number">{difference.row}</td>
              <td>{difference.column ?? difference.detail}</td>
              <td>{'expected' in difference ? formatCell(difference.expected) : '—'}</td>
              <td>{'got' in difference ? formatCell(difference.got) : '—'}</td>
              {inputColumns.map((column) => (
                <td key={column}>{formatCell(difference.input?.[column])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
