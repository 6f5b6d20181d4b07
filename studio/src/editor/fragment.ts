/**
 * Dify DSL fragments, the copy/paste format: the selected nodes (with their containers' children) and the
 * edges between them, in Dify's node/edge shape. A paste gets new ids, with the edges and the references
 * between pasted nodes remapped, and is moved clear of the nodes already on the canvas. Pure functions
 * (clipboard.ts does the clipboard and the store).
 */
import type { DifyGraph, DifyNode } from '../api/types'
import { type FlowEdge, type FlowNode, fromDify, toDify } from './graph'

export const FRAGMENT_KIND = 'dify-graph-fragment'

export interface Fragment {
  kind: typeof FRAGMENT_KIND
  graph: Pick<DifyGraph, 'nodes' | 'edges'>
}

/** Nodes that are never copied: the start (one per workflow) and triggers; a container's start marker comes with its container. */
const NOT_COPIED = new Set(['start', 'trigger-webhook', 'trigger-schedule', 'trigger-plugin'])
const MARKER_TYPES = new Set(['iteration-start', 'loop-start'])
const CONTAINER_KEYS = ['isInIteration', 'isInLoop', 'iteration_id', 'loop_id'] as const
const GAP = 80

/** The fragment for the selected nodes, or null when none can be copied. */
export function fragmentOf(nodes: FlowNode[], edges: FlowEdge[], selected: Set<string>,
  extras = new Map<string, Record<string, unknown>>()): Fragment | null {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const picked = new Set(
    nodes.filter((n) => selected.has(n.id) && !NOT_COPIED.has(n.data.type) && !MARKER_TYPES.has(n.data.type)).map((n) => n.id),
  )
  for (const n of nodes) if (n.parentId && picked.has(n.parentId)) picked.add(n.id) // a container's children
  if (!picked.size) return null
  const absolute = (n: FlowNode): { x: number; y: number } => {
    const parent = n.parentId ? byId.get(n.parentId) : undefined
    if (!parent) return n.position
    const p = absolute(parent)
    return { x: p.x + n.position.x, y: p.y + n.position.y }
  }
  const subset = nodes.filter((n) => picked.has(n.id)).map((n) => {
    if (!n.parentId || picked.has(n.parentId)) return n
    // Copied without its container: it is pasted at the top level.
    const data = { ...n.data }
    for (const key of CONTAINER_KEYS) delete data[key]
    const { parentId: _parent, extent: _extent, ...rest } = n
    return { ...rest, position: absolute(n), data, zIndex: undefined }
  })
  const between = edges.filter((e) => picked.has(e.source) && picked.has(e.target))
  const { nodes: outNodes, edges: outEdges } = toDify(subset, between, extras, { x: 0, y: 0, zoom: 1 })
  return { kind: FRAGMENT_KIND, graph: { nodes: outNodes, edges: outEdges } }
}

/** The graph in a pasted text: a fragment, a graph, or a whole DSL exported as JSON. */
export function parseFragment(text: string): Pick<DifyGraph, 'nodes' | 'edges'> | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  const obj = (value ?? {}) as Record<string, any>
  const graph = obj.graph ?? obj.workflow?.graph ?? obj
  const nodes = graph?.nodes
  if (!Array.isArray(nodes) || !nodes.length) return null
  if (!nodes.every((n: DifyNode) => n && typeof n.id === 'string' && typeof n.data?.type === 'string')) return null
  return { nodes, edges: Array.isArray(graph.edges) ? graph.edges : [] }
}

/** Deep copy of a node's data with the pasted nodes' old ids replaced by their new ones. */
export function remapData(value: unknown, ids: Map<string, string>, key = ''): unknown {
  if (typeof value === 'string') {
    if ((key === 'start_node_id' || key === 'iteration_id' || key === 'loop_id') && ids.has(value)) return ids.get(value)
    return value.replace(/\{\{#([^#{}.]+)\./g, (whole, id: string) => (ids.has(id) ? `{{#${ids.get(id)}.` : whole))
  }
  if (Array.isArray(value)) {
    const selector = value.length >= 2 && value.every((x) => typeof x === 'string') && ids.has(value[0])
    if (selector) return [ids.get(value[0]), ...value.slice(1)]
    return value.map((item) => remapData(item, ids, key))
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, remapData(v, ids, k)]))
  }
  return value
}

const box = (n: FlowNode) => ({
  x: n.position.x,
  y: n.position.y,
  w: n.width ?? n.measured?.width ?? 244,
  h: n.height ?? n.measured?.height ?? 90,
})

/** The pasted nodes and edges with new ids, placed below the existing nodes when they would overlap them. */
export function instantiate(graph: Pick<DifyGraph, 'nodes' | 'edges'>, existing: FlowNode[], newId: () => string) {
  const pastedExtras = new Map<string, Record<string, unknown>>()
  const parsed = fromDify({ nodes: graph.nodes, edges: graph.edges }, pastedExtras)
  const ids = new Map<string, string>()
  for (const n of parsed.nodes) if (!MARKER_TYPES.has(n.data.type)) ids.set(n.id, newId())
  for (const n of parsed.nodes) {
    if (ids.has(n.id)) continue
    ids.set(n.id, n.parentId && ids.has(n.parentId) ? `${ids.get(n.parentId)}start` : newId())
  }
  const top = parsed.nodes.filter((n) => !n.parentId).map(box)
  const others = existing.filter((n) => !n.parentId).map(box)
  const overlaps = top.some((a) => others.some((b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h))
  const dy = overlaps
    ? Math.max(...others.map((b) => b.y + b.h)) + GAP - Math.min(...top.map((a) => a.y))
    : 0
  const nodes: FlowNode[] = parsed.nodes.map((n) => ({
    ...n,
    id: ids.get(n.id)!,
    parentId: n.parentId ? ids.get(n.parentId) : undefined,
    position: n.parentId ? n.position : { x: n.position.x, y: n.position.y + dy },
    data: { ...(remapData(n.data, ids) as FlowNode['data']), selected: false },
    selected: !n.parentId,
  }))
  for (const n of nodes) if (!n.parentId) delete n.parentId
  const edges: FlowEdge[] = parsed.edges.map((e) => {
    const source = ids.get(e.source)!
    const target = ids.get(e.target)!
    return {
      ...e,
      id: `${source}-${e.sourceHandle ?? 'source'}-${target}-${e.targetHandle ?? 'target'}`,
      source,
      target,
      data: remapData(e.data ?? {}, ids) as Record<string, unknown>,
    }
  })
  const remappedExtras = new Map([...pastedExtras].map(([id, rest]) => [ids.get(id)!, rest]))
  return { nodes, edges, extras: remappedExtras }
}
