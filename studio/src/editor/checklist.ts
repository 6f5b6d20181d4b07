/**
 * The error checklist shown before publish, as in Dify: nodes not connected to the start, required
 * fields left empty, variable names (start inputs, code inputs and outputs) empty, invalid or repeated,
 * and variable references (`{{#node.var#}}` or value selectors) to nodes that do not exist or are not
 * upstream, or to a variable the node does not have. Pure functions of the graph (a node's output names
 * come from `outputsOf`, the block catalogue in the editor); `memoChecklist` recomputes only when a
 * node's data, parent or the edges change (not on every drag frame).
 */
import type { FlowEdge, FlowNode } from './graph'
import { nameProblems } from './varNames'

export type ProblemKind = 'unreachable' | 'required' | 'name' | 'reference' | 'graph'

/** A node's output names, or null when they are not all known (its references are then not checked). */
export type OutputsOf = (data: FlowNode['data']) => string[] | null

export interface Problem {
  /** The node the problem is on ('' for the graph as a whole). */
  nodeId: string
  kind: ProblemKind
  message: string
}

type Data = Record<string, unknown>
type Sel = { variable?: string; value_selector?: unknown }

const ROOT_TYPES = new Set(['start', 'trigger-webhook', 'trigger-schedule', 'trigger-plugin'])
const MARKER_TYPES = new Set(['iteration-start', 'loop-start'])
/** Selector roots that are not nodes. */
const GLOBAL_ROOTS = new Set(['sys', 'env', 'conversation', 'rag'])
const REFERENCE = /\{\{#([^#{}]+)#\}\}/g
/** Comparison operators that take no value. */
const NO_VALUE = new Set(['empty', 'not empty', 'null', 'not null', 'exists', 'not exists'])

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '')
const isSelector = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length >= 2 && v.every((x) => typeof x === 'string')
const emptySelector = (v: unknown) => !Array.isArray(v) || v.length === 0 || v.every((x) => !x)
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : [])

/** Whether the node is a real step (not a note, nor a container's start marker). */
export function isStep(n: FlowNode): boolean {
  return n.type !== 'custom-note' && !MARKER_TYPES.has(n.data.type)
}

/** The steps reachable from a start (or trigger), entering containers through their start markers. */
export function reachable(nodes: FlowNode[], edges: FlowEdge[]): Set<string> {
  const outgoing = new Map<string, string[]>()
  for (const e of edges) outgoing.set(e.source, [...(outgoing.get(e.source) ?? []), e.target])
  const markers = new Map<string, string[]>()
  for (const n of nodes) {
    if (n.parentId && MARKER_TYPES.has(n.data.type)) markers.set(n.parentId, [...(markers.get(n.parentId) ?? []), n.id])
  }
  const seen = new Set<string>()
  const stack = nodes.filter((n) => !n.parentId && ROOT_TYPES.has(n.data.type)).map((n) => n.id)
  while (stack.length) {
    const id = stack.pop()!
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...(outgoing.get(id) ?? []), ...(markers.get(id) ?? []))
  }
  return seen
}

