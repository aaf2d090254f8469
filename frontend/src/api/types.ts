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
  latest_version: Pick<DatasetVersion, 'number' | 'reference' | 'rows' | 'columns'> &
    Partial<Omit<DatasetVersion, 'number' | 'reference' | 'rows' | 'columns'>> | null
  version_count?: number
  created_by?: string | null
  updated_at?: string
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

// -- template gallery ------------------------------------------------------------------------------

export type TaskType =
  | 'regression'
  | 'binary'
  | 'multiclass'
  | 'clustering'
  | 'anomaly_detection'
  | 'recommendation'
  | 'text'
  | (string & {})

export type Difficulty = 'beginner' | 'intermediate' | 'advanced' | (string & {})

/** A gallery card: a ready-to-run sample pipeline and the metric it reaches. */
export interface TemplateCard {
  slug: string
  title: string
  description: string
  task_type: TaskType
  difficulty: Difficulty
  datasets: string[]
  deployable: boolean
  key_metric: { node: string; port: string; name: string; value: number; higher_is_better?: boolean }
  node_count?: number
  thumbnail_url: string
  instantiate_url: string
}

// -- registered datasets ---------------------------------------------------------------------------

export type ColumnType = 'integer' | 'double' | 'boolean' | 'string' | 'datetime' | 'categorical'
export type ProfileStatus = 'pending' | 'running' | 'ready' | 'failed'

/** A column of a dataset version as the server stores it: its type and role flags. */
export interface DatasetColumn {
  name: string
  type: string
  is_feature?: boolean
  is_label?: boolean
  is_score?: boolean
  categorical?: boolean
}

export interface DatasetVersion {
  number: number
  reference: string
  source: 'upload' | 'pipeline' | 'edit' | (string & {})
  derived_from: number | null
  filename: string
  format: string
  size: number
  rows: number
  columns: DatasetColumn[]
  encoding: string
  delimiter: string
  profile_status: ProfileStatus
  created_by: string | null
  created_at: string
}

/** A dataset with its versions, newest first (GET /datasets/{id}/). */
export interface DatasetDetail {
  id: string
  name: string
  description: string
  workspace: number
  reference: string
  latest_version: DatasetVersion | null
  version_count: number
  created_by: string | null
  created_at: string
  updated_at: string
  versions: DatasetVersion[]
}

/** The upload's reply: the dataset and the version just created. */
export interface UploadedDataset extends DatasetDetail {
  version: DatasetVersion
}

export type NumericHistogram = { edges: (number | string)[]; counts: number[] }
export type CategoricalHistogram = { labels: string[]; counts: number[]; other?: number }

/** One column's profile, with pandas' definitions (designer/datasets/profiling.py). */
export interface ColumnProfile {
  name: string
  type: string
  count: number
  missing: number
  distinct: number
  mean?: number | null
  std?: number | null
  min?: number | string | null
  max?: number | string | null
  quantiles?: Record<string, number | string | null>
  top_values?: { value: unknown; count: number }[]
  histogram?: NumericHistogram | CategoricalHistogram | null
  length?: { min: number; max: number; mean: number }
  is_label?: boolean
  is_feature?: boolean
}

export interface DatasetProfile {
  format: number
  rows: number
  columns: ColumnProfile[]
}

/** GET /datasets/{id}/profile/: 202 while pending or running, 200 when ready or failed. */
export interface ProfileResponse {
  dataset: string
  version: number
  reference: string
  status: ProfileStatus
  profile?: DatasetProfile
  error?: string
}

// -- deployments -----------------------------------------------------------------------------------

export type EndpointStatus = 'deploying' | 'healthy' | 'failed' | (string & {})

export interface InputColumn {
  name: string
  type: string
}

export interface ParityDifference {
  node: string
  row: number
  column?: string
  expected?: unknown
  got?: unknown
  detail: string
  input?: Record<string, unknown>
}

export interface ParityReport {
  ok?: boolean
  message?: string
  rows_compared?: number
  rows_unmatched?: number
  rows_with_differences?: number
  differences?: ParityDifference[]
  fast_path?: { enabled: boolean; note?: string }
  seconds?: number
}

export interface RemovedNode {
  node: string
  module: string
  title: string
  rule: string
  reason: string
}

/** The graph a deploy would serve (GET /runs/{id}/inference-graph/). */
export interface InferenceGraphPreview {
  run: string
  graph: Graph & { bindings?: Record<string, Record<string, unknown>> }
  input_schema: InputColumn[]
  inputs: string[]
  outputs: string[]
  label_columns: string[]
  removed: RemovedNode[]
  notes: string[]
}

export interface EndpointVersion {
  number: number
  status: EndpointStatus
  status_reason: string
  run: string | null
  created_at: string
  deploy_seconds: number | null
  fast_path: boolean
  input_schema: InputColumn[]
  inputs: string[]
  outputs: string[]
  parity: ParityReport
}

export interface EndpointSummary {
  name: string
  status: EndpointStatus
  status_reason: string
  traffic: Record<string, number>
  scoring_url: string
  updated_at: string
}

export interface EndpointDetail {
  name: string
  description: string
  status: EndpointStatus
  status_reason: string
  workspace: number
  created_at: string
  updated_at: string
  scoring_url: string
  api_scoring_url: string
  openapi_url: string
  traffic: Record<string, number>
  serving_versions: number[]
  keys: Partial<Record<KeySlot, { prefix: string; created_at: string }>>
  input_schema: InputColumn[]
  versions: EndpointVersion[]
  consume?: {
    scoring_url: string
    openapi_url: string
    auth: string
    example_request: { inputs: Record<string, unknown>[] }
    samples: Partial<Record<'curl' | 'python' | 'javascript', string>>
  }
}

export type KeySlot = 'primary' | 'secondary'

/** The deploy reply: the endpoint, what this deploy did, and the keys when the endpoint is new. */
export interface DeployResult extends EndpointDetail {
  deployment: {
    version: number
    status: EndpointStatus
    reason: string
    seconds: number | null
    parity: ParityReport
    removed: RemovedNode[]
    notes: string[]
  }
  new_keys?: Partial<Record<KeySlot, string>>
}

export interface RegeneratedKey {
  slot: KeySlot
  key: string
  prefix: string
  created_at: string
}

export interface MetricsSummary {
  requests: number
  errors: number
  client_errors: number
  server_errors: number
  rows: number
  p50_ms: number | null
  p95_ms: number | null
  p99_ms: number | null
}

export interface MetricsBucket extends MetricsSummary {
  start: string
}

export interface DriftFeature {
  name: string
  psi: number
  status: 'stable' | 'moderate' | 'significant' | 'no data' | (string & {})
  rows: number
}

export interface EndpointMetrics {
  endpoint: string
  window_seconds: number
  bucket_seconds: number
  since: string
  totals: MetricsSummary
  error_codes: Record<string, number>
  versions: Record<string, { totals: MetricsSummary; series: MetricsBucket[] }>
  drift: Record<string, { sample_rows: number; features: DriftFeature[] }>
}
