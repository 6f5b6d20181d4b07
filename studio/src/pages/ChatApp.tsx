/**
 * A chatbot or agent app (model config, no canvas): edit its pre-prompt and opening statement (saved to the
 * draft with `POST /console/api/apps/<id>/model-config`, then published), and a chat preview. The console
 * has no debug run for these modes, so the preview talks to the published app through the Service API
 * (`/v1/chat-messages`, streaming) with a key created for the studio, as the API access page creates one.
 */
import { useQuery } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import { Link, useParams } from 'react-router'
import { consoleApi } from '../api/client'
import { streamRun } from '../api/sse'
import type { ApiKey, App } from '../api/types'
import { type ChatMessage, ChatTranscript } from '../chat/ChatTranscript'

type ModelConfig = Record<string, unknown> & { pre_prompt?: string; opening_statement?: string }

/** The preview's key, one per app for the browser session (the token is only shown when created). */
async function previewKey(appId: string): Promise<string> {
  const stored = sessionStorage.getItem(`riverflow.preview-key.${appId}`)
  if (stored) return stored
  const key = await consoleApi<ApiKey>(`/apps/${appId}/api-keys`, 'POST', { json: {} })
  sessionStorage.setItem(`riverflow.preview-key.${appId}`, key.token)
  return key.token
}

export function ChatApp() {
  const { appId = '' } = useParams()
  const app = useQuery({ queryKey: ['app', appId], queryFn: () => consoleApi<App>(`/apps/${appId}`) })
  const draft = useQuery({
    queryKey: ['draft', appId],
    queryFn: () => consoleApi<{ model_config: ModelConfig | null }>(`/apps/${appId}/workflows/draft`),
  })
  const [edits, setEdits] = useState<{ pre_prompt?: string; opening_statement?: string }>({})
  const [saved, setSaved] = useState('')
  const [messages, setMessages] = useState<ChatMessage[]>([])
  const [conversationId, setConversationId] = useState<string>()
  const [busy, setBusy] = useState(false)
  const abort = useRef<AbortController | null>(null)
  const config = draft.data?.model_config ?? {}

  const prePrompt = edits.pre_prompt ?? String(config.pre_prompt ?? '')
  const opening = edits.opening_statement ?? String(config.opening_statement ?? '')

  const save = async () => {
    setSaved('Saving…')
    try {
      await consoleApi(`/apps/${appId}/model-config`, 'POST', { json: { ...config, pre_prompt: prePrompt, opening_statement: opening } })
      await consoleApi(`/apps/${appId}/workflows/publish`, 'POST', { json: {} })
      await draft.refetch()
      setEdits({})
      setSaved('Saved and published')
    } catch (error) {
      setSaved((error as Error).message)
    }
  }

  const send = async (query: string) => {
    abort.current = new AbortController()
    const history: ChatMessage[] = [...messages, { role: 'user', text: query }]
    let text = ''
    let conversation = conversationId
    let failed: string | undefined
    setMessages([...history, { role: 'assistant', text }])
    setBusy(true)
    try {
      const body = { query, inputs: {}, response_mode: 'streaming', user: 'studio-preview', ...(conversation ? { conversation_id: conversation } : {}) }
      await streamRun('/v1/chat-messages', await previewKey(appId), body, (e) => {
        if (typeof e.conversation_id === 'string' && e.conversation_id) conversation = e.conversation_id
        if (e.event === 'message' || e.event === 'agent_message') {
          text += String(e.answer ?? '')
          setMessages([...history, { role: 'assistant', text }])
        }
        if (e.event === 'error') failed = String(e.message ?? 'The reply failed.')
      }, abort.current.signal)
    } catch (error) {
      if ((error as Error).name !== 'AbortError') failed = (error as Error).message
    }
    setMessages([...history, { role: 'assistant', text, error: failed }])
    setConversationId(conversation)
    setBusy(false)
  }

  const reset = () => {
    abort.current?.abort()
    setMessages([])
    setConversationId(undefined)
  }

  const greeting = String(config.opening_statement ?? '')
  const shown: ChatMessage[] = greeting ? [{ role: 'assistant', text: greeting }, ...messages] : messages
  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-bold">{app.data?.name}</h1>
        <Link className="btn" to={`/apps/${appId}/api`}>API access</Link>
      </div>
      <div className="grid grid-cols-2 gap-4">
        <div className="card space-y-2">
          <label className="block text-sm">Instructions (pre-prompt)
            <textarea className="input h-32" aria-label="Pre-prompt" disabled={!draft.data} value={prePrompt} onChange={(e) => setEdits({ ...edits, pre_prompt: e.target.value })} />
          </label>
          <label className="block text-sm">Opening statement
            <textarea className="input h-20" aria-label="Opening statement" disabled={!draft.data} value={opening} onChange={(e) => setEdits({ ...edits, opening_statement: e.target.value })} />
          </label>
          <button type="button" className="btn-primary" onClick={() => void save()} disabled={!draft.data}>Save and publish</button>
          {saved ? <p className="text-xs" role="status">{saved}</p> : null}
        </div>
        <div className="card space-y-2">
          <div className="text-sm font-semibold">Preview (the published app)</div>
          <ChatTranscript messages={shown} busy={busy} conversationId={conversationId} onSend={(q) => void send(q)} onReset={reset} />
        </div>
      </div>
    </div>
  )
}