/** Empty required fields of one node, by its type. */
export function missingFields(data: Data): string[] {
  const out: string[] = []
  const need = (ok: boolean, message: string) => { if (!ok) out.push(message) }
  const model = (data.model as Data | undefined) ?? {}
  const needModel = () => need(!!text(model.name) && !!text(model.provider), 'Model is required')
  const needVars = () => list<Sel>(data.variables).forEach((v, i) =>
    need(!emptySelector(v.value_selector), `Input variable ${text(v.variable) || i + 1} has no value`))
  switch (data.type) {
    case 'llm':
      needModel()
      break
    case 'question-classifier':
      needModel()
      need(!emptySelector(data.query_variable_selector), 'Query variable is required')
      need(list(data.classes).length > 0, 'At least one class is required')
      list<{ name?: string }>(data.classes).forEach((c, i) => need(!!text(c.name), `Class ${i + 1} has no name`))
      break
    case 'parameter-extractor':
      needModel()
      need(!emptySelector(data.query), 'Input variable is required')
      need(list(data.parameters).length > 0, 'At least one parameter is required')
      break
    case 'code':
      need(!!text(data.code), 'Code is required')
      needVars()
      break
    case 'template-transform':
      needVars()
      break
    case 'http-request':
      need(!!text(data.url), 'URL is required')
      break
    case 'if-else':
      list<{ conditions?: unknown }>(data.cases).forEach((c, i) => {
        const label = i === 0 ? 'IF' : `ELIF ${i}`
        const conditions = list<{ variable_selector?: unknown; comparison_operator?: string; value?: unknown }>(c.conditions)
        need(conditions.length > 0, `${label} has no conditions`)
        conditions.forEach((cond, k) => {
          need(!emptySelector(cond.variable_selector), `${label} condition ${k + 1} has no variable`)
          const noValue = NO_VALUE.has(String(cond.comparison_operator ?? ''))
          need(noValue || (cond.value !== undefined && cond.value !== null && String(cond.value) !== ''),
            `${label} condition ${k + 1} has no value`)
        })
      })
      break
    case 'end': {
      const outputs = list<Sel>(data.outputs)
      need(outputs.length > 0, 'Nothing to output')
      outputs.forEach((o, i) => {
        need(!!text(o.variable), `Output ${i + 1} has no name`)
        need(!emptySelector(o.value_selector), `Output ${text(o.variable) || i + 1} has no value`)
      })
      break
    }
    case 'answer':
      need(!!text(data.answer), 'Answer is empty')
      break
    case 'knowledge-retrieval':
      need(!emptySelector(data.query_variable_selector), 'Query variable is required')
      need(list(data.dataset_ids).length > 0, 'Knowledge base is required')
      break
    case 'iteration':
      need(!emptySelector(data.iterator_selector), 'Input list is required')
      need(!emptySelector(data.output_selector), 'Output variable is required')
      break
    case 'document-extractor':
      need(!emptySelector(data.variable_selector), 'Input variable is required')
      break
    case 'list-operator':
      need(!emptySelector(data.variable), 'Input variable is required')
      break
    case 'variable-aggregator':
      need(list(data.variables).length > 0 || !!(data.advanced_settings as Data | undefined)?.group_enabled,
        'At least one variable is required')
      break
  }
  return out
}

/** Empty, invalid or repeated variable names a node declares (Dify checks them as keys). */
export function badNames(data: Data): string[] {
  const names = (items: unknown) => list<Sel>(items).map((v) => String(v?.variable ?? ''))
  switch (data.type) {
    case 'start':
      return nameProblems(names(data.variables), 'Input variable')
    case 'code': {
      const outputs = data.outputs && typeof data.outputs === 'object' ? Object.keys(data.outputs) : []
      return [...nameProblems(names(data.variables), 'Input variable'), ...nameProblems(outputs, 'Output variable')]
    }
    default:
      return []
  }
}

/** Keys whose value is a value selector (`[node_id, var, ...]`), or a list of them. */
const SELECTOR_KEY = /selector$/
const SELECTOR_KEYS_BY_TYPE: Record<string, string> = {
  'parameter-extractor': 'query',
  'list-operator': 'variable',
}

/** Every `[node, variable]` a node's data references: value selectors and `{{#node.var#}}` in its texts. */
export function referencedVariables(data: Data): [string, string][] {
  const found = new Map<string, [string, string]>()
  const add = (node: string, name: string) => found.set(`${node}.${name}`, [node, name])
  const extra = SELECTOR_KEYS_BY_TYPE[data.type as string]
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(REFERENCE)) {
        const [node, name = ''] = m[1].split('.')
        add(node, name)
      }
      return
    }
    if (Array.isArray(value)) {
      const selectorKey = SELECTOR_KEY.test(key) || key === extra || key === 'variables'
      if (selectorKey && isSelector(value)) { add(value[0], value[1]); return }
      for (const item of value) walk(item, key)
      return
    }
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k)
  }
  walk(data, '')
  return [...found.values()]
}

