/** The name a new pipeline starts with, until the user renames it. */
export function newPipelineName(now: Date = new Date()): string {
  return `Pipeline ${now.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`
}
