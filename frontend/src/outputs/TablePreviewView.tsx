import { useId, useState } from 'react'

import type { ColumnStats, PreviewColumn, TablePreview } from '../api/types'
import { Chart } from './Chart'
import { formatCell, formatNumber } from './format'

/** A tiny bar strip of a column's distribution for its header: a glance, not a chart to read. */
function MiniHistogram({ stats }: { stats?: ColumnStats }) {
  const counts = stats?.histogram?.counts ?? []
  if (!counts.length) return null
  const highest = Math.max(...counts, 1)
  return (
    <span className="mini-histogram" aria-hidden="true">
      {counts.map((count, index) => (
        <span key={index} className="mini-histogram-bar" style={{ height: `${Math.max(4, (count / highest) * 100)}%` }} />
      ))}
    </span>
  )
}

function histogramOption(stats: ColumnStats) {
  const histogram = stats.histogram
  if (!histogram) return null
  const categories =
    'labels' in histogram
      ? histogram.labels
      : histogram.counts.map((_, index) => `${formatNumber(histogram.edges[index])} – ${formatNumber(histogram.edges[index + 1])}`)
  return {
    grid: { left: 48, right: 16, top: 16, bottom: 64 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: categories, axisLabel: { rotate: 40, fontSize: 10 } },
    yAxis: { type: 'value', name: 'Rows' },
    series: [{ type: 'bar', data: histogram.counts, barCategoryGap: '4%' }],
  }
}

function ColumnStatistics({ column }: { column: PreviewColumn }) {
  const stats = column.stats
  const headingId = useId()
  if (!stats) return null
  const rows: [string, unknown][] = [
    ['Type', stats.type],
    ['Count', stats.count],
    ['Missing', stats.missing],
    ['Unique', stats.unique],
    ['Mean', stats.mean],
    ['Standard deviation', stats.std],
    ['Minimum', stats.min],
    ['Median', stats.median],
    ['Maximum', stats.max],
  ]
  const option = histogramOption(stats)
  return (
    <section className="column-stats" aria-labelledby={headingId} data-testid="column-statistics">
      <h4 id={headingId}>{column.name}</h4>
      <dl className="stats-list">
        {rows
          .filter(([, value]) => value !== undefined)
          .map(([name, value]) => (
            <div key={name} className="stats-row">
              <dt>{name}</dt>
              <dd>{formatCell(value)}</dd>
            </div>
          ))}
      </dl>
      {option && <Chart label={`Distribution of ${column.name}`} option={option} height={220} />}
      {stats.top_values && stats.top_values.length > 0 && (
        <table className="data-table compact">
          <caption>Most frequent values</caption>
          <thead>
            <tr>
              <th scope="col">Value</th>
              <th scope="col">Rows</th>
            </tr>
          </thead>
          <tbody>
            {stats.top_values.map((entry) => (
              <tr key={entry.value}>
                <td>{entry.value}</td>
                <td>{formatNumber(entry.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** The first rows of a dataset, each column headed by its type and distribution; a column's statistics on click. */
export function TablePreviewView({ preview }: { preview: TablePreview }) {
  const [selected, setSelected] = useState<number | null>(null)
  const { columns, data, rows } = preview
  return (
    <div className="table-preview">
      <p className="table-preview-summary">
        {formatNumber(rows)} rows × {columns.length} columns
        {data.length < rows ? ` · showing the first ${data.length}` : ''} · select a column heading for its statistics.
      </p>
      <div className="table-preview-layout">
        {/* A scrolling region must take focus, or keyboard users cannot scroll it. */}
        {/* oxlint-disable-next-line jsx-a11y/no-noninteractive-tabindex */}
        <div className="table-scroll" role="region" aria-label="Data preview" tabIndex={0}>
          <table className="data-table" data-testid="data-preview">
            <thead>
              <tr>
                {columns.map((column, index) => (
                  <th key={column.name} scope="col">
                    <button
                      type="button"
                      className="column-heading"
                      aria-pressed={selected === index}
                      onClick={() => setSelected(selected === index ? null : index)}
                    >
                      <span className="column-heading-name">{column.name}</span>
                      <span className="column-heading-type">
                        {column.type}
                        {column.is_label ? ' · label' : ''}
                        {column.is_score ? ' · score' : ''}
                      </span>
                      <MiniHistogram stats={column.stats} />
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.map((row, rowIndex) => (
                <tr key={rowIndex}>
                  {row.map((value, columnIndex) => (
                    <td key={columnIndex} className={typeof value === 'number' ? 'is-number' : undefined}>
                      {formatCell(value)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {selected !== null && columns[selected] && <ColumnStatistics column={columns[selected]} />}
      </div>
    </div>
  )
}
