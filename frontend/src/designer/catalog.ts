/** The module catalogue as the canvas uses it: lookup by key, palette grouping, search, port colours. */
import { createContext, useContext } from 'react'

import type { DatasetSummary, ModuleSpec, SampleDataset } from '../api/types'

export interface Catalog {
  specs: Readonly<Record<string, ModuleSpec>>
  samples: readonly SampleDataset[]
  /** The user's registered datasets (with at least one version). */
  datasets: readonly DatasetSummary[]
}

export const EMPTY_CATALOG: Catalog = { specs: {}, samples: [], datasets: [] }
export const CatalogContext = createContext<Catalog>(EMPTY_CATALOG)
export const useCatalog = () => useContext(CatalogContext)

export function catalogFrom(
  modules: readonly ModuleSpec[],
  samples: readonly SampleDataset[] = [],
  datasets: readonly DatasetSummary[] = [],
): Catalog {
  return {
    specs: Object.fromEntries(modules.map((spec) => [spec.key, spec])),
    samples,
    datasets: datasets.filter((dataset) => dataset.latest_version),
  }
}

/** The registered dataset a reference ("<id>@<version>") points at, and the version number. */
export function datasetFor(
  datasets: readonly DatasetSummary[],
  reference: unknown,
): { dataset: DatasetSummary; version: string } | null {
  if (typeof reference !== 'string' || !reference) return null
  const [id, version = ''] = reference.split('@')
  const dataset = datasets.find((candidate) => candidate.id === id || candidate.reference === reference)
  return dataset ? { dataset, version } : null
}

export function filterDatasets(datasets: readonly DatasetSummary[], searchText: string): DatasetSummary[] {
  const needle = searchText.trim().toLowerCase()
  if (!needle) return [...datasets]
  return datasets.filter((dataset) => [dataset.name, dataset.description].some((text) => (text ?? '').toLowerCase().includes(needle)))
}

/** Palette order: the data flows top to bottom, like a pipeline is built. */
const CATEGORY_ORDER = [
  'Data Input and Output',
  'Data Transformation',
  'Feature Selection',
  'Statistical Functions',
  'Machine Learning Algorithms',
  'Model Training',
  'Model Scoring & Evaluation',
  'Python Language',
  'Text Analytics',
  'Recommendation',
  'Anomaly Detection',
  'Web Service',
]

function categoryRank(category: string): number {
  const index = CATEGORY_ORDER.findIndex((name) => category === name || category.startsWith(`${name}/`))
  return index === -1 ? CATEGORY_ORDER.length : index
}

/** Help text without the markdown marks and the docstring's indentation, for tooltips. */
export function plainHelp(help: string): string {
  return help
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/``(.+?)``/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** The first paragraph of the help: what the module does, in a sentence or two. */
export function helpSummary(help: string): string {
  return plainHelp(help).split('\n\n', 1)[0].replace(/\n/g, ' ')
}

export interface PaletteGroup {
  category: string
  modules: ModuleSpec[]
}

/** Modules matching the search text (title, help, category or key), grouped by category in palette order. */
export function paletteGroups(specs: Iterable<ModuleSpec>, searchText: string): PaletteGroup[] {
  const needle = searchText.trim().toLowerCase()
  const groups = new Map<string, ModuleSpec[]>()
  for (const spec of specs) {
    if (needle && ![spec.title, spec.help, spec.category, spec.key].some((text) => text.toLowerCase().includes(needle))) {
      continue
    }
    groups.set(spec.category, [...(groups.get(spec.category) ?? []), spec])
  }
  return [...groups.entries()]
    .map(([category, modules]) => ({ category, modules: modules.sort((a, b) => a.title.localeCompare(b.title)) }))
    .sort((a, b) => categoryRank(a.category) - categoryRank(b.category) || a.category.localeCompare(b.category))
}

export function filterSamples(samples: readonly SampleDataset[], searchText: string): SampleDataset[] {
  const needle = searchText.trim().toLowerCase()
  if (!needle) return [...samples]
  return samples.filter((sample) =>
    [sample.title, sample.description, sample.slug, sample.task].some((text) => text.toLowerCase().includes(needle)),
  )
}

/** One colour per port type, so matching ports are easy to spot; the type is also in the label. */
export const PORT_COLORS: Record<string, string> = {
  dataset: '#2f80ed',
  untrained_model: '#9b51e0',
  trained_model: '#27ae60',
  transformation: '#f2994a',
  evaluation: '#eb5757',
  untrained_cluster_model: '#bb6bd9',
  trained_cluster_model: '#219653',
  trained_recommender: '#56ccf2',
  script_bundle: '#828282',
}

export function portColor(type: string): string {
  return PORT_COLORS[type] ?? '#8a94a6'
}
