/**
 * A chatbot or agent app (model config, no canvas): edit its pre-prompt and opening statement (saved to the
 * draft, then published), and a chat preview that debugs the draft with the unsaved edits through the
 * console (`/console/api/apps/<id>/chat-messages`, streaming) with the app's user inputs (sent with the first
 * message; a conversation keeps them). Loading, saving, the debug run: useModelConfigApp.
 */
import { useRef, useState } from 'react'
import { useParams } from 'react-router'
import { type ChatMessage, ChatTranscript } from '../chat/ChatTranscript'
import { InputFields, inputsOf, variableOf } from '../modelconfig/InputFields'
import { ModelConfigLayout } from '../modelconfig/ModelConfigLayout'
import { debugRun, useModelConfigApp } from '../modelconfig/useModelConfigApp'

export function ChatApp() {
  const { appId = '' } = useParams()
  const { app, loaded, config, status, saveAndPublish } = useModelConfigApp(appId)
  const [edits, setEdits] = useState<{ pre_prompt?: string; opening_statement?: string }>({})
  const [messages, setMessages] = useState<ChatMessage[]>([])
  const [conversationId, setConversationId] = useState<string>()
  const [busy, setBusy] = useState(false)
  const [inputs, setInputs] = useState<Record<string, string>>({})
  const abort = useRef<AbortController | null>(null)

  const prePrompt = edits.pre_prompt ?? String(config.pre_prompt ?? '')
  const opening = edits.opening_statement ?? String(config.opening_statement ?? '')
  const edited = { ...config, pre_prompt: prePrompt, opening_statement: opening }
  const names = (config.user_input_form ?? []).map(variableOf).filter(Boolean)

  const save = async () => {
    if (await saveAndPublish({ pre_prompt: prePrompt, opening_statement: opening })) setEdits({})
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
      const body = { query, inputs: inputsOf(names, inputs), ...(conversation ? { conversation_id: conversation } : {}) }
      await debugRun(appId, 'chat-messages', body, edited, (e) => {
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

  const greeting = opening
  const shown: ChatMessage[] = greeting ? [{ role: 'assistant', text: greeting }, ...messages] : messages
  return (
    <ModelConfigLayout appId={appId} name={app?.name} loaded={loaded} status={status} onSave={() => void save()} editor={<>
      <label className="block text-sm">Instructions (pre-prompt)
        <textarea className="input h-32" aria-label="Pre-prompt" disabled={!loaded} value={prePrompt} onChange={(e) => setEdits({ ...edits, pre_prompt: e.target.value })} />
      </label>
      <label className="block text-sm">Opening statement
        <textarea className="input h-20" aria-label="Opening statement" disabled={!loaded} value={opening} onChange={(e) => setEdits({ ...edits, opening_statement: e.target.value })} />
      </label>
    </>}>
      <div className="card space-y-2">
        <div className="text-sm font-semibold">Debug and preview (the draft, with unsaved edits)</div>
        <InputFields names={names} values={inputs} onChange={setInputs} />
        <ChatTranscript messages={shown} busy={busy} conversationId={conversationId} onSend={(q) => void send(q)} onReset={reset} />
      </div>
    </ModelConfigLayout>
  )
}
