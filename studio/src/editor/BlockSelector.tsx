/** The block selector (cmdk): search the addable blocks; adds at the pending place (free, handle, edge). */
import { Command } from 'cmdk'
import { BLOCK_GROUPS, blocksAllowedIn } from './blocks'
import { BlockIcon } from './BlockIcon'
import { useDoc } from './docStore'
import { useUi } from './uiStore'

export function BlockSelector() {
  const pending = useUi((s) => s.selector)
  const open = pending !== null
  const close = () => useUi.getState().openSelector(null)
  const parent = pending?.parentId ? useDoc.getState().nodes.find((n) => n.id === pending.parentId) : undefined
  const allowed = blocksAllowedIn(parent?.data.type)
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
        {BLOCK_GROUPS.map((group) => {
          const blocks = allowed.filter((b) => b.group === group)
          if (!blocks.length) return null
          return (
            <Command.Group key={group} heading={group}>
              {blocks.map((b) => (
                <Command.Item key={b.type} value={`${b.title} ${b.type}`} onSelect={() => choose(b.type)}
                  className="block-item" data-block={b.type}>
                  <BlockIcon block={b} />
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
