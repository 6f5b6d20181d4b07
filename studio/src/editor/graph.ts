/** Dify graph JSON <-> React Flow nodes and edges; the fields React Flow does not use round-trip untouched. */
import type { Edge, Node } from '@xyflow/react'
import type { DifyEdge, DifyGraph, DifyNode } from '../api/types'
import { CONTAINER_TYPES, type NodeData } from './blocks'

export type FlowNode = Node<NodeData>
export type FlowEdge = Edge<Record<string, unknown>>

/** Node type keys of React Flow (Dify's own names, so exports stay Dify-shaped). */
export const START_MARKER_TYPES = new Set(['custom-iteration-start', 'custom-loop-start'])

const isSized = (n: { type?: string; data: { type: string } }) =>
  CONTAINER_TYPES.has(n.data.type) || START_MARKER_TYPES.has(n.type ?? '') || n.type === 'custom-note'

/** Parents first: React Flow requires a parent to precede its children. */
function parentsFirst<T extends { id: string; parentId?: string }>(nodes: T[]): T[] {
  const parents = nodes.filter((n) => !n.parentId)
  return [...parents, ...nodes.filter((n) => n.parentId)]
}

export function fromDify(graph: DifyGraph | null, extras: Map<string, Record<string, unknown>>) {
  extras.clear()
  const nodes: FlowNode[] = parentsFirst(graph?.nodes ?? []).map((n: DifyNode, i) => {
    const { id, type, data, position, width, height, parentId, zIndex, ...rest } = n
    extras.set(id, rest)
    const node: FlowNode = {
      id,
      type: type ?? 'custom',
      data: data as NodeData,
      // A node saved without a position (the gateway's blank apps) is put in a row, not on top of the others.
      position: position ? { x: Number(position.x ?? 0), y: Number(position.y ?? 0) } : { x: i * 320, y: 0 },
      zIndex,
    }
    if (parentId) {
      node.parentId = parentId
      node.extent = 'parent'
    }
    if (isSized(node) && width && height) {
      node.width = width
      node.height = height
    }
    if (START_MARKER_TYPES.has(node.type ?? '')) node.draggable = false
    return node
  })
  const ids = new Set(nodes.map((n) => n.id))
  const edges: FlowEdge[] = (graph?.edges ?? [])
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e: DifyEdge) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: e.sourceHandle ?? 'source',
      targetHandle: e.targetHandle ?? 'target',
      type: 'custom',
      data: e.data ?? {},
      zIndex: e.zIndex,
    }))
  return { nodes, edges }
}

export function toDify(
  nodes: FlowNode[],
  edges: FlowEdge[],
  extras: Map<string, Record<string, unknown>>,
  viewport: { x: number; y: number; zoom: number },
): DifyGraph {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const absolute = (n: FlowNode): { x: number; y: number } => {
    const parent = n.parentId ? byId.get(n.parentId) : undefined
    if (!parent) return n.position
    const p = absolute(parent)
    return { x: p.x + n.position.x, y: p.y + n.position.y }
  }
  return {
    nodes: nodes.map((n) => {
      const out: DifyNode = {
        ...(extras.get(n.id) ?? {}),
        id: n.id,
        type: n.type ?? 'custom',
        data: { ...n.data, selected: false },
        position: n.position,
        positionAbsolute: absolute(n),
        width: Math.round(n.width ?? n.measured?.width ?? 244),
        height: Math.round(n.height ?? n.measured?.height ?? 90),
        sourcePosition: 'right',
        targetPosition: 'left',
        selected: false,
      }
      if (n.parentId) out.parentId = n.parentId
      if (n.zIndex !== undefined) out.zIndex = n.zIndex
      return out
    }),
    edges: edges.map((e) => ({
      id: e.id,
      source: e.source,
      sourceHandle: e.sourceHandle ?? 'source',
      target: e.target,
      targetHandle: e.targetHandle ?? 'target',
      type: 'custom',
      data: e.data ?? {},
      zIndex: e.zIndex ?? 0,
    })),
    viewport,
  }
}

/** Dify's edge data: the endpoint types and the container both ends sit in. */
export function edgeData(source: FlowNode, target: FlowNode, container?: FlowNode): Record<string, unknown> {
  const data: Record<string, unknown> = {
    sourceType: source.data.type,
    targetType: target.data.type,
    isInIteration: container?.data.type === 'iteration',
    isInLoop: container?.data.type === 'loop',
  }
  if (container) data[container.data.type === 'loop' ? 'loop_id' : 'iteration_id'] = container.id
  return data
}

/** The ids of every node upstream of `id` (through edges, and through enclosing containers). */
export function upstreamOf(id: string, nodes: FlowNode[], edges: FlowEdge[]): string[] {
  const incoming = new Map<string, string[]>()
  for (const e of edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source])
  const parentOf = new Map(nodes.map((n) => [n.id, n.parentId]))
  const seen = new Set<string>()
  const order: string[] = []
  const queue = [id]
  while (queue.length) {
    const current = queue.shift()!
    const next = [...(incoming.get(current) ?? [])]
    const parent = parentOf.get(current)
    if (parent) next.push(parent)
    for (const source of next) {
      if (seen.has(source) || source === id) continue
      seen.add(source)
      order.push(source)
      queue.push(source)
    }
  }
  return order
}

/** True when adding source→target would close a cycle. */
export function wouldCycle(source: string, target: string, edges: FlowEdge[]): boolean {
  const outgoing = new Map<string, string[]>()
  for (const e of edges) outgoing.set(e.source, [...(outgoing.get(e.source) ?? []), e.target])
  const stack = [target]
  const seen = new Set<string>()
  while (stack.length) {
    const current = stack.pop()!
    if (current === source) return true
    if (seen.has(current)) continue
    seen.add(current)
    stack.push(...(outgoing.get(current) ?? []))
  }
  return false
}
