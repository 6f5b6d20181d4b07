/** The block catalogue: each Dify node type's label, colour, default config, branch handles and outputs. */
import {
  Bot,
  BrainCircuit,
  Braces,
  Database,
  FileText,
  Filter,
  GitBranch,
  Globe,
  Hand,
  Home,
  ListTree,
  type LucideIcon,
  MessageSquare,
  Merge,
  Repeat,
  RefreshCw,
  ScanText,
  Shapes,
  Split,
  SquareCode,
  Flag,
  Variable,
  Wrench,
  LogOut,
} from 'lucide-react'

export type NodeData = Record<string, unknown> & { type: string; title?: string; desc?: string }

export interface Handle {
  id: string
  label?: string
}

export interface OutputVar {
  name: string
  type: string
}

export interface Block {
  type: string
  title: string
  icon: LucideIcon
  color: string
  /** Offered in the block selector (imported nodes of other types still render). */
  addable: boolean
  group: 'Basics' | 'Logic' | 'Transform' | 'Knowledge & models' | 'Tools'
  description: string
  defaults?: () => Record<string, unknown>
  outputs?: (data: NodeData) => OutputVar[]
}

const MODEL = () => ({
  provider: 'openai',
  name: 'gpt-4o-mini',
  mode: 'chat',
  completion_params: { temperature: 0.7 },
})

