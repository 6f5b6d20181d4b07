/**
 * The difference between two Dify graphs (two published versions, or a version and the draft): nodes
 * added, removed or changed (which `data` keys), and edges added or removed. Positions are layout, not
 * behaviour: a node that only moved is unchanged.
 */
import type { DifyEdge, DifyGraph } from '../api/types'

export type DiffStatus = 'added' | 'removed' | 'changed' | 'unchanged'

export interface NodeDiff {
  id: string
  type: string
  title: string
  status: DiffStatus
  /** The `data` keys whose values differ (changed nodes only). */
  keys: string[]
}

export interface EdgeDiff {
  key: string
  edge: DifyEdge
  status: Exclude<DiffStatus, 'changed'>
}

export interface GraphDiff {
  nodes: NodeDiff[]
  edges: EdgeDiff[]
}

/** UI state the editor writes into node data; never a change. */
const IGNORED_KEYS = new Set(['selected'])

/** JSON with object keys sorted, so key order is not a difference. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  )
}

function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].filter((k) => !IGNORED_KEYS.has(k) && canonical(a[k]) !== canonical(b[k])).sort()
}

export const edgeKey = (e: DifyEdge) =>
  `${e.source}|${e.sourceHandle ?? 'source'}|${e.target}|${e.targetHandle ?? 'target'}`

export function diffGraphs(base: DifyGraph | null, target: DifyGraph | null): GraphDiff {
  const before = new Map((base?.nodes ?? []).map((n) => [n.id, n]))
  const after = new Map((target?.nodes ?? []).map((n) => [n.id, n]))
  const nodes: NodeDiff[] = []
  for (const n of after.values()) {
    const old = before.get(n.id)
    const keys = old ? changedKeys(old.data, n.data) : []
    const status = !old ? 'added' : keys.length ? 'changed' : 'unchanged'
    nodes.push({ id: n.id, type: n.data.type, title: String(n.data.title ?? n.data.type), status, keys })
  }
  for (const n of before.values()) {
    if (!after.has(n.id)) nodes.push({ id: n.id, type: n.data.type, title: String(n.data.title ?? n.data.type), status: 'removed', keys: [] })
  }
  const oldEdges = new Map((base?.edges ?? []).map((e) => [edgeKey(e), e]))
  const newEdges = new Map((target?.edges ?? []).map((e) => [edgeKey(e), e]))
  const edges: EdgeDiff[] = [
    ...[...newEdges].map(([key, edge]) => ({ key, edge, status: oldEdges.has(key) ? 'unchanged' : 'added' }) as EdgeDiff),
    ...[...oldEdges].filter(([key]) => !newEdges.has(key)).map(([key, edge]) => ({ key, edge, status: 'removed' }) as EdgeDiff),
  ]
  return { nodes, edges }
}
