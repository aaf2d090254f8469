import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useNavigate } from 'react-router-dom'

import { errorMessage } from '../api/client'
import { instantiateTemplate, queryKeys, useTemplates } from '../api/resources'
import type { TemplateCard } from '../api/types'
import { useDebouncedValue } from '../useDebouncedValue'
import { difficultyLabel, keyMetricText, TASK_TYPE_LABELS, taskTypeLabel } from './labels'

function TemplateCardView({
  template,
  onUse,
  busy,
  disabled,
}: {
  template: TemplateCard
  onUse: (template: TemplateCard) => void
  busy: boolean
  disabled: boolean
}) {
  const titleId = useId()
  const metric = template.key_metric
  return (
    <li className="template-card" aria-labelledby={titleId} data-testid={`template-${template.slug}`}>
      <img
        className="template-thumbnail"
        src={template.thumbnail_url}
        alt=""
        loading="lazy"
        width={320}
        height={180}
      />
      <div className="template-body">
        <h3 id={titleId} className="template-title">
          {template.title}
        </h3>
        <div className="template-badges">
          <span className={`badge badge-task task-${template.task_type}`}>{taskTypeLabel(template.task_type)}</span>
          <span className={`badge badge-difficulty difficulty-${template.difficulty}`}>
            {difficultyLabel(template.difficulty)}
          </span>
          {template.deployable && <span className="badge">Deployable</span>}
        </div>
        <p className="template-description" title={template.description}>
          {template.description}
        </p>
        <p className="template-metric" title={metric.higher_is_better === false ? 'Lower is better' : 'Higher is better'}>
          Reaches <strong>{keyMetricText(metric)}</strong>
          {metric.higher_is_better === false ? ' (lower is better)' : ''}
        </p>
      </div>
      <div className="template-actions">
        <button
          type="button"
          className="button-primary"
          onClick={() => onUse(template)}
          disabled={disabled}
          aria-label={`Use template ${template.title}`}
        >
          {busy ? 'Opening…' : 'Use template'}
        </button>
      </div>
    </li>
  )
}

/** The template gallery: ready-to-run sample pipelines, filtered by task type and searched by words. */
export function TemplateGallery() {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [taskType, setTaskType] = useState('')
  const [search, setSearch] = useState('')
  const deferredSearch = useDebouncedValue(search.trim())
  const templates = useTemplates({ task_type: taskType || undefined, q: deferredSearch || undefined })
  const searchId = useId()
  const taskId = useId()

  const use = useMutation({
    mutationFn: (template: TemplateCard) => instantiateTemplate(template.slug),
    onSuccess: (pipeline) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.pipelines })
      navigate(`/designer/${pipeline.id}`)
    },
  })

  return (
    <section className="template-gallery" aria-labelledby="template-gallery-heading" id="templates">
      <div className="gallery-heading">
        <h2 id="template-gallery-heading">Start from a template</h2>
        <div className="filters gallery-filters" role="search">
          <label htmlFor={taskId}>Task</label>
          <select id={taskId} value={taskType} onChange={(event) => setTaskType(event.target.value)}>
            <option value="">All tasks</option>
            {Object.entries(TASK_TYPE_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <label htmlFor={searchId} className="visually-hidden">
            Search templates
          </label>
          <input
            id={searchId}
            type="search"
            placeholder="Search templates"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
      </div>
      {use.isError && (
        <p className="form-error" role="alert">
          Could not create a pipeline from the template. {errorMessage(use.error)}
        </p>
      )}
      {templates.isError ? (
        <p className="form-error" role="alert">
          Could not load the templates. {errorMessage(templates.error)}
        </p>
      ) : templates.isPending ? (
        <p className="page-status" role="status">
          Loading templates…
        </p>
      ) : templates.data.length === 0 ? (
        <p className="panel-empty">
          No templates match{deferredSearch ? ` “${deferredSearch}”` : ''}
          {taskType ? ` in ${taskTypeLabel(taskType)}` : ''}.
        </p>
      ) : (
        <ul className="template-grid" aria-label="Templates" aria-busy={templates.isFetching}>
          {templates.data.map((template) => (
            <TemplateCardView
              key={template.slug}
              template={template}
              onUse={(chosen) => use.mutate(chosen)}
              busy={use.isPending && use.variables?.slug === template.slug}
              disabled={use.isPending}
            />
          ))}
        </ul>
      )}
    </section>
  )
}
