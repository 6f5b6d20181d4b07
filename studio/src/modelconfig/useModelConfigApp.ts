/**
 * Shared by the chatbot/agent and text-generator pages (apps with a model config, no canvas): the app, its
 * draft's model config, saving changes to the draft (`POST /console/api/apps/<id>/model-config`) then
 * publishing, and the debugger's run: the console's `chat-messages` / `completion-messages` with the
 * editor's config as `model_config`, so unsaved edits can be tried before they are published.
 */
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { consoleApi, session } from '../api/client'
import { type RunEvent, streamRun } from '../api/sse'
import type { App } from '../api/types'

export type ModelConfig = Record<string, unknown> & {
  pre_prompt?: string
  opening_statement?: string
  user_input_form?: Record<string, Record<string, unknown>>[]
}

/** Streams a debug run of the draft with `modelConfig` in place of its saved config (nothing is saved). */
export async function debugRun(
  appId: string,
  route: 'chat-messages' | 'completion-messages',
  body: Record<string, unknown>,
  modelConfig: ModelConfig,
  onEvent: (event: RunEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const payload = { ...body, model_config: modelConfig, response_mode: 'streaming' }
  await streamRun(`/console/api/apps/${appId}/${route}`, session.token() ?? '', payload, onEvent, signal)
}

export function useModelConfigApp(appId: string) {
  const app = useQuery({ queryKey: ['app', appId], queryFn: () => consoleApi<App>(`/apps/${appId}`) })
  const draft = useQuery({
    queryKey: ['draft', appId],
    queryFn: () => consoleApi<{ model_config: ModelConfig | null }>(`/apps/${appId}/workflows/draft`),
  })
  const [status, setStatus] = useState('')
  const config: ModelConfig = draft.data?.model_config ?? {}

  /** Saves `changes` over the draft's config (the rest is kept), publishes; true when both succeeded. */
  const saveAndPublish = async (changes: Partial<ModelConfig>): Promise<boolean> => {
    setStatus('Saving…')
    try {
      await consoleApi(`/apps/${appId}/model-config`, 'POST', { json: { ...config, ...changes } })
      await consoleApi(`/apps/${appId}/workflows/publish`, 'POST', { json: {} })
      await draft.refetch()
      setStatus('Saved and published')
      return true
    } catch (error) {
      setStatus((error as Error).message)
      return false
    }
  }

  return { app: app.data, loaded: Boolean(draft.data), config, status, saveAndPublish }
}
