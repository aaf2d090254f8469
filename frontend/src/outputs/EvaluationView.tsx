import { useId, useState } from 'react'

import type { EvaluationData } from '../api/types'
import { Chart, type ChartOption } from './Chart'
import {
  asColumns,
  asConfusionMatrix,
  binaryMatrixAt,
  points,
  thresholdRow,
  type Columns,
  type ConfusionMatrix,
} from './evaluation'
import { formatCell, metricName } from './format'

const SERIES_NAMES = ['Scored dataset', 'Scored dataset to compare']

/** The evaluations to draw: the first, and the compared one when two models were evaluated. */
function evaluations(data: EvaluationData): EvaluationData[] {
  return data.compared ? [data, data.compared] : [data]
}

function MetricsTable({ rows, names, caption }: { rows: Record<string, unknown>[]; names: string[]; caption: string }) {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  return (
    <table className="data-table compact metrics-table" data-testid="metrics-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          {names.map((name) => (
            <th key={name} scope="col">
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => (
          <tr key={key}>
            <th scope="row">{metricName(key)}</th>
            {rows.map((row, index) => (
              <td key={index} className="is-number">
                {formatCell(row[key])}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function ConfusionMatrixTable({ matrix, caption }: { matrix: ConfusionMatrix; caption: string }) {
  const highest = Math.max(1, ...matrix.matrix.flat())
  return (
    <table className="data-table confusion-matrix" data-testid="confusion-matrix">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">
            <span className="visually-hidden">Actual class, by predicted class</span>
          </th>
          {matrix.labels.map((label) => (
            <th key={label} scope="col">
              Predicted {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.matrix.map((row, rowIndex) => (
          <tr key={matrix.labels[rowIndex]}>
            <th scope="row">Actual {matrix.labels[rowIndex]}</th>
            {row.map((count, columnIndex) => (
              <td
                key={columnIndex}
                className={`is-number ${rowIndex === columnIndex ? 'is-diagonal' : ''}`}
                style={{ '--intensity': count / highest } as React.CSSProperties}
              >
                {count}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function curveOption(
  series: { name: string; data: [number, number][] }[],
  axes: { x: string; y: string },
  extra: { diagonal?: boolean; marker?: [number, number] | null } = {},
): ChartOption {
  return {
    grid: { left: 56, right: 16, top: 32, bottom: 48 },
    tooltip: { trigger: 'axis' },
    legend: series.length > 1 ? { top: 0 } : undefined,
    xAxis: { type: 'value', name: axes.x, nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
    yAxis: { type: 'value', name: axes.y, nameLocation: 'middle', nameGap: 40, min: 0 },
    series: [
      ...series.map((line) => ({ name: line.name, type: 'line', showSymbol: false, data: line.data })),
      ...(extra.diagonal
        ? [{ name: 'Random', type: 'line', showSymbol: false, data: [[0, 0], [1, 1]], lineStyle: { type: 'dashed', opacity: 0.5 } }]
        : []),
      ...(extra.marker
        ? [{ name: 'Threshold', type: 'scatter', symbolSize: 10, data: [extra.marker], z: 10 }]
        : []),
    ],
  }
}

function BinaryEvaluation({ data }: { data: EvaluationData }) {
  const all = evaluations(data)
  const [threshold, setThreshold] = useState(Number(data.metrics.Threshold ?? 0.5))
  const sliderId = useId()
  const tables = all.map((evaluation) => asColumns(evaluation.charts.thresholds))
  const rows = tables.map((table) => thresholdRow(table, threshold))
  const names = SERIES_NAMES.slice(0, all.length)
  const fixed = ['AUC', 'Log_Loss', 'Number_of_Rows', 'Positive_Label', 'Negative_Label']
  const metricRows = all.map((evaluation, index) => {
    const row = rows[index]
    const atThreshold = row
      ? Object.fromEntries(
          ['Accuracy', 'Precision', 'Recall', 'F1_Score', 'True_Positive', 'False_Positive', 'True_Negative', 'False_Negative'].map(
            (key) => [key, row[key]],
          ),
        )
      : Object.fromEntries(Object.entries(evaluation.metrics).filter(([key]) => !fixed.includes(key)))
    return {
      ...Object.fromEntries(fixed.filter((key) => key in evaluation.metrics).map((key) => [key, evaluation.metrics[key]])),
      Threshold: row ? row.threshold : threshold,
      ...atThreshold,
    }
  })
  const curve = (index: number, key: string) => asColumns(all[index].charts[key])
  const roc = all.map((_, index) => ({ name: names[index], data: points(curve(index, 'roc_curve'), 'false_positive_rate', 'true_positive_rate') }))
  const pr = all.map((_, index) => ({ name: names[index], data: points(curve(index, 'precision_recall_curve'), 'recall', 'precision') }))
  const lift = all.map((_, index) => ({
    name: names[index],
    data: points(curve(index, 'lift_curve'), 'fraction_predicted_positive', 'true_positives'),
  }))
  const first = rows[0]
  const rocMarker: [number, number] | null =
    first && typeof first.False_Positive_Rate === 'number' && typeof first.Recall === 'number'
      ? [first.False_Positive_Rate, first.Recall]
      : null
  const prMarker: [number, number] | null =
    first && typeof first.Recall === 'number' && typeof first.Precision === 'number' ? [first.Recall, first.Precision] : null
  const negative = String(data.metrics.Negative_Label ?? 'negative')
  const positive = String(data.metrics.Positive_Label ?? 'positive')
  const matrix = first ? binaryMatrixAt(first, negative, positive) : asConfusionMatrix(data.charts.confusion_matrix)
  const auc = data.metrics.AUC

  return (
    <div className="evaluation evaluation-binary">
      <div className="threshold-control">
        <label htmlFor={sliderId}>Threshold</label>
        <input
          id={sliderId}
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={threshold}
          onChange={(event) => setThreshold(Number(event.target.value))}
          aria-valuetext={threshold.toFixed(2)}
        />
        <output htmlFor={sliderId}>{threshold.toFixed(2)}</output>
        <span className="field-hint">Rows scoring above the threshold are called “{positive}”.</span>
      </div>
      <div className="evaluation-grid">
        <Chart
          label="ROC curve"
          testId="roc-curve"
          caption={`ROC curve${typeof auc === 'number' ? ` · AUC ${formatCell(auc)}` : ''} · the dot is the threshold`}
          option={curveOption(roc, { x: 'False positive rate', y: 'True positive rate' }, { diagonal: true, marker: rocMarker })}
        />
        {matrix && <ConfusionMatrixTable matrix={matrix} caption={`Confusion matrix at threshold ${threshold.toFixed(2)}`} />}
        <MetricsTable rows={metricRows} names={names} caption={`Metrics at threshold ${threshold.toFixed(2)}`} />
        <Chart
          label="Precision-recall curve"
          testId="pr-curve"
          caption="Precision-recall curve"
          option={curveOption(pr, { x: 'Recall', y: 'Precision' }, { marker: prMarker })}
        />
        <Chart
          label="Lift curve"
          testId="lift-curve"
          caption="Lift curve: true positives found against the share of rows called positive"
          option={curveOption(lift, { x: 'Fraction predicted positive', y: 'True positives' })}
        />
      </div>
    </div>
  )
}

function MulticlassEvaluation({ data }: { data: EvaluationData }) {
  const all = evaluations(data)
  const names = SERIES_NAMES.slice(0, all.length)
  const perClass = asColumns(data.charts.per_class)
  return (
    <div className="evaluation evaluation-grid">
      <MetricsTable rows={all.map((evaluation) => evaluation.metrics)} names={names} caption="Metrics" />
      {all.map((evaluation, index) => {
        const matrix = asConfusionMatrix(evaluation.charts.confusion_matrix)
        return matrix ? (
          <ConfusionMatrixTable key={index} matrix={matrix} caption={`Confusion matrix${all.length > 1 ? ` · ${names[index]}` : ''}`} />
        ) : null
      })}
      {perClass && (
        <Chart
          label="Precision and recall per class"
          option={{
            grid: { left: 48, right: 16, top: 32, bottom: 48 },
            tooltip: { trigger: 'axis' },
            legend: { top: 0 },
            xAxis: { type: 'category', data: perClass.class },
            yAxis: { type: 'value', min: 0, max: 1 },
            series: [
              { name: 'Precision', type: 'bar', data: perClass.precision },
              { name: 'Recall', type: 'bar', data: perClass.recall },
              { name: 'F1 score', type: 'bar', data: perClass.f1_score },
            ],
          }}
        />
      )}
    </div>
  )
}

function RegressionEvaluation({ data }: { data: EvaluationData }) {
  const all = evaluations(data)
  const names = SERIES_NAMES.slice(0, all.length)
  const histograms = all.map((evaluation) => asColumns(evaluation.charts.residual_histogram))
  const scatter = all.map((evaluation, index) => ({
    name: names[index],
    data: points(asColumns(evaluation.charts.predicted_vs_actual), 'actual', 'predicted'),
  }))
  const values = scatter.flatMap((series) => series.data.flat())
  const low = values.length ? Math.min(...values) : 0
  const high = values.length ? Math.max(...values) : 1
  return (
    <div className="evaluation evaluation-grid">
      <MetricsTable rows={all.map((evaluation) => evaluation.metrics)} names={names} caption="Metrics" />
      <Chart
        label="Residual histogram"
        testId="residual-histogram"
        caption="Residuals (actual − predicted)"
        option={{
          grid: { left: 48, right: 16, top: 32, bottom: 56 },
          tooltip: { trigger: 'axis' },
          legend: all.length > 1 ? { top: 0 } : undefined,
          xAxis: {
            type: 'category',
            data: (histograms[0]?.bin_from ?? []).map((from, index) => `${formatCell(from)} – ${formatCell(histograms[0]?.bin_to?.[index])}`),
            axisLabel: { rotate: 30, fontSize: 10 },
          },
          yAxis: { type: 'value', name: 'Rows' },
          series: histograms.map((histogram, index) => ({ name: names[index], type: 'bar', data: histogram?.count ?? [] })),
        }}
      />
      <Chart
        label="Predicted against actual values"
        testId="predicted-vs-actual"
        caption="Predicted against actual (the dashed line is a perfect prediction)"
        option={{
          grid: { left: 56, right: 16, top: 32, bottom: 48 },
          tooltip: { trigger: 'item' },
          legend: all.length > 1 ? { top: 0 } : undefined,
          xAxis: { type: 'value', name: 'Actual', nameLocation: 'middle', nameGap: 28, scale: true },
          yAxis: { type: 'value', name: 'Predicted', nameLocation: 'middle', nameGap: 40, scale: true },
          series: [
            ...scatter.map((series) => ({ name: series.name, type: 'scatter', symbolSize: 5, data: series.data })),
            { name: 'Perfect', type: 'line', showSymbol: false, data: [[low, low], [high, high]], lineStyle: { type: 'dashed', opacity: 0.5 } },
          ],
        }}
      />
    </div>
  )
}

function ClusteringEvaluation({ data }: { data: EvaluationData }) {
  const clusters: Columns | null = asColumns(data.charts.clusters)
  const names = (clusters?.Result_Description ?? []).map(String)
  const keys = clusters ? Object.keys(clusters).filter((key) => key !== 'Result_Description') : []
  return (
    <div className="evaluation evaluation-grid">
      <MetricsTable rows={[data.metrics]} names={['Clustering']} caption="Combined metrics" />
      {clusters && (
        <table className="data-table compact">
          <caption>Per cluster</caption>
          <thead>
            <tr>
              <th scope="col">Cluster</th>
              {keys.map((key) => (
                <th key={key} scope="col">
                  {metricName(key)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {names.map((name, index) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                {keys.map((key) => (
                  <td key={key} className="is-number">
                    {formatCell(clusters[key][index])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {clusters && (
        <Chart
          label="Points per cluster"
          option={{
            grid: { left: 48, right: 16, top: 16, bottom: 48 },
            tooltip: { trigger: 'axis' },
            xAxis: { type: 'category', data: names.filter((name) => !name.startsWith('Combined')) },
            yAxis: { type: 'value', name: 'Points' },
            series: [{ type: 'bar', data: (clusters.Number_of_Points ?? []).slice(0, -1) }],
          }}
        />
      )}
    </div>
  )
}

/** The charts and metrics of an Evaluate Model output, by the kind of model it evaluated. */
export function EvaluationView({ data }: { data: EvaluationData }) {
  switch (data.kind) {
    case 'binary':
      return <BinaryEvaluation data={data} />
    case 'multiclass':
      return <MulticlassEvaluation data={data} />
    case 'regression':
      return <RegressionEvaluation data={data} />
    case 'clustering':
      return <ClusteringEvaluation data={data} />
    default: {
      const all = evaluations(data)
      return (
        <div className="evaluation">
          <MetricsTable rows={all.map((evaluation) => evaluation.metrics)} names={SERIES_NAMES.slice(0, all.length)} caption="Metrics" />
        </div>
      )
    }
  }
}
