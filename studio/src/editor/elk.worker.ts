/// <reference lib="webworker" />
/** ELK runs here, off the main thread; the editor loads this worker only when auto-layout is used. */
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js'

const elk = new ELK()

self.onmessage = async (event: MessageEvent<{ id: number; graph: ElkNode }>) => {
  try {
    const result = await elk.layout(event.data.graph)
    self.postMessage({ id: event.data.id, result })
  } catch (error) {
    self.postMessage({ id: event.data.id, error: String(error) })
  }
}
