/**
 * A text-generator app (mode `completion`, model config, no canvas): edit its pre-prompt, whose `{{name}}`
 * references become the app's user input form variables (text inputs, as Dify adds them), saved to the
 * draft then published; then run the published app through the Service API (`/v1/completion-messages`,
 * streaming `message` events) with the form's inputs. Loading, saving and the key: useModelConfigApp.
 */
import { Play, Square } from 'lucide-react'
import { useRef, useState } from 'react'
import { useParams } from 'react-router'
import { streamRun } from '../api/sse'
import { ModelConfigLayout } from '../modelconfig/ModelConfigLayout'
import { previewKey, useModelConfigApp } from '../modelconfig/useModelConfigApp'

type FormItem = Record<string, Record<string, unknown>>
const VARIABLE = /\{\{([a-zA-Z_][a-zA-Z0-9_]{0,29})\}\}/g

/** The names a prompt references, in order, once each. */
export function promptVariables(prompt: string): string[] {
  return [...new Set([...prompt.matchAll(VARIABLE)].map((m) => m[1]))]
}

const variableOf = (item: FormItem) => String(Object.values(item)[0]?.variable ?? '')

/** The form with a text input for each variable the prompt references that it lacks (others are kept). */
function withPromptVariables(form: FormItem[], prompt: string): FormItem[] {
  const known = new Set(form.map(variableOf))
  const added = promptVariables(prompt).filter((name) => !known.has(name))
    .map((name) => ({ 'text-input': { label: name, variable: name, required: true, max_length: 256, default: '' } }))
  return [...form, ...added]
}

export function CompletionApp() {
  const { appId = '' } = useParams()
  const { app, loaded, config, status, saveAndPublish } = useModelConfigApp(appId)
  const [edit, setEdit] = useState<string>()
  const [inputs, setInputs] = useState<Record<string, string>>({})
  const [output, setOutput] = useState('')
  const [failure, setFailure] = useState('')
  const [busy, setBusy] = useState(false)
  const abort = useRef<AbortController | null>(null)

  const prePrompt = edit ?? String(config.pre_prompt ?? '')
  const form: FormItem[] = config.user_input_form ?? []
  const names = form.map(variableOf).filter(Boolean)

  const save = async () => {
    const changes = { pre_prompt: prePrompt, user_input_form: withPromptVariables(form, prePrompt) }
    if (await saveAndPublish(changes)) setEdit(undefined)
  }

  const run = async () => {
    abort.current = new AbortController()
    let text = ''
    setOutput('')
    setFailure('')
    setBusy(true)
    try {
      const body = { inputs: Object.fromEntries(names.map((n) => [n, inputs[n] ?? ''])), response_mode: 'streaming', user: 'studio-preview' }
      await streamRun('/v1/completion-messages', await previewKey(appId), body, (e) => {
        if (e.event === 'message') {
          text += String(e.answer ?? '')
          setOutput(text)
        }
        if (e.event === 'error') setFailure(String(e.message ?? 'The run failed.'))
      }, abort.current.signal)
    } catch (error) {
      if ((error as Error).name !== 'AbortError') setFailure((error as Error).message)
    }
    setBusy(false)
  }

  const pending = promptVariables(prePrompt).filter((n) => !names.includes(n))
  return (
    <ModelConfigLayout appId={appId} name={app?.name} loaded={loaded} status={status} onSave={() => void save()} editor={<>
      <label className="block text-sm">Prompt (pre-prompt; <code>{'{{name}}'}</code> adds an input)
        <textarea className="input h-40" aria-label="Pre-prompt" disabled={!loaded} value={prePrompt} onChange={(e) => setEdit(e.target.value)} />
      </label>
      <p className="text-xs text-slate-500" data-testid="prompt-variables">
        Inputs: {names.length || pending.length ? [...names, ...pending].join(', ') : 'none'}
        {pending.length ? ' (new ones are added when saved)' : ''}
      </p>
    </>}>
      <form className="card space-y-2" aria-label="Run the published app" onSubmit={(e) => { e.preventDefault(); void run() }}>
        <div className="text-sm font-semibold">Run (the published app)</div>
        {names.map((name) => (
          <label key={name} className="block text-sm">{name}
            <input className="input" aria-label={name} value={inputs[name] ?? ''} onChange={(e) => setInputs({ ...inputs, [name]: e.target.value })} />
          </label>
        ))}
        <div className="flex gap-2">
          <button type="submit" className="btn-primary" disabled={busy || !loaded}><Play size={14} /> Run</button>
          {busy ? <button type="button" className="btn" onClick={() => abort.current?.abort()}><Square size={14} /> Stop</button> : null}
        </div>
        <div className="min-h-16 whitespace-pre-wrap rounded bg-slate-100 p-2 text-xs" data-testid="completion-output" aria-busy={busy}>
          {output || (busy ? '…' : '')}
        </div>
        {failure ? <p className="text-xs text-red-600" role="alert">{failure}</p> : null}
      </form>
    </ModelConfigLayout>
  )
}
