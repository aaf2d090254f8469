/** `deploying` / `healthy` / `failed` in the run statuses' colours. */
export function endpointStatusClass(status: string): string {
  return `status-pill status-${status === 'healthy' ? 'completed' : status === 'failed' ? 'failed' : 'running'}`
}
