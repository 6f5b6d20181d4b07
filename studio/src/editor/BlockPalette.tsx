/**
 * The block palette: the addable blocks in a side list, dragged onto the canvas with HTML5 drag and
 * drop. A drop inside an iteration or loop adds the block to that container (where it is allowed).
 */
import { useReactFlow } from '@xyflow/react'
import { type DragEvent, useCallback } from 'react'
import { BLOCK_GROUPS, blocksAllowedIn, CONTAINER_TYPES } from './blocks'
import { BlockIcon } from './BlockIcon'
import { useDoc } from './docStore'
import { useUi } from './uiStore'

/** The drag payload's type: a block type string, nothing else is accepted on drop. */
export const BLOCK_MIME = 'application/x-riverflow-block'

export function BlockPalette() {
  const blocks = blocksAllowedIn()
  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(BLOCK_MIME, type)
    event.dataTransfer.effectAllowed = 'copy'
  }
  return (
    <aside className="palette" aria-label="Blocks" data-testid="block-palette">
      <p className="px-2 pb-1 text-xs text-slate-500">Drag a block onto the canvas</p>
      {BLOCK_GROUPS.map((group) => {
        const inGroup = blocks.filter((b) => b.group === group)
        if (!inGroup.length) return null
        return (
          <section key={group} aria-label={group}>
            <h3 className="px-2 pt-2 text-xs font-semibold text-slate-400">{group}</h3>
            {inGroup.map((b) => (
              <div key={b.type} className="palette-item" draggable data-palette-block={b.type} title={b.description}
                onDragStart={(e) => onDragStart(e, b.type)}>
                <BlockIcon block={b} />
                <span className="truncate">{b.title}</span>
              </div>
            ))}
          </section>
        )
      })}
    </aside>
  )
}

/** The canvas's drag-over and drop handlers: place the dragged block where it is dropped. */
export function useBlockDrop() {
  const rf = useReactFlow()
  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(BLOCK_MIME)) return
    event.preventDefault()
    event.dataTransfer.dropEffect = 'copy'
  }, [])
  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(BLOCK_MIME)
      if (!type) return
      event.preventDefault()
      const flow = rf.screenToFlowPosition({ x: event.clientX, y: event.clientY })
      // The innermost container under the pointer, if any, becomes the parent.
      const container = rf
        .getIntersectingNodes({ x: flow.x, y: flow.y, width: 1, height: 1 })
        .filter((n) => CONTAINER_TYPES.has(String(n.data.type)))
        .at(-1)
      if (!blocksAllowedIn(container ? String(container.data.type) : undefined).some((b) => b.type === type)) return
      const origin = container ? rf.getInternalNode(container.id)?.internals.positionAbsolute : undefined
      const position = origin ? { x: flow.x - origin.x, y: flow.y - origin.y } : flow
      const id = useDoc.getState().addBlock(type, { position, parentId: container?.id })
      useUi.getState().openPanel(id)
    },
    [rf],
  )
  return { onDragOver, onDrop }
}
