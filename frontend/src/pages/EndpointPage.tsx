import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Tabs } from 'radix-ui'
import { useState } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom'

import { errorMessage, isApiError } from '../api/client'
import { deleteEndpoint, queryKeys, useEndpoint } from '../api/resources'
import { ConsumePanel } from '../deploy/ConsumePanel'
import { MonitoringPanel } from '../deploy/MonitoringPanel'
import { endpointStatusClass } from '../deploy/status'
import { TestForm } from '../deploy/TestForm'
import { describeTraffic } from '../deploy/traffic'
import { VersionsPanel } from '../deploy/VersionsPanel'
import { useDocumentTitle } from '../useDocumentTitle'

const TABS = [
  ['consume', 'Consume'],
  ['test', 'Test'],
  ['versions', 'Versions'],
  ['monitoring', 'Monitoring'],
] as const
type Tab = (typeof TABS)[number][0]

function isTab(value: string | null): value is Tab {
  return TABS.some(([id]) => id === value)
}

function DeleteEndpoint({ name }: { name: string }) {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [asking, setAsking] = useState(false)
  const remove = useMutation({
    mutationFn: () => deleteEndpoint(name),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: queryKeys.endpoint(name) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.endpoints })
      navigate('/endpoints')
    },
  })
  return (
    <>
      {asking ? (
        <span className="confirm-inline" role="group" aria-label={`Delete ${name}?`}>
          <span>Delete {name}? Its URL stops answering.</span>
          <button type="button" className="button-secondary button-danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
            {remove.isPending ? 'Deleting…' : 'Delete'}
          </button>
          <button type="button" className="button-secondary" onClick={() => setAsking(false)}>
            Keep
          </button>
        </span>
      ) : (
        <button type="button" className="button-secondary button-danger" onClick={() => setAsking(true)}>
          Delete endpoint
        </button>
      )}
      {remove.isError && (
        <p className="form-error" role="alert">
          {errorMessage(remove.error)}
        </p>
      )}
    </>
  )
}

/** One endpoint: how to call it, a test form, its versions and traffic, and its monitoring. */
export function EndpointPage() {
  const { name } = useParams()
  const [search, setSearch] = useSearchParams()
  const endpoint = useEndpoint(name)
  useDocumentTitle(name ? `Endpoint ${name}` : 'Endpoint')
  const requested = search.get('tab')
  const tab: Tab = isTab(requested) ? requested : 'consume'

  if (endpoint.isError) {
    return (
      <section className="content-page" role="alert">
        <p>
          {isApiError(endpoint.error) && endpoint.error.status === 404
            ? 'This endpoint does not exist or is not yours.'
            : `Could not load the endpoint. ${errorMessage(endpoint.error)}`}
        </p>
        <Link to="/endpoints">All endpoints</Link>
      </section>
    )
  }
  if (endpoint.isPending) {
    return (
      <p className="page-status" role="status">
        Loading the endpoint…
      </p>
    )
  }
  const detail = endpoint.data
  return (
    <section className="content-page wide-page">
      <p className="breadcrumb">
        <Link to="/endpoints">Endpoints</Link> /
      </p>
      <div className="page-heading">
        <h1>
          {detail.name}{' '}
          <span className={endpointStatusClass(detail.status)} data-testid="endpoint-status">
            {detail.status}
          </span>
        </h1>
        <DeleteEndpoint name={detail.name} />
      </div>
      {detail.description && <p className="page-intro">{detail.description}</p>}
      <p className="card-meta">
        Serving {describeTraffic(detail.traffic)} · {detail.versions.length}{' '}
        {detail.versions.length === 1 ? 'version' : 'versions'}
      </p>
      {detail.status_reason && (
        <p className={detail.status === 'failed' ? 'form-error' : 'banner-info'} role="status">
          {detail.status_reason}
        </p>
      )}
      <Tabs.Root
        value={tab}
        onValueChange={(value) => setSearch({ tab: value }, { replace: true })}
        className="endpoint-tabs"
      >
        <Tabs.List className="tab-list" aria-label={`Endpoint ${detail.name}`}>
          {TABS.map(([id, label]) => (
            <Tabs.Trigger key={id} value={id} className="tab">
              {label}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        <Tabs.Content value="consume" className="tab-panel">
          <ConsumePanel endpoint={detail} />
        </Tabs.Content>
        <Tabs.Content value="test" className="tab-panel">
          {detail.status === 'failed' && !detail.serving_versions.length ? (
            <p className="panel-empty">No version passed its checks, so there is nothing to test. See Versions.</p>
          ) : (
            <TestForm endpoint={detail} />
          )}
        </Tabs.Content>
        <Tabs.Content value="versions" className="tab-panel">
          <VersionsPanel endpoint={detail} />
        </Tabs.Content>
        <Tabs.Content value="monitoring" className="tab-panel">
          <MonitoringPanel endpoint={detail} />
        </Tabs.Content>
      </Tabs.Root>
    </section>
  )
}
