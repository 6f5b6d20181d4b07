/** Editor actions that talk to the gateway: save the draft, publish, run with the live overlay. */
import { consoleApi } from '../api/client'
import { streamRun } from '../api/sse'
import type { ApiKey, App } from '../api/types'
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

const KEY_PREFIX = 'riverflow.app-key.'

/** The studio's own key for an app (created once through the console API, kept in this browser). */
async function appKey(appId: string, fresh = false): Promise<string> {
  const stored = localStorage.getItem(KEY_PREFIX + appId)
  if (stored && !fresh) return stored
  const key = await consoleApi<ApiKey>(`/apps/${appId}/api-keys`, 'POST', { json: {} })
  localStorage.setItem(KEY_PREFIX + appId, key.token)
  return key.token
}

/**
 * Run the draft: the Service API runs the latest published version, so the draft is saved and published
 * first; the SSE stream then drives the overlay through the run store.
 */
export async function runDraft(app: App, inputs: Record<string, unknown>, query: string,
  viewport: { x: number; y: number; zoom: number }, signal: AbortSignal) {
  const run = useRunStore.getState()
  run.start(useDoc.getState().edges)
  try {
    await saveDraft(app.id, viewport)
    await publish(app.id)
    const chat = app.mode === 'advanced-chat'
    const path = chat ? '/v1/chat-messages' : '/v1/workflows/run'
    const body = chat
      ? { query, inputs, response_mode: 'streaming', user: 'studio' }
      : { inputs, response_mode: 'streaming', user: 'studio' }
    let key = await appKey(app.id)
    try {
      await streamRun(path, key, body, (e) => useRunStore.getState().apply(e), signal)
    } catch (error) {
      if ((error as { status?: number }).status !== 401) throw error
      key = await appKey(app.id, true) // the stored key was revoked
      await streamRun(path, key, body, (e) => useRunStore.getState().apply(e), signal)
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') useRunStore.getState().fail((error as Error).message)
  }
}
