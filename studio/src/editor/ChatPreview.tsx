/**
 * A chatflow's chat preview in the run panel: each message runs the draft through the console API
 * (`.../advanced-chat/workflows/draft/run`) and continues the conversation of the first reply; the answer
 * streams into the transcript from the run store while the overlay shows the run. "New conversation" resets.
 */
import { useReactFlow } from '@xyflow/react'
import { useRef, useState } from 'react'
import type { App } from '../api/types'
import { type ChatMessage, ChatTranscript } from '../chat/ChatTranscript'
import { runDraft } from './actions'
import { useRunStore } from './runStore'

export function ChatPreview({ app, inputs }: { app: App; inputs: () => Record<string, unknown> }) {
  const rf = useReactFlow()
  const [messages, setMessages] = useState<ChatMessage[]>([])
  const [conversationId, setConversationId] = useState<string>()
  const [busy, setBusy] = useState(false)
  const abort = useRef<AbortController | null>(null)
  const answer = useRunStore((s) => s.answer)

  const send = async (query: string) => {
    abort.current?.abort()
    abort.current = new AbortController()
    setMessages((m) => [...m, { role: 'user', text: query }, { role: 'assistant', text: '' }])
    setBusy(true)
    const id = await runDraft(app, inputs(), query, rf.getViewport(), abort.current.signal, conversationId)
    const { answer: text, error } = useRunStore.getState()
    setMessages((m) => [...m.slice(0, -1), { role: 'assistant', text, error }])
    setConversationId(id)
    setBusy(false)
  }

  const reset = () => {
    abort.current?.abort()
    setMessages([])
    setConversationId(undefined)
    useRunStore.getState().reset()
  }

  const shown: ChatMessage[] = busy ? [...messages.slice(0, -1), { role: 'assistant', text: answer }] : messages
  return <ChatTranscript messages={shown} busy={busy} conversationId={conversationId} onSend={(q) => void send(q)} onReset={reset} />
}