const BLOCKS: Block[] = [
  {
    type: 'start',
    title: 'Start',
    icon: Home,
    color: '#2563eb',
    addable: false,
    group: 'Basics',
    description: 'The run inputs',
    defaults: () => ({ variables: [] }),
    outputs: (d) =>
      ((d.variables as { variable: string; type: string }[]) ?? []).map((v) => ({
        name: v.variable,
        type: v.type === 'number' ? 'number' : v.type === 'file' ? 'file' : 'string',
      })),
  },
  {
    type: 'llm',
    title: 'LLM',
    icon: BrainCircuit,
    color: '#6366f1',
    addable: true,
    group: 'Knowledge & models',
    description: 'Call a language model',
    defaults: () => ({
      model: MODEL(),
      prompt_template: [
        { role: 'system', text: '' },
        { role: 'user', text: '' },
      ],
      context: { enabled: false, variable_selector: [] },
      vision: { enabled: false },
    }),
    outputs: () => [
      { name: 'text', type: 'string' },
      { name: 'reasoning_content', type: 'string' },
      { name: 'usage', type: 'object' },
    ],
  },
  {
    type: 'knowledge-retrieval',
    title: 'Knowledge Retrieval',
    icon: Database,
    color: '#059669',
    addable: true,
    group: 'Knowledge & models',
    description: 'Query knowledge bases',
    defaults: () => ({
      query_variable_selector: [],
      dataset_ids: [],
      retrieval_mode: 'multiple',
      multiple_retrieval_config: { top_k: 4, reranking_enable: false },
    }),
    outputs: () => [{ name: 'result', type: 'array[object]' }],
  },
  {
    type: 'answer',
    title: 'Answer',
    icon: MessageSquare,
    color: '#f59e0b',
    addable: true,
    group: 'Basics',
    description: 'Stream a reply (chatflow)',
    defaults: () => ({ answer: '', variables: [] }),
    outputs: () => [],
  },
  {
    type: 'end',
    title: 'End',
    icon: Flag,
    color: '#f97316',
    addable: true,
    group: 'Basics',
    description: 'The run outputs (workflow)',
    defaults: () => ({ outputs: [] }),
    outputs: () => [],
  },
  {
    type: 'question-classifier',
    title: 'Question Classifier',
    icon: Split,
    color: '#16a34a',
    addable: true,
    group: 'Logic',
    description: 'Route by topic, one branch per class',
    defaults: () => ({
      query_variable_selector: [],
      model: MODEL(),
      classes: [
        { id: '1', name: '' },
        { id: '2', name: '' },
      ],
      instruction: '',
    }),
    outputs: () => [
      { name: 'class_name', type: 'string' },
      { name: 'class_id', type: 'string' },
    ],
  },
  {
    type: 'if-else',
    title: 'IF/ELSE',
    icon: GitBranch,
    color: '#0891b2',
    addable: true,
    group: 'Logic',
    description: 'Branch on conditions',
    defaults: () => ({
      cases: [{ case_id: 'true', id: 'true', logical_operator: 'and', conditions: [] }],
    }),
    outputs: () => [],
  },
  {
    type: 'iteration',
    title: 'Iteration',
    icon: Repeat,
    color: '#0ea5e9',
    addable: true,
    group: 'Logic',
    description: 'Run a sub-flow for each item of a list',
    defaults: () => ({
      iterator_selector: [],
      output_selector: [],
      is_parallel: false,
      parallel_nums: 10,
      error_handle_mode: 'terminated',
    }),
    outputs: () => [{ name: 'output', type: 'array' }],
  },
  {
    type: 'loop',
    title: 'Loop',
    icon: RefreshCw,
    color: '#0284c7',
    addable: true,
    group: 'Logic',
    description: 'Repeat a sub-flow until a condition',
    defaults: () => ({ loop_count: 10, break_conditions: [], logical_operator: 'and', loop_variables: [] }),
    outputs: (d) =>
      ((d.loop_variables as { label: string; var_type: string }[]) ?? []).map((v) => ({
        name: v.label,
        type: v.var_type ?? 'string',
      })),
  },
  {
    type: 'loop-end',
    title: 'Exit Loop',
    icon: LogOut,
    color: '#0284c7',
    addable: true,
    group: 'Logic',
    description: 'Leave the enclosing loop',
    defaults: () => ({}),
    outputs: () => [],
  },
  {
    type: 'code',
    title: 'Code',
    icon: SquareCode,
    color: '#2563eb',
    addable: true,
    group: 'Transform',
    description: 'Run Python or JavaScript',
    defaults: () => ({
      code_language: 'python3',
      code: 'def main(arg1: str) -> dict:\n    return {"result": arg1}\n',
      variables: [{ variable: 'arg1', value_selector: [] }],
      outputs: { result: { type: 'string', children: null } },
    }),
    outputs: (d) =>
      Object.entries((d.outputs as Record<string, { type: string }>) ?? {}).map(([name, v]) => ({
        name,
        type: v?.type ?? 'string',
      })),
  },
  {
    type: 'template-transform',
    title: 'Template',
    icon: Braces,
    color: '#2563eb',
    addable: true,
    group: 'Transform',
    description: 'Render a Jinja2 template',
    defaults: () => ({ template: '{{ arg1 }}', variables: [{ variable: 'arg1', value_selector: [] }] }),
    outputs: () => [{ name: 'output', type: 'string' }],
  },
  {
    type: 'variable-aggregator',
    title: 'Variable Aggregator',
    icon: Merge,
    color: '#2563eb',
    addable: true,
    group: 'Transform',
    description: 'The first non-empty of several branches',
    defaults: () => ({ variables: [], output_type: 'string' }),
    outputs: (d) => [{ name: 'output', type: String(d.output_type ?? 'string') }],
  },
  {
    type: 'assigner',
    title: 'Variable Assigner',
    icon: Variable,
    color: '#2563eb',
    addable: true,
    group: 'Transform',
    description: 'Write conversation or loop variables',
    defaults: () => ({ version: '2', items: [] }),
    outputs: () => [],
  },
  {
    type: 'parameter-extractor',
    title: 'Parameter Extractor',
    icon: ScanText,
    color: '#2563eb',
    addable: true,
    group: 'Transform',
    description: 'Extract structured fields with a model',
    defaults: () => ({ model: MODEL(), query: [], parameters: [], reasoning_mode: 'prompt', instruction: '' }),
    outputs: (d) => [
      ...((d.parameters as { name: string; type: string }[]) ?? []).map((p) => ({ name: p.name, type: p.type })),
      { name: '__is_success', type: 'number' },
      { name: '__reason', type: 'string' },
    ],
  },
  {
    type: 'list-operator',
    title: 'List Operator',
    icon: Filter,
    color: '#2563eb',
    addable: true,
    group: 'Transform',
    description: 'Filter, sort and slice a list',
    defaults: () => ({
      variable: [],
      filter_by: { enabled: false, conditions: [] },
      order_by: { enabled: false, key: '', value: 'asc' },
      limit: { enabled: false, size: 10 },
    }),
    outputs: () => [
      { name: 'result', type: 'array' },
      { name: 'first_record', type: 'any' },
      { name: 'last_record', type: 'any' },
    ],
  },
  {
    type: 'document-extractor',
    title: 'Doc Extractor',
    icon: FileText,
    color: '#059669',
    addable: true,
    group: 'Transform',
    description: 'Text from uploaded files',
    defaults: () => ({ variable_selector: [], is_array_file: false }),
    outputs: () => [{ name: 'text', type: 'string' }],
  },
  {
    type: 'http-request',
    title: 'HTTP Request',
    icon: Globe,
    color: '#7c3aed',
    addable: true,
    group: 'Tools',
    description: 'Call an HTTP endpoint',
    defaults: () => ({
      method: 'get',
      url: '',
      headers: '',
      params: '',
      body: { type: 'none', data: [] },
      authorization: { type: 'no-auth', config: null },
      timeout: {},
    }),
    outputs: () => [
      { name: 'body', type: 'string' },
      { name: 'status_code', type: 'number' },
      { name: 'headers', type: 'object' },
      { name: 'files', type: 'array[file]' },
    ],
  },
  {
    type: 'tool',
    title: 'Tool',
    icon: Wrench,
    color: '#7c3aed',
    addable: false,
    group: 'Tools',
    description: 'A built-in or custom tool',
    outputs: () => [
      { name: 'text', type: 'string' },
      { name: 'files', type: 'array[file]' },
      { name: 'json', type: 'array[object]' },
    ],
  },
  {
    type: 'agent',
    title: 'Agent',
    icon: Bot,
    color: '#7c3aed',
    addable: false,
    group: 'Tools',
    description: 'An agent strategy with tools',
    outputs: () => [
      { name: 'text', type: 'string' },
      { name: 'json', type: 'array[object]' },
    ],
  },
  {
    type: 'human-input',
    title: 'Human Input',
    icon: Hand,
    color: '#db2777',
    addable: false,
    group: 'Logic',
    description: 'Pause for a person',
    outputs: () => [],
  },
]