/** Every node id a node's data references. */
export function referencedNodes(data: Data): Set<string> {
  return new Set(referencedVariables(data).map(([node]) => node))
}

/** What a container offers the nodes inside it (Dify's item/index, a loop's variables). */
function containerVars(data: Data): string[] {
  if (data.type === 'iteration') return ['item', 'index']
  const loopVars = list<{ label?: string }>(data.loop_variables).map((v) => String(v.label ?? ''))
  return data.type === 'loop' ? [...loopVars, 'index'] : []
}

/** The problems of the whole graph, in node order. */
export function checklist(nodes: FlowNode[], edges: FlowEdge[], outputsOf: OutputsOf = () => null): Problem[] {
  const problems: Problem[] = []
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const steps = nodes.filter(isStep)
  if (!steps.some((n) => !n.parentId && ROOT_TYPES.has(n.data.type))) {
    problems.push({ nodeId: '', kind: 'graph', message: 'The workflow has no start node' })
  }
  const connected = reachable(nodes, edges)
  const incoming = new Map<string, string[]>()
  for (const e of edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e.source])
  const upstreamCache = new Map<string, Set<string>>()
  const upstream = (id: string): Set<string> => {
    const cached = upstreamCache.get(id)
    if (cached) return cached
    const seen = new Set<string>()
    const queue = [id]
    for (let i = 0; i < queue.length; i++) {
      const current = queue[i]
      const parent = byId.get(current)?.parentId
      for (const source of [...(incoming.get(current) ?? []), ...(parent ? [parent] : [])]) {
        if (source !== id && !seen.has(source)) { seen.add(source); queue.push(source) }
      }
    }
    upstreamCache.set(id, seen)
    return seen
  }
  const ancestors = (node: FlowNode): Set<string> => {
    const out = new Set<string>()
    for (let p = node.parentId; p && !out.has(p); p = byId.get(p)?.parentId) out.add(p)
    return out
  }
  /** The names `target` offers `node`, or null when not all are known. */
  const offered = (node: FlowNode, target: FlowNode): string[] | null =>
    ancestors(node).has(target.id) ? containerVars(target.data) : outputsOf(target.data)
  for (const node of steps) {
    const add = (kind: ProblemKind, message: string) => problems.push({ nodeId: node.id, kind, message })
    if (!connected.has(node.id)) add('unreachable', 'Not connected to the start')
    for (const message of missingFields(node.data)) add('required', message)
    for (const message of badNames(node.data)) add('name', message)
    const reported = new Set<string>()
    for (const [ref, name] of referencedVariables(node.data)) {
      if (GLOBAL_ROOTS.has(ref) || ref === node.id) continue
      const target = byId.get(ref)
      const title = String(target?.data.title || ref)
      if (!target) {
        if (!reported.has(ref)) add('reference', `References a node that does not exist (${ref})`)
      } else if (target.parentId !== node.id && !upstream(node.id).has(ref)) {
        // (A container's output selector points at its own children.)
        if (!reported.has(ref)) add('reference', `References ${title}, which is not upstream`)
      } else if (!(offered(node, target)?.includes(name) ?? true)) {
        add('reference', `References ${title}.${name}, which ${title} does not have`)
      }
      reported.add(ref)
    }
  }
  return problems
}

let memo: { nodes: FlowNode[]; edges: FlowEdge[]; result: Problem[] } | null = null

/** `checklist`, recomputed only when the edges, the node list or a node's data or parent changed. */
export function memoChecklist(nodes: FlowNode[], edges: FlowEdge[], outputsOf?: OutputsOf): Problem[] {
  if (memo && memo.edges === edges && memo.nodes.length === nodes.length &&
    memo.nodes.every((n, i) => n.id === nodes[i].id && n.data === nodes[i].data && n.parentId === nodes[i].parentId)) {
    memo.nodes = nodes
    return memo.result
  }
  memo = { nodes, edges, result: checklist(nodes, edges, outputsOf) }
  return memo.result
}
