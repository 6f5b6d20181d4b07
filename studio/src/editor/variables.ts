/** The variables a node may reference: upstream nodes' outputs, container item/index, system variables. */
import type { AppMode } from '../api/types'
import { blockOf, type OutputVar } from './blocks'
import { type FlowEdge, type FlowNode, upstreamOf } from './graph'

export interface VarGroup {
  nodeId: string
  title: string
  vars: OutputVar[]
}

const SYSTEM_WORKFLOW: OutputVar[] = [
  { name: 'user_id', type: 'string' },
  { name: 'files', type: 'array[file]' },
  { name: 'app_id', type: 'string' },
  { name: 'workflow_id', type: 'string' },
  { name: 'workflow_run_id', type: 'string' },
]
const SYSTEM_CHAT: OutputVar[] = [
  { name: 'query', type: 'string' },
  { name: 'conversation_id', type: 'string' },
  { name: 'dialogue_count', type: 'number' },
  ...SYSTEM_WORKFLOW,
]

export function availableVars(id: string, nodes: FlowNode[], edges: FlowEdge[], mode: AppMode): VarGroup[] {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const self = byId.get(id)
  const groups: VarGroup[] = []
  for (const upstream of upstreamOf(id, nodes, edges)) {
    const node = byId.get(upstream)
    if (!node) continue
    if (node.id === self?.parentId && node.data.type === 'iteration') {
      groups.push({ nodeId: node.id, title: node.data.title ?? 'Iteration', vars: [
        { name: 'item', type: 'any' },
        { name: 'index', type: 'number' },
      ] })
      continue
    }
    const vars = blockOf(node.data.type).outputs?.(node.data) ?? []
    if (vars.length) groups.push({ nodeId: node.id, title: node.data.title ?? node.data.type, vars })
  }
  groups.push({ nodeId: 'sys', title: 'System', vars: mode === 'advanced-chat' ? SYSTEM_CHAT : SYSTEM_WORKFLOW })
  return groups
}

/** Outputs of the nodes inside a container (what its output selector may point at). */
export function childVars(id: string, nodes: FlowNode[]): VarGroup[] {
  return nodes
    .filter((n) => n.parentId === id)
    .map((n) => ({ nodeId: n.id, title: n.data.title ?? n.data.type, vars: blockOf(n.data.type).outputs?.(n.data) ?? [] }))
    .filter((g) => g.vars.length)
}

const REFERENCE = /\{\{#([^#{}]+)#\}\}/g

/** `{{#node.var#}}` references in a text that name no available variable. */
export function brokenReferences(text: string, groups: VarGroup[]): string[] {
  const known = new Set(groups.flatMap((g) => g.vars.map((v) => `${g.nodeId}.${v.name}`)))
  const broken: string[] = []
  for (const match of text.matchAll(REFERENCE)) {
    const path = match[1]
    const [node, name] = path.split('.', 2)
    if (!known.has(`${node}.${name}`) && node !== 'env' && node !== 'conversation') broken.push(path)
  }
  return broken
}
