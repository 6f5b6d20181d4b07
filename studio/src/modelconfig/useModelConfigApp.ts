/**
 * Shared by the chatbot/agent and text-generator pages (apps with a model config, no canvas): the app, its
 * draft's model config, saving changes to the draft (`POST /console/api/apps/<id>/model-config`) then
 * publishing, and the preview's Service API key (the console has no debug run for these modes, so the
 * previews talk to the published app with a key created for the studio, as the API access page creates one).
 */
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { consoleApi } from '../api/client'
import type { ApiKey, App } from '../api/types'

export type ModelConfig = Record<string, unknown> & {
  pre_prompt?: string
  opening_statement?: string
  user_input_form?: Record<string, Record<string, unknown>>[]
}

/** The preview's key, one per app for the browser session (the token is only shown when created). */
export async function previewKey(appId: string): Promise<string> {
  const stored = sessionStorage.getItem(`riverflow.preview-key.${appId}`)
  if (stored) return stored
  const key = await consoleApi<ApiKey>(`/apps/${appId}/api-keys`, 'POST', { json: {} })
  sessionStorage.setItem(`riverflow.preview-key.${appId}`, key.token)
  return key.token
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
