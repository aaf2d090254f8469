import { Tooltip } from 'radix-ui'
import { useId, useState, type DragEvent, type KeyboardEvent, type ReactNode } from 'react'

import type { DatasetSummary, ModuleSpec, SampleDataset } from '../api/types'
import { filterDatasets, filterSamples, helpSummary, paletteGroups, plainHelp, useCatalog } from './catalog'
import { IMPORT_DATA_KEY } from './graph'
import { PALETTE_MIME, type PaletteDragPayload } from './DesignerCanvas'

const DATASETS_GROUP = 'Datasets'

function samplePayload(sample: SampleDataset): PaletteDragPayload {
  return { module: IMPORT_DATA_KEY, params: { data_source: 'Sample dataset', sample_dataset: sample.slug } }
}

function PaletteEntry({
  payload,
  testId,
  label,
  detail,
  help,
  hintId,
  onAdd,
}: {
  payload: PaletteDragPayload
  testId: string
  label: string
  detail?: string
  help: ReactNode
  hintId: string
  onAdd: (payload: PaletteDragPayload) => void
}) {
  const onDragStart = (event: DragEvent) => {
    event.dataTransfer.setData(PALETTE_MIME, JSON.stringify(payload))
    event.dataTransfer.setData('text/plain', label)
    event.dataTransfer.effectAllowed = 'copy'
  }
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault()
      onAdd(payload)
    }
  }
  return (
    <li>
      <Tooltip.Root delayDuration={400}>
        <Tooltip.Trigger asChild>
          <button
            type="button"
            className="palette-item"
            draggable
            data-testid={testId}
            onDragStart={onDragStart}
            onDoubleClick={() => onAdd(payload)}
            onKeyDown={onKeyDown}
            aria-describedby={hintId}
          >
            <span className="palette-item-title">{label}</span>
            {detail && <span className="palette-item-detail">{detail}</span>}
          </button>
        </Tooltip.Trigger>
        <Tooltip.Portal>
          <Tooltip.Content className="tooltip palette-tooltip" side="right" sideOffset={8} collisionPadding={8}>
            {help}
            <Tooltip.Arrow className="tooltip-arrow" />
          </Tooltip.Content>
        </Tooltip.Portal>
      </Tooltip.Root>
    </li>
  )
}

function datasetPayload(dataset: DatasetSummary): PaletteDragPayload {
  return {
    module: IMPORT_DATA_KEY,
    params: { data_source: 'Registered dataset', dataset: dataset.latest_version?.reference ?? dataset.reference },
  }
}

function ModuleHelp({ spec }: { spec: ModuleSpec }) {
  const text = plainHelp(spec.help)
  return (
    <div>
      <strong>{spec.title}</strong>
      <p className="tooltip-text">{text.length > 700 ? `${text.slice(0, 700)}…` : text}</p>
    </div>
  )
}

export function ModulePalette({ onAdd }: { onAdd: (payload: PaletteDragPayload) => void }) {
  const { specs, samples, datasets } = useCatalog()
  const [searchText, setSearchText] = useState('')
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set([DATASETS_GROUP]))
  const headingId = useId()
  const searchId = useId()
  const hintId = useId()
  const groups = paletteGroups(Object.values(specs), searchText)
  const visibleSamples = filterSamples(samples, searchText)
  const visibleDatasets = filterDatasets(datasets, searchText)
  const searching = searchText.trim() !== ''
  const total = groups.reduce((sum, group) => sum + group.modules.length, 0) + visibleSamples.length + visibleDatasets.length
  const moduleCount = Object.keys(specs).length

  const toggle = (category: string) =>
    setExpanded((current) => {
      const next = new Set(current)
      if (next.has(category)) next.delete(category)
      else next.add(category)
      return next
    })

  const allGroups = [
    ...(visibleSamples.length + visibleDatasets.length ? [{ category: DATASETS_GROUP, modules: [] as ModuleSpec[] }] : []),
    ...groups,
  ]

  return (
    <aside className="designer-panel designer-palette" aria-labelledby={headingId}>
      <h2 id={headingId} className="panel-heading">
        Modules
      </h2>
      <label htmlFor={searchId} className="visually-hidden">
        Search modules
      </label>
      <input
        id={searchId}
        className="palette-search"
        type="search"
        placeholder="Search modules and datasets"
        value={searchText}
        onChange={(event) => setSearchText(event.target.value)}
      />
      <p id={hintId} className="visually-hidden">
        Drag onto the canvas, or press Enter to add it to the middle of the canvas.
      </p>
      {moduleCount === 0 && samples.length === 0 ? (
        <p className="panel-empty">No modules available yet.</p>
      ) : total === 0 ? (
        <p className="panel-empty">No modules match “{searchText.trim()}”.</p>
      ) : (
        <div className="palette-groups">
          {allGroups.map((group) => {
            const open = searching || expanded.has(group.category)
            const listId = `palette-${group.category.replace(/[^a-z0-9]+/gi, '-')}`
            const count = group.category === DATASETS_GROUP ? visibleSamples.length + visibleDatasets.length : group.modules.length
            return (
              <section key={group.category} className="palette-group">
                <h3 className="palette-group-heading">
                  <button
                    type="button"
                    className="palette-group-toggle"
                    aria-expanded={open}
                    aria-controls={listId}
                    onClick={() => toggle(group.category)}
                  >
                    <span aria-hidden="true">{open ? '▾' : '▸'}</span> {group.category.replaceAll('/', ' › ')}{' '}
                    <span className="palette-group-count">{count}</span>
                  </button>
                </h3>
                {open && (
                  <ul id={listId} className="palette-list">
                    {group.category === DATASETS_GROUP
                      ? [
                          ...visibleDatasets.map((dataset) => (
                            <PaletteEntry
                              key={dataset.id}
                              payload={datasetPayload(dataset)}
                              testId={`palette-dataset-${dataset.id}`}
                              label={dataset.name}
                              detail={`Yours · v${dataset.latest_version?.number ?? 1}${
                                dataset.latest_version?.rows != null ? ` · ${dataset.latest_version.rows.toLocaleString()} rows` : ''
                              }`}
                              hintId={hintId}
                              onAdd={onAdd}
                              help={
                                <div>
                                  <strong>{dataset.name}</strong>
                                  {dataset.description && <p className="tooltip-text">{dataset.description}</p>}
                                  <p className="tooltip-text">Loads version {dataset.latest_version?.number} with Import Data.</p>
                                </div>
                              }
                            />
                          )),
                          ...visibleSamples.map((sample) => (
                          <PaletteEntry
                            key={sample.slug}
                            payload={samplePayload(sample)}
                            testId={`palette-sample-${sample.slug}`}
                            label={sample.title}
                            detail={`Sample · ${sample.task}`}
                            hintId={hintId}
                            onAdd={onAdd}
                            help={
                              <div>
                                <strong>{sample.title}</strong>
                                <p className="tooltip-text">{sample.description}</p>
                                <p className="tooltip-text">
                                  Label column: <code>{sample.label_column}</code> · {sample.licence}
                                </p>
                              </div>
                            }
                          />
                        )),
                        ]
                      : group.modules.map((spec) => (
                          <PaletteEntry
                            key={spec.key}
                            payload={{ module: spec.key }}
                            testId={`palette-module-${spec.key}`}
                            label={spec.title}
                            detail={searching ? helpSummary(spec.help).slice(0, 80) : undefined}
                            hintId={hintId}
                            onAdd={onAdd}
                            help={<ModuleHelp spec={spec} />}
                          />
                        ))}
                  </ul>
                )}
              </section>
            )
          })}
        </div>
      )}
    </aside>
  )
}
