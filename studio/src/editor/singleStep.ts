/**
 * Single-step run ("Run this step"): which nodes can run alone, the variables a node reads (the form's
 * fields) and the request's inputs, keyed as Dify's single-step forms key them (`#node_id.variable#`).
 * Mirrors the engine's `riverflow.engine.single_node`, which refuses what this offers nothing for.
 */
type Data = Record<string, unknown>
/** A `VarGroup` of `variables.ts` (kept structural: this module compiles alone for the unit tests). */
interface Group { nodeId: string; title: string; vars: { name: string; type: string }[] }

/** Node types that cannot run alone: entry points, response nodes, containers and their markers. */
const NOT_ALONE = new Set(['start', 'end', 'answer', 'iteration', 'loop', 'iteration-start', 'loop-start',
  'loop-end', 'human-input', 'trigger-webhook', 'trigger-schedule', 'trigger-plugin', 'datasource'])
/** Keys (besides `*selector`) whose value is a selector, by node type. */
const SELECTOR_KEYS: Record<string, string> = {
  'parameter-extractor': 'query',
  'list-operator': 'variable',
  'variable-aggregator': 'variables',
}
/** Pool owners whose values the run has already (the DSL's environment and conversation values). */
const PREFILLED = new Set(['env', 'conversation'])
const REFERENCE = /\{\{#([a-zA-Z0-9_]{1,50}(?:\.[a-zA-Z_][a-zA-Z0-9_]{0,29}){1,10})#\}\}/g

export interface StepVar {
  /** The input's key in the request: `#node.var#`. */
  key: string
  selector: string[]
  /** `Node title / variable` for the form. */
  label: string
  type: string
  /** A node's output must be given; `sys.*` values default to the run's own. */
  required: boolean
}

const isSelector = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length >= 2 && v.every((x) => typeof x === 'string' && x !== '')

/** Whether a node can be run as a single step (not inside an iteration or loop either). */
export function canRunAlone(type: string, parentId?: string): boolean {
  return !parentId && !NOT_ALONE.has(type)
}

/** The selectors a node's data reads, once each: value selectors and `{{#...#}}`; disabled blocks read nothing. */
export function readSelectors(data: Data): string[][] {
  const found = new Map<string, string[]>()
  const extra = SELECTOR_KEYS[String(data.type)]
  const add = (selector: string[]) => found.set(selector.join('.'), selector)
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(REFERENCE)) add(m[1].split('.'))
    } else if (Array.isArray(value)) {
      if ((key.endsWith('selector') || key === extra) && isSelector(value)) add(value)
      else for (const item of value) walk(item, key)
    } else if (value && typeof value === 'object') {
      const object = value as Data
      if (object.enabled === false) return
      // A tool parameter or an assigner item whose value is a variable.
      if ((object.type === 'variable' || object.input_type === 'variable') && isSelector(object.value)) add(object.value)
      for (const [k, v] of Object.entries(object)) walk(v, k)
    }
  }
  walk(data, '')
  return [...found.values()]
}

/** The form's fields: what the node reads, labelled and typed from the variables upstream of it. */
export function stepVariables(data: Data, groups: Group[], titles: Map<string, string>): StepVar[] {
  const groupOf = new Map(groups.map((g) => [g.nodeId, g]))
  return readSelectors(data)
    .filter((s) => !PREFILLED.has(s[0]))
    .map((selector) => {
      const [owner, name, ...path] = selector
      const group = groupOf.get(owner)
      const type = path.length ? 'any' : group?.vars.find((v) => v.name === name)?.type ?? 'string'
      const title = owner === 'sys' ? 'System' : group?.title ?? titles.get(owner) ?? owner
      return {
        key: `#${selector.join('.')}#`,
        selector,
        label: `${title} / ${[name, ...path].join('.')}`,
        type,
        required: owner !== 'sys',
      }
    })
}

const JSON_TYPES = /^(object|array|file|any)/

/** The request's `inputs`: numbers as numbers, JSON for objects and arrays; empty optional values left out. */
export function stepInputs(vars: StepVar[], values: Record<string, string>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {}
  for (const v of vars) {
    const text = values[v.key] ?? ''
    if (text === '' && (!v.required || v.type !== 'string')) continue
    if (v.type === 'number') {
      const n = Number(text)
      if (Number.isNaN(n)) throw new Error(`${v.label} is not a number`)
      inputs[v.key] = n
    } else if (v.type === 'boolean') {
      inputs[v.key] = text === 'true'
    } else if (JSON_TYPES.test(v.type) && /^\s*[[{]/.test(text)) {
      try {
        inputs[v.key] = JSON.parse(text)
      } catch {
        throw new Error(`${v.label} is not valid JSON`)
      }
    } else {
      inputs[v.key] = text
    }
  }
  return inputs
}