const FALLBACK: Block = {
  type: '?',
  title: 'Node',
  icon: Shapes,
  color: '#64748b',
  addable: false,
  group: 'Basics',
  description: '',
}

export const BLOCK_BY_TYPE: ReadonlyMap<string, Block> = new Map(BLOCKS.map((b) => [b.type, b]))
export const ADDABLE_BLOCKS = BLOCKS.filter((b) => b.addable)
export const BLOCK_GROUPS = ['Basics', 'Knowledge & models', 'Logic', 'Transform', 'Tools'] as const
export const CONTAINER_TYPES = new Set(['iteration', 'loop'])

/** The blocks that may be added at the top level (`parentType` undefined) or inside a container. */
export function blocksAllowedIn(parentType?: string): Block[] {
  return ADDABLE_BLOCKS.filter((b) =>
    parentType ? !CONTAINER_TYPES.has(b.type) && (b.type !== 'loop-end' || parentType === 'loop') : b.type !== 'loop-end',
  )
}
export const ListIcon = ListTree

export function blockOf(type: string): Block {
  return BLOCK_BY_TYPE.get(type) ?? { ...FALLBACK, type, title: type }
}

/** Error strategy "fail-branch" adds a second source handle, as in Dify. */
const FAIL_BRANCH_TYPES = new Set(['llm', 'code', 'http-request', 'tool', 'agent', 'parameter-extractor'])
export const supportsErrorStrategy = (type: string) => FAIL_BRANCH_TYPES.has(type)

/** The source handles of a node, in Dify's port order (if-else `false` last, classes in order). */
export function sourceHandles(data: NodeData): Handle[] {
  switch (data.type) {
    case 'end':
    case 'loop-end':
      return []
    case 'if-else': {
      const cases = (data.cases as { case_id: string }[]) ?? []
      return [
        ...cases.map((c, i) => ({ id: c.case_id, label: i === 0 ? 'IF' : 'ELIF' })),
        { id: 'false', label: 'ELSE' },
      ]
    }
    case 'question-classifier':
      return ((data.classes as { id: string; name: string }[]) ?? []).map((c, i) => ({
        id: c.id,
        label: c.name || `Class ${i + 1}`,
      }))
    case 'human-input': {
      const actions = (data.user_actions as { id: string; title?: string }[]) ?? []
      return actions.length
        ? [...actions.map((a) => ({ id: a.id, label: a.title ?? a.id })), { id: 'timeout', label: 'Timeout' }]
        : [{ id: 'source' }]
    }
    default:
      if (data.error_strategy === 'fail-branch') {
        return [
          { id: 'source', label: 'Success' },
          { id: 'fail-branch', label: 'Fail' },
        ]
      }
      return [{ id: 'source' }]
  }
}

export const hasTarget = (type: string) =>
  !['start', 'iteration-start', 'loop-start', 'trigger-webhook', 'trigger-schedule', 'trigger-plugin'].includes(
    type,
  )
