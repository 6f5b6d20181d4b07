/** Editor actions that talk to the gateway: save the draft, publish, run the draft with the live overlay. */
import { consoleApi, session } from '../api/client'
import { streamRun } from '../api/sse'
import type { App } from '../api/types'
import { useDoc } from './docStore'
import { toDify } from './graph'
import { useRunStore } from './runStore'

/** Fields of the imported nodes React Flow does not use, kept for the export. */
export const extras = new Map<string, Record<string, unknown>>()

export async function saveDraft(appId: string, viewport: { x: number; y: number; zoom: number }) {
  const { nodes, edges } = useDoc.getState()
  await consoleApi(`/apps/${appId}/workflows/draft`, 'POST', { json: { graph: toDify(nodes, edges, extras, viewport) } })
  useDoc.getState().markSaved()
}

export async function publish(appId: string) {
  return consoleApi<{ version: string; id: string }>(`/apps/${appId}/workflows/publish`, 'POST', { json: {} })
}

/**
 * Run the draft as the console's debugger does: the draft is saved, then run through the console API
 * (nothing is published); the SSE stream drives the overlay through the run store. A chatflow's run
 * continues `conversationId` when given; the conversation id of the reply is returned.
 */
export async function runDraft(app: App, inputs: Record<string, unknown>, query: string,
  viewport: { x: number; y: number; zoom: number }, signal: AbortSignal, conversationId?: string) {
  const run = useRunStore.getState()
  run.start(useDoc.getState().edges)
  let conversation = conversationId
  try {
    await saveDraft(app.id, viewport)
    const chat = app.mode === 'advanced-chat'
    const path = `/console/api/apps/${app.id}/${chat ? 'advanced-chat/' : ''}workflows/draft/run`
    const body = chat ? { query, inputs, ...(conversationId ? { conversation_id: conversationId } : {}) } : { inputs }
    await streamRun(path, session.token() ?? '', body, (e) => {
      if (typeof e.conversation_id === 'string' && e.conversation_id) conversation = e.conversation_id
      useRunStore.getState().apply(e)
    }, signal)
  } catch (error) {
    if ((error as Error).name !== 'AbortError') useRunStore.getState().fail((error as Error).message)
  }
  return conversation
}
