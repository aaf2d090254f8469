/** Endpoint names are part of the scoring URL: the server's rule, checked as the user types. */
export const ENDPOINT_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

export function endpointNameProblem(name: string): string | null {
  if (!name) return 'Give the endpoint a name.'
  if (name.length > 63) return 'At most 63 characters.'
  if (!ENDPOINT_NAME_PATTERN.test(name)) {
    return 'Use lowercase letters, digits and dashes, starting and ending with a letter or digit.'
  }
  return null
}

/** "Penguins (multiclass) v2" → "penguins-multiclass-v2": a valid name suggested from the pipeline's. */
export function suggestEndpointName(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '')
  return slug || 'my-endpoint'
}
