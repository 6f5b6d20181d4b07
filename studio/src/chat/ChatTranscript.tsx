/**
 * A chat transcript: user and assistant bubbles, the assistant's last bubble streaming, a message box and
 * "New conversation". Presentational: the caller sends each message and owns the conversation.
 */
import { RotateCcw, Send } from 'lucide-react'
import { useState } from 'react'

export interface ChatMessage {
  role: 'user' | 'assistant'
  text: string
  error?: string
}

export function ChatTranscript({ messages, busy, conversationId, onSend, onReset }: {
  messages: ChatMessage[]
  busy: boolean
  conversationId?: string
  onSend: (query: string) => void
  onReset: () => void
}) {
  const [draft, setDraft] = useState('')
  const send = () => {
    const query = draft.trim()
    if (!query || busy) return
    setDraft('')
    onSend(query)
  }
  return (
    <div className="space-y-2 text-xs" data-testid="chat-transcript" data-conversation-id={conversationId ?? ''}>
      <ol className="max-h-80 space-y-1 overflow-auto" aria-label="Conversation">
        {messages.map((m, i) => (
          <li key={i} data-role={m.role} data-testid={`chat-${m.role}`}
            className={`whitespace-pre-wrap rounded p-2 ${m.role === 'user' ? 'ml-6 bg-blue-50' : 'mr-6 bg-slate-100'}`}>
            {m.text || (m.role === 'assistant' && busy && i === messages.length - 1 ? '…' : '')}
            {m.error ? <div className="text-red-600" role="alert">{m.error}</div> : null}
          </li>
        ))}
      </ol>
      <form className="flex gap-1" onSubmit={(e) => { e.preventDefault(); send() }}>
        <input className="input min-w-0 flex-1" aria-label="Message" placeholder="Talk to the app" value={draft}
          onChange={(e) => setDraft(e.target.value)} />
        <button type="submit" className="btn-primary" aria-label="Send" disabled={busy || !draft.trim()}><Send size={14} /></button>
      </form>
      <button type="button" className="btn w-full justify-center" onClick={onReset} disabled={busy || messages.length === 0}>
        <RotateCcw size={14} /> New conversation
      </button>
    </div>
  )
}
