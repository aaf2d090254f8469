/**
 * One data hook per resource of the API, on TanStack Query. Fetchers are plain functions so that
 * non-React code (autosave, submit) can call them too.
 */
import { useQuery } from '@tanstack/react-query'

import { api } from './client'
import type {
  DatasetColumn,
  DatasetDetail,
  DatasetSummary,
  DatasetVersion,
  DeployResult,
  EndpointDetail,
  EndpointMetrics,
  EndpointSummary,
  InferenceGraphPreview,
  KeySlot,
  ProfileResponse,
  RegeneratedKey,
  TablePreview,
  TemplateCard,
  Experiment,
  Graph,
  ListResponse,
  ModuleSpec,
  OutputPreview,
  Pipeline,
  PipelineSummary,
  PipelineVersion,
  Run,
  RunEvent,
  RunSummary,
  SampleDataset,
  ValidationResult,
} from './types'

const V1 = '/api/v1'

/** List endpoints answer either a bare array or {count, results}; callers always get the array. */
function asList<Item>(body: Item[] | ListResponse<Item>): Item[] {
  return Array.isArray(body) ? body : body.results
}

export const queryKeys = {
  modules: ['modules'] as const,
  samples: ['samples'] as const,
  pipelines: ['pipelines'] as const,
  pipeline: (id: string) => ['pipelines', id] as const,
  pipelineVersions: (id: string) => ['pipelines', id, 'versions'] as const,
  runs: (filters: RunFilters = {}) => ['runs', 'list', filters] as const,
  run: (id: string) => ['runs', 'detail', id] as const,
  output: (runId: string, node: string, port: string) => ['runs', 'detail', runId, 'output', node, port] as const,
  runEvents: (runId: string) => ['runs', 'detail', runId, 'events'] as const,
  stepLogs: (runId: string, node: string) => ['runs', 'detail', runId, 'logs', node] as const,
  experiments: ['experiments'] as const,
  datasets: ['datasets'] as const,
  datasetSearch: (search: string) => ['datasets', 'search', search] as const,
  dataset: (id: string) => ['datasets', 'detail', id] as const,
  datasetPreview: (id: string, version: number) => ['datasets', 'detail', id, 'preview', version] as const,
  templates: (filters: TemplateFilters = {}) => ['templates', filters] as const,
  inferenceGraph: (runId: string) => ['runs', 'detail', runId, 'inference-graph'] as const,
  endpoints: ['endpoints'] as const,
  endpoint: (name: string) => ['endpoints', name] as const,
  endpointMetrics: (name: string, window: number) => ['endpoints', name, 'metrics', window] as const,
}

export interface RunFilters {
  pipeline?: string
  experiment?: string
  status?: string
}

export const fetchModules = async () => asList(await api.get<ModuleSpec[] | ListResponse<ModuleSpec>>(`${V1}/modules/`))
export const fetchSamples = async () =>
  asList(await api.get<SampleDataset[] | ListResponse<SampleDataset>>(`${V1}/samples/`))
export const fetchPipelines = async () =>
  asList(await api.get<PipelineSummary[] | ListResponse<PipelineSummary>>(`${V1}/pipelines/`))
export const fetchPipeline = (id: string) => api.get<Pipeline>(`${V1}/pipelines/${id}/`)
export const fetchPipelineVersions = async (id: string) =>
  asList(await api.get<PipelineVersion[] | ListResponse<PipelineVersion>>(`${V1}/pipelines/${id}/versions/`))
export const createPipeline = (body: { name: string; description?: string; graph?: Graph }) =>
  api.post<Pipeline>(`${V1}/pipelines/`, body)
export const updatePipeline = (id: string, body: { name?: string; graph?: Graph }) =>
  api.patch<Pipeline>(`${V1}/pipelines/${id}/`, body)
export const validateGraph = (id: string, graph: Graph, signal?: AbortSignal) =>
  api.post<ValidationResult>(`${V1}/pipelines/${id}/validate/`, { graph }, { signal })

export interface SubmitOptions {
  experiment?: string
  graph?: Graph
  from_node?: string
  only_node?: string
  regenerate?: string[]
}
export const submitRun = (pipelineId: string, body: SubmitOptions) =>
  api.post<Run>(`${V1}/pipelines/${pipelineId}/runs/`, body)

function runQuery(filters: RunFilters): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value)
  const text = params.toString()
  return text ? `?${text}` : ''
}
export const fetchRuns = async (filters: RunFilters = {}) =>
  asList(await api.get<RunSummary[] | ListResponse<RunSummary>>(`${V1}/runs/${runQuery(filters)}`))
