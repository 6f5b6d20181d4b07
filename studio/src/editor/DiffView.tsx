/**
 * The visual diff of two versions: a read-only canvas of both graphs together (added nodes and edges in
 * green, removed in red, changed in amber, the rest faded) and the list of changes beside it.
 */
import { Background, Handle, type NodeProps, Position, ReactFlow, ReactFlowProvider, useReactFlow } from '@xyflow/react'
import { X } from 'lucide-react'
import { memo, useMemo } from 'react'
import type { DifyGraph } from '../api/types'
import { BlockIcon } from './BlockIcon'
import { blockOf, CONTAINER_TYPES, hasTarget } from './blocks'
import { type DiffStatus, diffGraphs, type GraphDiff } from './diff'
import { type FlowEdge, type FlowNode, fromDify } from './graph'
import { NoteNode, SourceHandles, StartMarker } from './nodes/WorkflowNode'

export interface DiffSide {
  label: string
  graph: DifyGraph | null
}

const DiffNode = memo(function DiffNode({ id, data, width, height }: NodeProps<FlowNode>) {
  const status = data.diffStatus as DiffStatus
  const block = blockOf(data.type)
  const style = CONTAINER_TYPES.has(data.type) ? { width, height } : undefined
  return (
    <div className={`rf-node diff-${status}`} style={style} data-testid={`diff-node-${id}`} data-diff={status}>
      {hasTarget(data.type) ? <Handle type="target" position={Position.Left} id="target" isConnectable={false} /> : null}
      <div className="rf-node-header">
        <BlockIcon block={block} />
        <span className="rf-node-title">{data.title || block.title}</span>
      </div>
      {status !== 'unchanged' ? (
        <div className="rf-node-summary font-semibold">{status}{data.diffKeys ? `: ${String(data.diffKeys)}` : ''}</div>
      ) : null}
      <SourceHandles data={data} connectable={false} />
    </div>
  )
})

const nodeTypes = { custom: DiffNode, 'custom-iteration-start': StartMarker, 'custom-loop-start': StartMarker, 'custom-note': NoteNode }

/** Both graphs on one canvas: the target's nodes where they are now, the removed ones where they were. */
function unionGraph(base: DifyGraph | null, target: DifyGraph | null, diff: GraphDiff) {
  const byId = new Map(diff.nodes.map((d) => [d.id, d]))
  const mark = (n: FlowNode): FlowNode => {
    const d = byId.get(n.id)
    return { ...n, data: { ...n.data, diffStatus: d?.status ?? 'unchanged', diffKeys: d?.keys.join(', ') ?? '' } }
  }
  const after = fromDify(target, new Map()).nodes.map(mark)
  const present = new Set(after.map((n) => n.id))
  const removed = fromDify(base, new Map()).nodes.filter((n) => !present.has(n.id)).map(mark)
  const edges: FlowEdge[] = diff.edges.map(({ key, edge, status }) => ({
    id: `diff:${key}`,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle ?? 'source',
    targetHandle: edge.targetHandle ?? 'target',
    className: `diff-edge-${status}`,
    data: { diffStatus: status },
  }))
  return { nodes: [...after, ...removed], edges }
}

const LABELS: Record<Exclude<DiffStatus, 'unchanged'>, string> = { added: 'Added', removed: 'Removed', changed: 'Changed' }

function ChangeList({ diff }: { diff: GraphDiff }) {
  const rf = useReactFlow()
  const edgeCount = (s: string) => diff.edges.filter((e) => e.status === s).length
  return (
    <aside className="side-panel w-80" aria-label="Changes" data-testid="diff-list">
      {(['added', 'removed', 'changed'] as const).map((status) => {
        const items = diff.nodes.filter((n) => n.status === status)
        return (
          <section key={status} aria-label={`${LABELS[status]} nodes`}>
            <h3 className={`diff-heading diff-text-${status}`}>{LABELS[status]} nodes ({items.length})</h3>
            <ul className="space-y-1">
              {items.map((n) => (
                <li key={n.id} data-diff-node={n.id} data-diff-status={status}>
                  <button type="button" className="text-left hover:underline"
                    onClick={() => void rf.fitView({ nodes: [{ id: n.id }], duration: 200, maxZoom: 1 })}>
                    {n.title} <span className="text-slate-400">({blockOf(n.type).title})</span>
                  </button>
                  {n.keys.length ? <div className="text-xs text-slate-500" data-diff-keys>{n.keys.join(', ')}</div> : null}
                </li>
              ))}
            </ul>
          </section>
        )
      })}
      <p className="text-xs text-slate-500" data-testid="diff-edges" data-added={edgeCount('added')} data-removed={edgeCount('removed')}>
        Edges: {edgeCount('added')} added, {edgeCount('removed')} removed
      </p>
    </aside>
  )
}

export default function DiffView({ base, target, onClose }: { base: DiffSide; target: DiffSide; onClose: () => void }) {
  const diff = useMemo(() => diffGraphs(base.graph, target.graph), [base, target])
  const { nodes, edges } = useMemo(() => unionGraph(base.graph, target.graph, diff), [base, target, diff])
  const changes = diff.nodes.filter((n) => n.status !== 'unchanged').length + diff.edges.filter((e) => e.status !== 'unchanged').length
  return (
    <div className="fixed inset-0 z-50 flex flex-col bg-white" role="dialog" aria-label="Version diff" data-testid="diff-view">
      <header className="toolbar">
        <span className="font-semibold">Compare</span>
        <span data-testid="diff-title">{base.label} → {target.label}</span>
        <span className="text-xs text-slate-500" data-testid="diff-summary" data-changes={changes}>
          {changes ? `${changes} change${changes > 1 ? 's' : ''}` : 'No changes'}
        </span>
        <span className="ml-auto flex gap-3 text-xs">
          {(['added', 'removed', 'changed'] as const).map((s) => <span key={s} className={`diff-text-${s}`}>■ {LABELS[s]}</span>)}
        </span>
        <button type="button" className="btn-ghost" aria-label="Close diff" onClick={onClose}><X size={16} /></button>
      </header>
      <ReactFlowProvider>
        <div className="flex flex-1 overflow-hidden">
          <div className="flex-1" data-testid="diff-canvas">
            <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} nodesDraggable={false} nodesConnectable={false}
              elementsSelectable={false} minZoom={0.1} maxZoom={2} fitView proOptions={{ hideAttribution: true }}>
              <Background gap={16} size={1} />
            </ReactFlow>
          </div>
          <ChangeList diff={diff} />
        </div>
      </ReactFlowProvider>
    </div>
  )
}
