/**
 * One data hook per resource of the API, on TanStack Query. Fetchers are plain functions so that
 * non-React code (autosave, submit) can call them too.
 */
import { useQuery } from '@tanstack/react-query'

import { api } from './client'
import type {
  DatasetSummary,
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
