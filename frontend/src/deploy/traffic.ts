/**
 * Traffic split between an endpoint's versions, checked in the browser by the same rules the server
 * applies (designer/deployments/services.py set_traffic), so the control explains a bad split before
 * it is sent: one or two versions, whole percentages from 0 to 100 adding up to 100, and only versions
 * that passed their parity check.
 */
import type { EndpointVersion } from '../api/types'

export type Traffic = Record<string, number>

/**
 * All traffic to `main`, or `share` percent of it to `canary`. A share outside 0-100 is passed on as
 * typed, for validateTraffic to explain, rather than quietly clamped.
 */
export function splitTraffic(main: number, canary: number | null, share: number): Traffic {
  if (canary === null || canary === main || share === 0) return { [String(main)]: 100 }
  if (share === 100) return { [String(canary)]: 100 }
  return { [String(main)]: 100 - share, [String(canary)]: share }
}

export function validateTraffic(traffic: Traffic, versions: readonly EndpointVersion[]): string[] {
  const problems: string[] = []
  const entries = Object.entries(traffic)
  if (entries.length < 1 || entries.length > 2) {
    problems.push('Send the traffic to one version, or split it between two.')
  }
  for (const [number, share] of entries) {
    if (!Number.isInteger(share) || share < 0 || share > 100) {
      problems.push(`Version ${number}: the share must be a whole percentage from 0 to 100.`)
    }
    const version = versions.find((candidate) => String(candidate.number) === number)
    if (!version) problems.push(`This endpoint has no version ${number}.`)
    else if (version.status !== 'healthy') {
      problems.push(`Version ${number} did not pass its parity check and cannot serve.`)
    }
  }
  const total = entries.reduce((sum, [, share]) => sum + (Number.isFinite(share) ? share : 0), 0)
  if (entries.length && total !== 100) problems.push(`The shares add up to ${total}%, not 100%.`)
  return problems
}

/** "v1 90% · v2 10%" */
export function describeTraffic(traffic: Traffic): string {
  const entries = Object.entries(traffic).filter(([, share]) => share > 0)
  if (!entries.length) return 'No traffic'
  return entries
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([number, share]) => `v${number} ${share}%`)
    .join(' · ')
}

export function sameTraffic(a: Traffic, b: Traffic): boolean {
  const positive = (traffic: Traffic) =>
    Object.entries(traffic)
      .filter(([, share]) => share > 0)
      .sort(([x], [y]) => Number(x) - Number(y))
  return JSON.stringify(positive(a)) === JSON.stringify(positive(b))
}
