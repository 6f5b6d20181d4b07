/** A Dify block on the canvas: icon + title, a one-line summary, one source handle per branch, run overlay. */
import { Handle, type NodeProps, Position, useStore } from '@xyflow/react'
import { Play } from 'lucide-react'
import { memo } from 'react'
import { BlockIcon } from '../BlockIcon'
import { blockOf, CONTAINER_TYPES, hasTarget, sourceHandles } from '../blocks'
import type { FlowNode } from '../graph'
import { useRunStore } from '../runStore'
import { renderCounts } from '../uiStore'
import { RunBadge } from './RunBadge'

const zoomedOut = (s: { transform: [number, number, number] }) => s.transform[2] < 0.45

function summary(data: FlowNode['data']): string {
  switch (data.type) {
    case 'llm':
    case 'question-classifier':
    case 'parameter-extractor': {
      const model = data.model as { name?: string } | undefined
      return model?.name ?? ''
    }
    case 'code':
      return String(data.code_language ?? '')
    case 'http-request':
      return `${String(data.method ?? 'get').toUpperCase()} ${String(data.url ?? '')}`
    case 'end':
      return ((data.outputs as { variable: string }[]) ?? []).map((o) => o.variable).join(', ')
    case 'start':
      return ((data.variables as { variable: string }[]) ?? []).map((v) => v.variable).join(', ')
    case 'answer':
      return String(data.answer ?? '').slice(0, 40)
    case 'tool':
      return String(data.tool_label ?? data.tool_name ?? '')
    default:
      return ''
  }
}

/** One source handle per branch (labelled, the taken branch in bold), or the single plain handle. */
export function SourceHandles({ data, branch, lod = false, connectable = true }: {
  data: FlowNode['data']; branch?: string; lod?: boolean; connectable?: boolean
}) {
  const handles = sourceHandles(data)
  const branching = handles.length > 1 || (handles[0] && handles[0].id !== 'source')
  if (!branching) {
    return handles.length === 1 ? <Handle type="source" position={Position.Right} id="source" isConnectable={connectable} /> : null
  }
  return (
    <div className="rf-node-branches">
      {handles.map((h) => (
        <div key={h.id} className="rf-branch" data-handle={h.id}>
          <span className={branch === h.id ? 'font-semibold text-emerald-700' : ''}>{lod ? '' : h.label ?? h.id}</span>
          <Handle type="source" position={Position.Right} id={h.id} className="rf-branch-handle" isConnectable={connectable} />
        </div>
      ))}
    </div>
  )
}

function WorkflowNodeView({ id, data, selected, width, height }: NodeProps<FlowNode>) {
  renderCounts[id] = (renderCounts[id] ?? 0) + 1
  const run = useRunStore((s) => s.nodes[id])
  const lod = useStore(zoomedOut)
  const block = blockOf(data.type)
  const container = CONTAINER_TYPES.has(data.type)
  const text = summary(data)
  const classes = [
    'rf-node',
    container ? 'rf-container' : '',
    selected ? 'is-selected' : '',
    run ? `run-${run.status}` : '',
  ].join(' ')
  const style = container ? { width, height } : undefined
  return (
    <div className={classes} style={style} data-node-type={data.type} data-testid={`node-${id}`}>
      {hasTarget(data.type) ? <Handle type="target" position={Position.Left} id="target" /> : null}
      <div className="rf-node-header">
        <BlockIcon block={block} />
        <span className="rf-node-title">{data.title || block.title}</span>
      </div>
      {!lod && text ? <div className="rf-node-summary">{text}</div> : null}
      <SourceHandles data={data} branch={run?.branch} lod={lod} />
      {run && !lod ? <RunBadge run={run} /> : null}
    </div>
  )
}

export const WorkflowNode = memo(WorkflowNodeView)

/** The start node inside an iteration or loop container. */
export const StartMarker = memo(function StartMarker({ id }: NodeProps<FlowNode>) {
  renderCounts[id] = (renderCounts[id] ?? 0) + 1
  return (
    <div className="rf-start-marker" data-testid={`node-${id}`}>
      <Play size={12} />
      <Handle type="source" position={Position.Right} id="source" />
    </div>
  )
})

/** A sticky note (Dify's custom-note). */
export const NoteNode = memo(function NoteNode({ data, width, height }: NodeProps<FlowNode>) {
  return (
    <div className="rf-note" style={{ width, height }}>
      {String(data.text ?? '')}
    </div>
  )
})