export const fetchRun = (id: string) => api.get<Run>(`${V1}/runs/${id}/`)
export const cancelRun = (id: string) => api.post<Run>(`${V1}/runs/${id}/cancel/`)
export const rerunRun = (id: string, body: { from_node?: string; only_node?: string } = {}) =>
  api.post<Run>(`${V1}/runs/${id}/rerun/`, body)
export const fetchRunEvents = async (id: string, after = 0) =>
  (await api.get<{ events: RunEvent[] }>(`${V1}/runs/${id}/events/?after=${after}`)).events
export interface StepLogs {
  node: string
  status: string
  logs: string
  error: { code: string; message: string } | null
}
export const fetchStepLogs = (runId: string, node: string) =>
  api.get<StepLogs>(`${V1}/runs/${runId}/steps/${encodeURIComponent(node)}/logs/`)
export const fetchOutput = (runId: string, node: string, port: string) =>
  api.get<OutputPreview>(`${V1}/runs/${runId}/steps/${encodeURIComponent(node)}/outputs/${encodeURIComponent(port)}/`)
export const fetchDatasets = async () =>
  asList(await api.get<DatasetSummary[] | ListResponse<DatasetSummary>>(`${V1}/datasets/`))
export const fetchExperiments = async () =>
  asList(await api.get<Experiment[] | ListResponse<Experiment>>(`${V1}/experiments/`))

// The catalogue changes only when the server is upgraded: fetch it once per session.
export const useModules = () =>
  useQuery({ queryKey: queryKeys.modules, queryFn: fetchModules, staleTime: Infinity })
export const useSamples = () =>
  useQuery({ queryKey: queryKeys.samples, queryFn: fetchSamples, staleTime: Infinity })
export const usePipelines = () => useQuery({ queryKey: queryKeys.pipelines, queryFn: fetchPipelines })
export const usePipeline = (id: string | undefined) =>
  useQuery({
    queryKey: queryKeys.pipeline(id ?? ''),
    queryFn: () => fetchPipeline(id ?? ''),
    enabled: Boolean(id),
    // The draft is edited locally and autosaved; never overwrite it with a background refetch.
    staleTime: Infinity,
  })
export const usePipelineVersions = (id: string | undefined) =>
  useQuery({
    queryKey: queryKeys.pipelineVersions(id ?? ''),
    queryFn: () => fetchPipelineVersions(id ?? ''),
    enabled: Boolean(id),
  })
export const useRuns = (filters: RunFilters = {}, options: { refetchInterval?: number; enabled?: boolean } = {}) =>
  useQuery({ queryKey: queryKeys.runs(filters), queryFn: () => fetchRuns(filters), ...options })
export const useRun = (id: string | undefined) =>
  useQuery({ queryKey: queryKeys.run(id ?? ''), queryFn: () => fetchRun(id ?? ''), enabled: Boolean(id) })
export const useDatasets = () => useQuery({ queryKey: queryKeys.datasets, queryFn: fetchDatasets })
export const useExperiments = () => useQuery({ queryKey: queryKeys.experiments, queryFn: fetchExperiments })
export const useOutput = (runId: string | undefined, node: string | undefined, port: string | undefined) =>
  useQuery({
    queryKey: queryKeys.output(runId ?? '', node ?? '', port ?? ''),
    queryFn: () => fetchOutput(runId ?? '', node ?? '', port ?? ''),
    enabled: Boolean(runId && node && port),
    // An output is immutable once produced.
    staleTime: Infinity,
  })

// -- template gallery --------------------------------------------------------------------------------

export interface TemplateFilters {
  task_type?: string
  q?: string
}

function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value))
  const text = search.toString()
  return text ? `?${text}` : ''
}

export const fetchTemplates = async (filters: TemplateFilters = {}) =>
  asList(await api.get<TemplateCard[] | ListResponse<TemplateCard>>(`${V1}/templates/${queryString({ ...filters })}`))
export const instantiateTemplate = (slug: string, name?: string) =>
  api.post<Pipeline>(`${V1}/templates/${encodeURIComponent(slug)}/instantiate/`, name ? { name } : {})

export const useTemplates = (filters: TemplateFilters = {}) =>
  useQuery({
    queryKey: queryKeys.templates(filters),
    queryFn: () => fetchTemplates(filters),
    // The gallery is files on the server: it changes only when the server is upgraded.
    staleTime: 5 * 60_000,
    placeholderData: (previous) => previous,
  })

// -- datasets ------------------------------------------------------------------------------------------

