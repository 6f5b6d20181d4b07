/**
 * Auto-layout with ELK `layered` (left to right) in a Web Worker. Branch handles are ELK ports in fixed
 * order, so if-else cases keep their order with ELSE last, as in Dify. Container children keep their
 * places; the containers move as blocks.
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk.bundled.js'
import { sourceHandles } from './blocks'
import type { FlowEdge, FlowNode } from './graph'

let worker: Worker | null = null
let sequence = 0

function layoutWorker(): Worker {
  worker ??= new Worker(new URL('./elk.worker.ts', import.meta.url), { type: 'module' })
  return worker
}

export async function autoLayout(nodes: FlowNode[], edges: FlowEdge[]): Promise<Map<string, { x: number; y: number }>> {
  const top = nodes.filter((n) => !n.parentId)
  const ids = new Set(top.map((n) => n.id))
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.layering.strategy': 'NETWORK_SIMPLEX',
    },
    children: top.map((n) => ({
      id: n.id,
      width: n.measured?.width ?? n.width ?? 244,
      height: n.measured?.height ?? n.height ?? 90,
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
      ports: [
        { id: `${n.id}::target`, layoutOptions: { 'elk.port.side': 'WEST' } },
        ...sourceHandles(n.data).map((h, i) => ({
          id: `${n.id}::${h.id}`,
          layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) },
        })),
      ],
    })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map(
        (e): ElkExtendedEdge => ({
          id: e.id,
          sources: [`${e.source}::${e.sourceHandle ?? 'source'}`],
          targets: [`${e.target}::target`],
        }),
      ),
  }
  const id = ++sequence
  const w = layoutWorker()
  const result = await new Promise<ElkNode>((resolve, reject) => {
    const listener = (event: MessageEvent<{ id: number; result?: ElkNode; error?: string }>) => {
      if (event.data.id !== id) return
      w.removeEventListener('message', listener)
      if (event.data.result) resolve(event.data.result)
      else reject(new Error(event.data.error ?? 'layout failed'))
    }
    w.addEventListener('message', listener)
    w.postMessage({ id, graph })
  })
  return new Map((result.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]))
}
