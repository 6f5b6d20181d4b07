/** The block selector (cmdk): search the addable blocks; adds at the pending place (free, handle, edge). */
import { Command } from 'cmdk'
import { ADDABLE_BLOCKS, CONTAINER_TYPES } from './blocks'
import { useDoc } from './docStore'
import { useUi } from './uiStore'

const GROUPS = ['Basics', 'Knowledge & models', 'Logic', 'Transform', 'Tools'] as const

export function BlockSelector() {
  const pending = useUi((s) => s.selector)
  const open = pending !== null
  const close = () => useUi.getState().openSelector(null)
  const parent = pending?.parentId ? useDoc.getState().nodes.find((n) => n.id === pending.parentId) : undefined
  const allowed = ADDABLE_BLOCKS.filter((b) =>
    parent ? !CONTAINER_TYPES.has(b.type) && (b.type !== 'loop-end' || parent.data.type === 'loop') : b.type !== 'loop-end',
  )
  const choose = (type: string) => {
    if (!pending) return
    const { addBlock } = useDoc.getState()
    const position = { x: pending.position.x, y: pending.position.y }
    const id = addBlock(type, {
      position,
      parentId: pending.parentId,
      from: pending.kind === 'handle' ? { source: pending.source, sourceHandle: pending.sourceHandle } : undefined,
      onEdge: pending.kind === 'edge' ? pending.edgeId : undefined,
    })
    close()
    useUi.getState().openPanel(id)
  }
  return (
    // cmdk labels its input with the dialog's label (aria-labelledby), so that label is the input's name.
    <Command.Dialog open={open} onOpenChange={(o) => !o && close()} label="Search blocks"
      className="block-selector" overlayClassName="dialog-overlay">
      <Command.Input autoFocus placeholder="Search blocks…" className="input" />
      <Command.List className="max-h-80 overflow-auto">
        <Command.Empty className="p-2 text-sm text-slate-500">No block matches.</Command.Empty>
        {GROUPS.map((group) => {
          const blocks = allowed.filter((b) => b.group === group)
          if (!blocks.length) return null
          return (
            <Command.Group key={group} heading={group}>
              {blocks.map((b) => (
                <Command.Item key={b.type} value={`${b.title} ${b.type}`} onSelect={() => choose(b.type)}
                  className="block-item" data-block={b.type}>
                  <span className="rf-node-icon" style={{ background: b.color }}>
                    <b.icon size={14} color="white" />
                  </span>
                  <span className="font-medium">{b.title}</span>
                  <span className="ml-auto text-xs text-slate-500">{b.description}</span>
                </Command.Item>
              ))}
            </Command.Group>
          )
        })}
      </Command.List>
    </Command.Dialog>
  )
}
