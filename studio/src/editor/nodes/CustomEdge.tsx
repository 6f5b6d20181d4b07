/** A Dify edge: bezier, lit when the run took it, with an insert "+" button while selected. */
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react'
import { Plus } from 'lucide-react'
import { memo } from 'react'
import type { FlowEdge } from '../graph'
import { useRunStore } from '../runStore'
import { useUi } from '../uiStore'

function CustomEdgeView(props: EdgeProps<FlowEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected } = props
  const taken = useRunStore((s) => s.edges[id])
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition })
  const stroke = taken ? '#10b981' : selected ? '#2563eb' : '#94a3b8'
  return (
    <>
      <BaseEdge id={id} path={path} style={{ stroke, strokeWidth: taken || selected ? 2.5 : 1.5 }} />
      {selected ? (
        <EdgeLabelRenderer>
          <button
            type="button"
            className="edge-insert nodrag nopan"
            aria-label="Insert a block on this edge"
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            onClick={(event) => {
              event.stopPropagation()
              useUi.getState().openSelector({ kind: 'edge', edgeId: id, position: { x: labelX, y: labelY } })
            }}
          >
            <Plus size={12} />
          </button>
        </EdgeLabelRenderer>
      ) : null}
    </>
  )
}

export const CustomEdge = memo(CustomEdgeView)
