import type { ModuleSpec, ParamsSchema, PortSpec, SampleDataset } from '../api/types'

const port = (name: string, type: string, optional = false): PortSpec => ({
  name,
  title: name.replaceAll('_', ' ').replace(/^./, (letter) => letter.toUpperCase()),
  type,
  optional,
  description: '',
})

const flags = { deterministic: true, pass_through_at_inference: false, training_only: false, gpu_capable: false }
const noParams: ParamsSchema = { properties: {}, required: [], 'x-order': [], 'x-ui': {} }

function spec(key: string, title: string, category: string, inputs: PortSpec[], outputs: PortSpec[], params = noParams): ModuleSpec {
  return { key, version: 1, title, category, help: `${title} does its job.\n\n    More **details** here.`, inputs, outputs, params_schema: params, flags }
}

export const importData = spec('data_input_output.import_data', 'Import Data', 'Data Input and Output', [], [port('results_dataset', 'dataset')], {
  properties: {
    data_source: { type: 'string', enum: ['Registered dataset', 'Sample dataset'], title: 'Data source', default: 'Registered dataset' },
    sample_dataset: { type: 'string', enum: ['iris', 'breast-cancer'], title: 'Sample dataset', default: 'iris' },
  },
  required: ['data_source'],
  'x-order': ['data_source', 'sample_dataset'],
  'x-ui': {
    data_source: { widget: 'select' },
    sample_dataset: { widget: 'select', visible_when: { data_source: ['Sample dataset'] } },
  },
})

export const splitData = spec(
  'data_transformation.split_data',
  'Split Data',
  'Data Transformation',
  [port('dataset', 'dataset')],
  [port('results_dataset1', 'dataset'), port('results_dataset2', 'dataset')],
  {
    properties: {
      splitting_mode: { type: 'string', enum: ['Split Rows', 'Regular Expression'], title: 'Splitting mode', default: 'Split Rows' },
      fraction_of_rows_in_the_first_output_dataset: { type: 'number', title: 'Fraction of rows', default: 0.5, minimum: 0, maximum: 1 },
      random_seed: { type: 'integer', title: 'Random seed', default: 0, minimum: 0, maximum: 4294967295 },
      stratified_split: { type: 'string', enum: ['True', 'False'], title: 'Stratified split', default: 'False' },
      stratification_key_column: { title: 'Stratification key column', type: ['object', 'array', 'string', 'null'] },
      regular_expression: { type: 'string', title: 'Regular expression', default: '"name" ^A' },
    },
    required: ['splitting_mode'],
    'x-order': [
      'splitting_mode',
      'fraction_of_rows_in_the_first_output_dataset',
      'random_seed',
      'stratified_split',
      'stratification_key_column',
      'regular_expression',
    ],
    'x-ui': {
      splitting_mode: { widget: 'select' },
      fraction_of_rows_in_the_first_output_dataset: { widget: 'number', visible_when: { splitting_mode: ['Split Rows'] } },
      random_seed: { widget: 'number', advanced: true, visible_when: { splitting_mode: ['Split Rows'] } },
      stratified_split: { widget: 'select', visible_when: { splitting_mode: ['Split Rows'] } },
      stratification_key_column: {
        widget: 'columns',
        port: 'dataset',
        single: true,
        visible_when: { splitting_mode: ['Split Rows'], stratified_split: ['True'] },
      },
      regular_expression: { widget: 'text', visible_when: { splitting_mode: ['Regular Expression'] } },
    },
  },
)

export const boostedTree = spec(
  'classification.two_class_boosted_decision_tree',
  'Two-Class Boosted Decision Tree',
  'Machine Learning Algorithms/Classification',
  [],
  [port('untrained_model', 'untrained_model')],
)

export const trainModel = spec(
  'model_training.train_model',
  'Train Model',
  'Model Training',
  [port('untrained_model', 'untrained_model'), port('dataset', 'dataset')],
  [port('trained_model', 'trained_model')],
  {
    properties: { label_column: { title: 'Label column', type: ['object', 'array', 'string', 'null'] } },
    required: [],
    'x-order': ['label_column'],
    'x-ui': { label_column: { widget: 'columns', port: 'dataset', single: true } },
  },
)

export const scoreModel = spec(
  'model_scoring_evaluation.score_model',
  'Score Model',
  'Model Scoring & Evaluation',
  [port('trained_model', 'trained_model'), port('dataset', 'dataset')],
  [port('scored_dataset', 'dataset')],
)

export const evaluateModel = spec(
  'model_scoring_evaluation.evaluate_model',
  'Evaluate Model',
  'Model Scoring & Evaluation',
  [port('scored_dataset', 'dataset'), port('scored_dataset_to_compare', 'dataset', true)],
  [port('evaluation_results', 'evaluation')],
)

export const ALL_MODULES = [importData, splitData, boostedTree, trainModel, scoreModel, evaluateModel]
export const SPECS = Object.fromEntries(ALL_MODULES.map((module) => [module.key, module]))

export const SAMPLES: SampleDataset[] = [
  {
    slug: 'breast-cancer',
    title: 'Breast cancer (Wisconsin diagnostic)',
    description: '30 measurements of cell nuclei from 569 breast masses.',
    task: 'binary',
    label_column: 'diagnosis',
    source: 'UCI',
    licence: 'CC BY 4.0',
  },
]
