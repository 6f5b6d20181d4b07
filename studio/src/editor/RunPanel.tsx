/** The run panel: the start node's inputs, Run, the run status, outputs and a per-node trace. */
import { useReactFlow } from '@xyflow/react'
import { Play, X } from 'lucide-react'
import { useRef, useState } from 'react'
import type { App } from '../api/types'
import { runDraft } from './actions'
import { useDoc } from './docStore'
import { useRunStore } from './runStore'
import { useUi } from './uiStore'

export function RunPanel({ app }: { app: App }) {
  const rf = useReactFlow()
  const start = useDoc((s) => s.nodes.find((n) => n.data.type === 'start'))
  const variables = (start?.data.variables as { variable: string; type: string; required?: boolean }[]) ?? []
  const [inputs, setInputs] = useState<Record<string, string>>({})
  const [query, setQuery] = useState('')
  const abort = useRef<AbortController | null>(null)
  const status = useRunStore((s) => s.status)
  const error = useRunStore((s) => s.error)
  const outputs = useRunStore((s) => s.outputs)
  const answer = useRunStore((s) => s.answer)
  const order = useRunStore((s) => s.order)
  const runs = useRunStore((s) => s.nodes)
  const elapsed = useRunStore((s) => s.elapsed)
  const titles = new Map(useDoc.getState().nodes.map((n) => [n.id, n.data.title ?? n.data.type]))

  const run = () => {
    abort.current?.abort()
    abort.current = new AbortController()
    const typed = Object.fromEntries(
      variables.map((v) => [v.variable, v.type === 'number' && inputs[v.variable] ? Number(inputs[v.variable]) : inputs[v.variable] ?? '']),
    )
    void runDraft(app, typed, query, rf.getViewport(), abort.current.signal)
  }

  return (
    <aside className="side-panel" aria-label="Run" data-testid="run-panel">
      <div className="flex items-center justify-between">
        <span className="font-semibold">Test run</span>
        <button type="button" className="btn-ghost" aria-label="Close run panel" onClick={() => useUi.getState().setRunPanel(false)}>
          <X size={14} />
        </button>
      </div>
      <p className="text-xs text-slate-500">Runs go through the Service API, which runs the published version: Run saves and publishes the draft first.</p>
      {app.mode === 'advanced-chat' ? (
        <label className="block text-xs">Query
          <input className="input" aria-label="Query" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
      ) : null}
      {variables.map((v) => (
        <label key={v.variable} className="block text-xs">{v.variable}{v.required ? ' *' : ''}
          <input className="input" aria-label={`Input ${v.variable}`} value={inputs[v.variable] ?? ''}
            onChange={(e) => setInputs({ ...inputs, [v.variable]: e.target.value })} />
        </label>
      ))}
      <button type="button" className="btn-primary w-full" onClick={run} disabled={status === 'running'}>
        <Play size={14} /> {status === 'running' ? 'Running…' : 'Run'}
      </button>
      {status !== 'idle' ? (
        <div className="space-y-2 text-xs">
          <div data-testid="run-status" data-status={status}>
            Status: <b>{status}</b>{elapsed !== undefined ? ` in ${elapsed.toFixed(3)}s` : ''}
          </div>
          {error ? <div className="text-red-600" role="alert">{error}</div> : null}
          {answer ? <pre className="whitespace-pre-wrap rounded bg-slate-50 p-2">{answer}</pre> : null}
          {outputs ? <pre className="rounded bg-slate-50 p-2" data-testid="run-outputs">{JSON.stringify(outputs, null, 2)}</pre> : null}
          <ol className="space-y-1">
            {order.map((id) => (
              <li key={id} className="flex justify-between" data-trace-node={id}>
                <button type="button" className="truncate text-left underline-offset-2 hover:underline"
                  onClick={() => { useUi.getState().openPanel(id); void rf.fitView({ nodes: [{ id }], duration: 200, maxZoom: 1 }) }}>
                  {titles.get(id) ?? id}
                </button>
                <span>{runs[id]?.status} {runs[id]?.elapsed !== undefined ? `${runs[id].elapsed!.toFixed(3)}s` : ''}</span>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </aside>
  )
}
