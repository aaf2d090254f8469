/**
 * The server's port rule, mirrored so the canvas can refuse a connection while it is being dragged:
 * an output feeds an input only when their port types are equal, an input takes one edge, and the
 * graph stays acyclic. The server checks the same again when validating and submitting.
 */
import type { ModuleSpec, PortSpec } from '../api/types'

export interface ConnectionAttempt {
  source: string | null
  sourceHandle?: string | null
  target: string | null
  targetHandle?: string | null
}

export interface GraphShape {
  /** Module key of every node, by node id. */
  moduleOf: (nodeId: string) => string | undefined
  edges: readonly { source: string; target: string; targetHandle?: string | null }[]
}

export type ConnectionVerdict = { ok: true } | { ok: false; reason: string }

const TYPE_NAMES: Record<string, string> = {
  dataset: 'dataset',
  untrained_model: 'untrained model',
  trained_model: 'trained model',
  transformation: 'transformation',
  evaluation: 'evaluation results',
  untrained_cluster_model: 'untrained clustering model',
  trained_cluster_model: 'trained clustering model',
  trained_recommender: 'trained recommender',
  script_bundle: 'script bundle',
}

/** A port type in words, e.g. "trained model". */
export function portTypeName(type: string): string {
  return TYPE_NAMES[type] ?? type.replaceAll('_', ' ')
}

/** "a dataset", "an untrained model". */
export function withArticle(words: string): string {
  return `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words}`
}

function findPort(ports: readonly PortSpec[], name: string | null | undefined): PortSpec | undefined {
  return ports.find((port) => port.name === name)
}

/** True when `to` can already reach `from` by following edges: a new edge from→to closes a cycle. */
function reaches(start: string, goal: string, edges: GraphShape['edges']): boolean {
  const children = new Map<string, string[]>()
  for (const edge of edges) children.set(edge.source, [...(children.get(edge.source) ?? []), edge.target])
  const seen = new Set([start])
  const stack = [start]
  while (stack.length) {
    const current = stack.pop() as string
    if (current === goal) return true
    for (const child of children.get(current) ?? []) {
      if (!seen.has(child)) {
        seen.add(child)
        stack.push(child)
      }
    }
  }
  return false
}

export function checkConnection(
  attempt: ConnectionAttempt,
  graph: GraphShape,
  specs: Readonly<Record<string, ModuleSpec>>,
): ConnectionVerdict {
  const { source, sourceHandle, target, targetHandle } = attempt
  if (!source || !target) return { ok: false, reason: 'Drop the connection on a port.' }
  if (source === target) return { ok: false, reason: 'A module cannot be connected to itself.' }
  const sourceSpec = specs[graph.moduleOf(source) ?? '']
  const targetSpec = specs[graph.moduleOf(target) ?? '']
  if (!sourceSpec || !targetSpec) return { ok: false, reason: 'One of these modules is unknown to the server.' }
  const output = findPort(sourceSpec.outputs, sourceHandle)
  const input = findPort(targetSpec.inputs, targetHandle)
  if (!output || !input) return { ok: false, reason: 'Connect an output (bottom) to an input (top).' }
  if (output.type !== input.type) {
    return {
      ok: false,
      reason:
        `${sourceSpec.title}'s “${output.title}” is ${withArticle(portTypeName(output.type))}, but ` +
        `${targetSpec.title}'s “${input.title}” takes ${withArticle(portTypeName(input.type))}.`,
    }
  }
  const taken = graph.edges.some((edge) => edge.target === target && edge.targetHandle === input.name)
  if (taken) {
    return {
      ok: false,
      reason: `${targetSpec.title}'s “${input.title}” is already connected; an input takes one connection. Delete that one first.`,
    }
  }
  if (reaches(target, source, graph.edges)) {
    return { ok: false, reason: 'This connection would make a loop; pipelines flow one way.' }
  }
  return { ok: true }
}
