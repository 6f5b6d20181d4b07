/**
 * A text-generator app (mode `completion`, model config, no canvas): edit its pre-prompt, whose `{{name}}`
 * references become the app's user input form variables (text inputs, as Dify adds them), saved to the
 * draft then published; and run the draft with the unsaved prompt through the console's debugger
 * (`/console/api/apps/<id>/completion-messages`, streaming `message` events) with the form's inputs.
 * Loading, saving and the debug run: useModelConfigApp.
 */
import { Play, Square } from 'lucide-react'
import { useRef, useState } from 'react'
import { useParams } from 'react-router'
import { InputFields, inputsOf, variableOf } from '../modelconfig/InputFields'
import { ModelConfigLayout } from '../modelconfig/ModelConfigLayout'
import { debugRun, useModelConfigApp } from '../modelconfig/useModelConfigApp'

type FormItem = Record<string, Record<string, unknown>>
const VARIABLE = /\{\{([a-zA-Z_][a-zA-Z0-9_]{0,29})\}\}/g

/** The names a prompt references, in order, once each. */
export function promptVariables(prompt: string): string[] {
  return [...new Set([...prompt.matchAll(VARIABLE)].map((m) => m[1]))]
}

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
  // What would be saved: the run tries it, so a new {{name}} already has its input.
  const changes = { pre_prompt: prePrompt, user_input_form: withPromptVariables(form, prePrompt) }
  const fields = changes.user_input_form.map(variableOf).filter(Boolean)

  const save = async () => {
    if (await saveAndPublish(changes)) setEdit(undefined)
  }

  const run = async () => {
    abort.current = new AbortController()
    let text = ''
    setOutput('')
    setFailure('')
    setBusy(true)
    try {
      const body = { inputs: inputsOf(fields, inputs) }
      await debugRun(appId, 'completion-messages', body, { ...config, ...changes }, (e) => {
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
        Inputs: {fields.length ? fields.join(', ') : 'none'}
        {pending.length ? ' (new ones are added when saved)' : ''}
      </p>
    </>}>
      <form className="card space-y-2" aria-label="Run the draft" onSubmit={(e) => { e.preventDefault(); void run() }}>
        <div className="text-sm font-semibold">Debug run (the draft, with unsaved edits)</div>
        <InputFields names={fields} values={inputs} onChange={setInputs} />
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
