import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts'
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import ReactEChartsCore from 'echarts-for-react/esm/core'

import { usePrefersDark } from '../usePrefersDark'

// Only the chart types and components the drawer draws, to keep the chunk small.
echarts.use([
  LineChart,
  BarChart,
  ScatterChart,
  HeatmapChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  VisualMapComponent,
  TitleComponent,
  MarkLineComponent,
  AriaComponent,
  CanvasRenderer,
])

export type ChartOption = Record<string, unknown>

interface ChartProps {
  /** What the chart shows, for screen readers and the figure caption. */
  label: string
  option: ChartOption
  height?: number
  testId?: string
  caption?: string
}

/** One ECharts chart in a labelled figure, themed to follow the system's light or dark mode. */
export function Chart({ label, option, height = 280, testId, caption }: ChartProps) {
  const dark = usePrefersDark()
  return (
    <figure className="chart" aria-label={label} data-testid={testId}>
      <ReactEChartsCore
        echarts={echarts}
        option={{ aria: { enabled: true, label: { description: label } }, backgroundColor: 'transparent', animation: false, ...option }}
        theme={dark ? 'dark' : undefined}
        style={{ height, width: '100%' }}
        notMerge
      />
      <figcaption className={caption ? 'chart-caption' : 'visually-hidden'}>{caption ?? label}</figcaption>
    </figure>
  )
}
