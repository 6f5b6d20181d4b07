/** A block's coloured icon square, as on the canvas, in the block selector and in the palette. */
import type { Block } from './blocks'

export function BlockIcon({ block }: { block: Block }) {
  const Icon = block.icon
  return (
    <span className="rf-node-icon" style={{ background: block.color }}>
      <Icon size={14} color="white" />
    </span>
  )
}
