/**
 * Copy/paste through the system clipboard: Ctrl+C writes the selection as a Dify node/edge fragment (JSON
 * text, which is YAML too), Ctrl+V in any app's editor pastes one as a single undo step.
 */
import { extras } from './actions'
import { newNodeId, useDoc } from './docStore'
import { fragmentOf, instantiate, parseFragment } from './fragment'

/** Copy the selection to the system clipboard; the number of nodes copied. */
export async function copySelection(): Promise<number> {
  const { nodes, edges } = useDoc.getState()
  const fragment = fragmentOf(nodes, edges, new Set(nodes.filter((n) => n.selected).map((n) => n.id)), extras)
  if (!fragment) return 0
  await navigator.clipboard.writeText(JSON.stringify(fragment, null, 2))
  return fragment.graph.nodes.length
}

/** Paste the clipboard's nodes into the draft (one undo step); the pasted nodes' ids. */
export async function pasteClipboard(): Promise<string[]> {
  const graph = parseFragment(await navigator.clipboard.readText())
  if (!graph) throw new Error('The clipboard holds no Dify nodes')
  const pasted = instantiate(graph, useDoc.getState().nodes, newNodeId)
  for (const [id, rest] of pasted.extras) extras.set(id, rest)
  useDoc.getState().insert(pasted.nodes, pasted.edges)
  return pasted.nodes.map((n) => n.id)
}
