import { Link } from 'react-router-dom'

import { errorMessage } from '../api/client'
import { useEndpoints } from '../api/resources'
import { endpointStatusClass } from '../deploy/status'
import { describeTraffic } from '../deploy/traffic'
import { formatWhen } from '../formatTime'
import { useDocumentTitle } from '../useDocumentTitle'

export function EndpointsPage() {
  useDocumentTitle('Endpoints')
  const endpoints = useEndpoints({ refetchInterval: 10_000 })
  return (
    <section className="content-page">
      <h1>Endpoints</h1>
      <p className="page-intro">
        Real-time scoring endpoints. Deploy one from a completed training run: open the run and press <strong>Deploy</strong>.
      </p>
      {endpoints.isError ? (
        <p className="form-error" role="alert">
          Could not load the endpoints. {errorMessage(endpoints.error)}
        </p>
      ) : endpoints.isPending ? (
        <p className="page-status">Loading endpoints…</p>
      ) : endpoints.data.length === 0 ? (
        <p className="panel-empty">
          No endpoints yet. Open a completed run from <Link to="/runs">Runs</Link> and press Deploy.
        </p>
      ) : (
        <table className="data-table run-table" data-testid="endpoint-table">
          <caption className="visually-hidden">Endpoints</caption>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Status</th>
              <th scope="col">Traffic</th>
              <th scope="col">Scoring URL</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.map((endpoint) => (
              <tr key={endpoint.name}>
                <td>
                  <Link to={`/endpoints/${endpoint.name}`}>{endpoint.name}</Link>
                </td>
                <td>
                  <span className={endpointStatusClass(endpoint.status)}>{endpoint.status}</span>
                  {endpoint.status_reason && <div className="card-meta">{endpoint.status_reason}</div>}
                </td>
                <td>{describeTraffic(endpoint.traffic)}</td>
                <td>
                  <code>{endpoint.scoring_url}</code>
                </td>
                <td>{formatWhen(endpoint.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
