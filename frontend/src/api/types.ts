/** Shapes of the backend's JSON, as the designer reads them. */

export type PortType =
  | 'dataset'
  | 'untrained_model'
  | 'trained_model'
  | 'transformation'
  | 'evaluation'
  | 'untrained_cluster_model'
  | 'trained_cluster_model'
  | 'trained_recommender'
  | 'script_bundle'
  // Port types are the server's to define; an unknown one still renders.
  | (string & {})

export interface PortSpec {
  name: string
  title: string
  type: PortType
  optional: boolean
  description: string
}

export type Widget = 'number' | 'checkbox' | 'select' | 'text' | 'code' | 'columns' | 'sweep'

/** One parameter's JSON Schema, as far as the form generator reads it. */
export interface ParamSchema {
  title?: string
  description?: string
  default?: unknown
  type?: string | string[]
  enum?: unknown[]
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
}

/** The UI hints the server attaches to each parameter. */
export interface ParamUiHints {
  widget?: Widget
  advanced?: boolean
  /** Shown only while every named parameter has one of the listed values. */
  visible_when?: Record<string, unknown[]>
  /** For column pickers: the input port whose columns are offered. */
  port?: string
  single?: boolean
  language?: string
}

export interface ParamsSchema {
  properties: Record<string, ParamSchema>
  required?: string[]
  'x-order'?: string[]
  'x-ui'?: Record<string, ParamUiHints>
}

export interface ModuleFlags {
  deterministic: boolean
  pass_through_at_inference: boolean
  training_only: boolean
  gpu_capable: boolean
}

export interface ModuleSpec {
  key: string
  version: number
  title: string
  category: string
  help: string
  inputs: PortSpec[]
  outputs: PortSpec[]
  params_schema: ParamsSchema
  flags: ModuleFlags
}

export interface SampleDataset {
  slug: string
  title: string
  description: string
  task: string
  label_column: string
  source: string
  licence: string
}

/** A dataset the user uploaded or registered; Import Data loads a pinned version by its reference. */
export interface DatasetSummary {
  id: string
  name: string
  description: string
  reference: string
  latest_version: { number: number; reference: string; rows: number | null; columns: number | null } | null
}

export interface ListResponse<Item> {
  count: number
  results: Item[]
}

export type Compute = 'auto' | 'cpu' | 'gpu'

export interface GraphNode {
  id: string
  module: string
  module_version: number
  params: Record<string, unknown>
  comment?: string
  compute?: Compute
  regenerate?: boolean
}

export interface GraphEdge {
  source: string
  source_port: string
  target: string
  target_port: string
}

/** A pipeline graph: semantics in nodes and edges, layout only in ui. */
export interface Graph {
  schema_version: 1
  nodes: GraphNode[]
  edges: GraphEdge[]
  ui: Record<string, { x: number; y: number }>
}

export interface PipelineSummary {
  id: string
  name: string
  description: string
  created_at: string
  updated_at: string
}

export interface Pipeline extends PipelineSummary {
  graph: Graph | null
}

export interface PipelineVersion {
  number: number
  graph: Graph
  semantic_digest: string
  created_at: string
}

export interface Problem {
  code: string
  message: string
  node?: string
  port?: string
  parameter?: string
  hint?: string
}

export interface ColumnSchema {
  name: string
  type: string
  is_feature: boolean
  is_label: boolean
  is_score: boolean
  categorical: boolean
}

/** Column schema of each node's output ports, inferred at design time. */
export type GraphSchemas = Record<string, Record<string, ColumnSchema[]>>

export interface ValidationResult {
  valid: boolean
  problems: Problem[]
  schemas: GraphSchemas
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled'
export type StepStatus =
  | 'pending'
  | 'queued'
  | 'running'
  | 'completed'
  | 'cached'
  | 'failed'
  | 'cancelled'
  | 'skipped'

export interface StepError {
  code: string
  message: string
  details?: unknown
}

export interface Step {
  node: string
  title: string
  module: string
  module_version?: number
  status: StepStatus
  queue: string
  attempt: number
  error: StepError | null
  metrics: Record<string, unknown> | null
  outputs: Record<string, string>
  /** Per dataset output: its row count and columns as the step produced them. */
  output_schemas?: Record<string, { rows?: number; columns: ColumnSchema[] } | ColumnSchema[] | null>
  cached_from_run: string | null
  queued_at?: string | null
  started_at: string | null
  finished_at: string | null
  duration_ms: number | null
}

export interface RunSummary {
  id: string
  experiment: string
  pipeline: string
  pipeline_version: number
  status: RunStatus
  error?: StepError | null
  options?: { from_node?: string | null; only_node?: string | null; regenerate?: string[] }
  tags?: string[]
  created_at: string
  started_at: string | null
  finished_at: string | null
}

export interface Run extends RunSummary {
  steps: Step[]
}

export interface Experiment {
  id: string
  name: string
  description: string
  created_at: string
  runs: number
}

export type RunEventKind =
  | 'run_queued'
  | 'step_queued'
  | 'step_started'
  | 'step_progress'
  | 'step_completed'
  | 'step_cached'
  | 'step_failed'
  | 'step_cancelled'
  | 'step_skipped'
  | 'step_requeued'
  | 'run_finished'
  | (string & {})

export interface RunEvent {
  id: number
  kind: RunEventKind
  node: string | null
  payload: Record<string, unknown>
  at: string
}

// -- output previews -------------------------------------------------------------------------------

export interface ColumnStats {
  type: string
  count: number
  missing: number
  unique: number
  mean?: number | null
  std?: number | null
  min?: number | null
  max?: number | null
  median?: number | null
  histogram?: { edges: number[]; counts: number[] } | { labels: string[]; counts: number[] }
  top_values?: { value: string; count: number }[]
}

export interface PreviewColumn extends Partial<ColumnSchema> {
  name: string
  type: string
  stats?: ColumnStats
}

export interface TablePreview {
  kind: 'table'
  rows: number
  columns: PreviewColumn[]
  data: unknown[][]
}

export interface EvaluationData {
  kind: string
  metrics: Record<string, unknown>
  charts: Record<string, unknown>
  compared?: EvaluationData
}

export interface ObjectPreview {
  kind: 'object'
  type: string
  [attribute: string]: unknown
}

/** The outputs endpoint: node, port and port type, then the kind-specific body. */
export type OutputPreview = { node?: string; port?: string; type?: string } & (
  | TablePreview
  | (EvaluationData & { type: 'evaluation' })
  | ObjectPreview
)
