/** The toolbar's Checklist button (with the problem count) and its list; a problem click selects and centres its node. */
import { useReactFlow } from '@xyflow/react'
import { ListChecks } from 'lucide-react'
import { create } from 'zustand'
import { blockOf } from './blocks'
import { memoChecklist, type Problem } from './checklist'
import { useDoc } from './docStore'
import { useUi } from './uiStore'
import { knownOutputs } from './variables'

/** Whether the list is open, and whether a publish was refused (it opens the list). */
export const useChecklistOpen = create<{ open: boolean; refused: boolean; set: (open: boolean, refused?: boolean) => void }>()(
  (set) => ({ open: false, refused: false, set: (open, refused = false) => set({ open, refused }) }),
)

/** The current problems (memoised: a drag does not recompute them). */
export const useProblems = () => useDoc((s) => memoChecklist(s.nodes, s.edges, knownOutputs))

export const currentProblems = (): Problem[] => {
  const { nodes, edges } = useDoc.getState()
  return memoChecklist(nodes, edges, knownOutputs)
}

function groupByNode(problems: Problem[]): [string, Problem[]][] {
  const groups = new Map<string, Problem[]>()
  for (const p of problems) groups.set(p.nodeId, [...(groups.get(p.nodeId) ?? []), p])
  return [...groups]
}

export function Checklist() {
  const problems = useProblems()
  const open = useChecklistOpen((s) => s.open)
  const refused = useChecklistOpen((s) => s.refused)
  const setOpen = useChecklistOpen((s) => s.set)
  const rf = useReactFlow()

  const focus = (nodeId: string) => {
    if (!nodeId) return
    const { nodes, onNodesChange } = useDoc.getState()
    onNodesChange(nodes.filter((n) => n.selected !== (n.id === nodeId)).map((n) => ({ id: n.id, type: 'select', selected: n.id === nodeId })))
    useUi.getState().openPanel(nodeId)
    const internal = rf.getInternalNode(nodeId)
    if (!internal) return
    const { x, y } = internal.internals.positionAbsolute
    const w = internal.measured.width ?? internal.width ?? 244
    const h = internal.measured.height ?? internal.height ?? 90
    void rf.setCenter(x + w / 2, y + h / 2, { zoom: Math.max(rf.getZoom(), 0.8), duration: 200 })
  }

  const byId = new Map(useDoc.getState().nodes.map((n) => [n.id, n]))
  return (
    <>
      <button type="button" className="btn relative" onClick={() => setOpen(!open)} aria-label="Checklist"
        aria-expanded={open} title="Problems to fix before publishing">
        <ListChecks size={14} /> Checklist
        <span data-testid="checklist-count" data-count={problems.length}
          className={`ml-1 rounded-full px-1.5 text-xs font-semibold ${problems.length ? 'bg-amber-500 text-white' : 'bg-slate-100 text-slate-500'}`}>
          {problems.length}
        </span>
      </button>
      {open ? (
        <div className="popover right-2 top-12 max-h-[70vh] w-96 overflow-y-auto" role="dialog" aria-label="Checklist" data-testid="checklist">
          <div className="mb-2 flex justify-between">
            <span className="font-semibold">Checklist ({problems.length})</span>
            <button type="button" className="btn-ghost text-xs" onClick={() => setOpen(false)}>Close</button>
          </div>
          {refused && problems.length ? (
            <p className="mb-2 rounded bg-red-50 p-1.5 text-xs text-red-700" role="alert" data-testid="publish-refused">
              Publish refused: fix these problems first.
            </p>
          ) : null}
          {problems.length === 0 ? <p className="text-xs text-slate-500" data-testid="checklist-empty">No problems: ready to publish.</p> : null}
          <ul className="space-y-1">
            {groupByNode(problems).map(([nodeId, items]) => {
              const node = byId.get(nodeId)
              const block = node ? blockOf(node.data.type) : undefined
              const Icon = block?.icon
              return (
                <li key={nodeId || 'graph'} data-checklist-node={nodeId}>
                  <button type="button" className="w-full rounded p-1.5 text-left hover:bg-slate-50" onClick={() => focus(nodeId)}>
                    <span className="flex items-center gap-1.5 text-xs font-semibold">
                      {Icon ? <Icon size={12} color={block?.color} /> : null}
                      {node ? String(node.data.title || block?.title) : 'Workflow'}
                    </span>
                    {items.map((p, i) => (
                      <span key={i} className="block pl-4 text-xs text-red-600" data-problem-kind={p.kind}>{p.message}</span>
                    ))}
                  </button>
                </li>
              )
            })}
          </ul>
        </div>
      ) : null}
    </>
  )
}
