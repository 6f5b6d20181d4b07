/** The variables a node may reference: upstream nodes' outputs, container item/index, system variables. */
import type { AppMode } from '../api/types'
import { BLOCK_BY_TYPE, blockOf, type NodeData, type OutputVar } from './blocks'
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

/** Outputs Dify's nodes have beyond what the catalogue lists (the variable picker offers the common ones). */
const MORE_OUTPUTS: Record<string, string[]> = {
  llm: ['structured_output', 'files'],
  answer: ['answer', 'files'],
  'question-classifier': ['usage'],
  'parameter-extractor': ['__usage'],
}
/** Types whose outputs depend on more than the catalogue knows (a tool's own outputs...): not checked. */
const OPEN_OUTPUTS = new Set(['human-input', 'tool', 'agent'])

/** A node's output names for the checklist, or null when they are not all known here. */
export function knownOutputs(data: NodeData): string[] | null {
  const block = BLOCK_BY_TYPE.get(data.type)
  const grouped = data.type === 'variable-aggregator' && (data.advanced_settings as { group_enabled?: boolean } | undefined)?.group_enabled
  if (!block?.outputs || OPEN_OUTPUTS.has(data.type) || grouped) return null
  // A node with an error strategy also says what went wrong (Dify's error_message, error_type).
  const errors = data.error_strategy ? ['error_message', 'error_type'] : []
  return [...block.outputs(data).map((v) => v.name), ...(MORE_OUTPUTS[data.type] ?? []), ...errors]
}