const datasetPath = (id: string) => `${V1}/datasets/${encodeURIComponent(id)}`

export const searchDatasets = async (search: string) =>
  asList(
    await api.get<DatasetSummary[] | ListResponse<DatasetSummary>>(`${V1}/datasets/${queryString({ search: search.trim() })}`),
  )
export const fetchDataset = (id: string) => api.get<DatasetDetail>(`${datasetPath(id)}/`)
export const fetchDatasetPreview = (id: string, version: number) =>
  api.get<TablePreview>(`${datasetPath(id)}/preview/${queryString({ version })}`)
export const fetchDatasetProfile = (id: string, version: number, signal?: AbortSignal) =>
  api.get<ProfileResponse>(`${datasetPath(id)}/profile/${queryString({ version })}`, { signal })
/** Queues the profile job again (after a failure). */
export const requeueDatasetProfile = (id: string, version: number) =>
  api.post<ProfileResponse>(`${datasetPath(id)}/profile/${queryString({ version })}`)
export const editDatasetColumns = (id: string, version: number, columns: Partial<DatasetColumn>[]) =>
  api.patch<DatasetVersion>(`${datasetPath(id)}/versions/${version}/columns/`, { columns })
export const deleteDatasetVersion = (id: string, version: number) =>
  api.delete(`${datasetPath(id)}/versions/${version}/`)
export const deleteDataset = (id: string) => api.delete(`${datasetPath(id)}/`)

export const useDatasetSearch = (search: string) =>
  useQuery({
    queryKey: queryKeys.datasetSearch(search.trim()),
    queryFn: () => searchDatasets(search),
    placeholderData: (previous) => previous,
  })
export const useDataset = (id: string | undefined) =>
  useQuery({ queryKey: queryKeys.dataset(id ?? ''), queryFn: () => fetchDataset(id ?? ''), enabled: Boolean(id) })
export const useDatasetPreview = (id: string | undefined, version: number | undefined) =>
  useQuery({
    queryKey: queryKeys.datasetPreview(id ?? '', version ?? 0),
    queryFn: () => fetchDatasetPreview(id ?? '', version ?? 0),
    enabled: Boolean(id && version),
    // A version never changes.
    staleTime: Infinity,
  })

// -- deployments -----------------------------------------------------------------------------------------

const endpointPath = (name: string) => `${V1}/endpoints/${encodeURIComponent(name)}`

export const fetchInferenceGraph = (runId: string) =>
  api.get<InferenceGraphPreview>(`${V1}/runs/${runId}/inference-graph/`)
export const deployRun = (runId: string, body: { name: string; description?: string }) =>
  api.post<DeployResult>(`${V1}/runs/${runId}/deploy/`, body)
export const fetchEndpoints = async () =>
  asList(await api.get<EndpointSummary[] | ListResponse<EndpointSummary>>(`${V1}/endpoints/`))
export const fetchEndpoint = (name: string) => api.get<EndpointDetail>(`${endpointPath(name)}/`)
export const updateEndpoint = (
  name: string,
  body: { version: number } | { traffic: Record<string, number> } | { description: string },
) => api.patch<EndpointDetail>(`${endpointPath(name)}/`, body)
export const regenerateKey = (name: string, slot: KeySlot) =>
  api.post<RegeneratedKey>(`${endpointPath(name)}/keys/`, { slot })
export const fetchEndpointMetrics = (name: string, windowSeconds: number, bucketSeconds: number) =>
  api.get<EndpointMetrics>(`${endpointPath(name)}/metrics/${queryString({ window: windowSeconds, bucket: bucketSeconds })}`)
export const deleteEndpoint = (name: string) => api.delete(`${endpointPath(name)}/`)

export const useInferenceGraph = (runId: string | undefined, enabled = true) =>
  useQuery({
    queryKey: queryKeys.inferenceGraph(runId ?? ''),
    queryFn: () => fetchInferenceGraph(runId ?? ''),
    enabled: Boolean(runId) && enabled,
    staleTime: Infinity,
  })
export const useEndpoints = (options: { refetchInterval?: number } = {}) =>
  useQuery({ queryKey: queryKeys.endpoints, queryFn: fetchEndpoints, ...options })
export const useEndpoint = (name: string | undefined) =>
  useQuery({
    queryKey: queryKeys.endpoint(name ?? ''),
    queryFn: () => fetchEndpoint(name ?? ''),
    enabled: Boolean(name),
    // A version deploying (from another tab, or the API) settles within seconds: follow it.
    refetchInterval: (query) => (query.state.data?.status === 'deploying' ? 2000 : false),
  })
