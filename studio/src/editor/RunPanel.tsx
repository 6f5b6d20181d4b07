/**
 * The run panel: the start node's inputs, Run (the draft, through the console API: nothing is published),
 * for a chatflow a chat preview (a conversation with the draft), the run status, outputs and a per-node trace with each node's inputs and outputs; and the app's run
 * history, whose runs open here, replayed on the canvas, and whose failed runs resume from their failed node.
 */
import { useReactFlow } from '@xyflow/react'
import { History, Play, Square, X } from 'lucide-react'
import { useRef, useState } from 'react'
import { consoleApi } from '../api/client'
import type { App } from '../api/types'
import { runDraft } from './actions'
import { ChatPreview } from './ChatPreview'
import { useDoc } from './docStore'
import { RunHistory } from './RunHistory'
import { resumeRun } from './runHistory'
import { useRunStore } from './runStore'
import { useUi } from './uiStore'

export function RunPanel({ app }: { app: App }) {
  const rf = useReactFlow()
  const start = useDoc((s) => s.nodes.find((n) => n.data.type === 'start'))
  const variables = (start?.data.variables as { variable: string; type: string; required?: boolean }[]) ?? []
  const [inputs, setInputs] = useState<Record<string, string>>({})
  const abort = useRef<AbortController | null>(null)
  const status = useRunStore((s) => s.status)
  const error = useRunStore((s) => s.error)
  const outputs = useRunStore((s) => s.outputs)
  const answer = useRunStore((s) => s.answer)
  const order = useRunStore((s) => s.order)
  const runs = useRunStore((s) => s.nodes)
  const elapsed = useRunStore((s) => s.elapsed)
  const replay = useRunStore((s) => s.replay)
  const taskId = useRunStore((s) => s.taskId)
  const [tab, setTab] = useState<'run' | 'history'>('run')
  const chat = app.mode === 'advanced-chat'
  const titles = new Map(useDoc.getState().nodes.map((n) => [n.id, n.data.title ?? n.data.type]))

  const typed = () => Object.fromEntries(
    variables.map((v) => [v.variable, v.type === 'number' && inputs[v.variable] ? Number(inputs[v.variable]) : inputs[v.variable] ?? '']),
  )
  const run = () => {
    abort.current?.abort()
    abort.current = new AbortController()
    void runDraft(app, typed(), '', rf.getViewport(), abort.current.signal)
  }

  const resume = (runId: string) => {
    abort.current?.abort()
    abort.current = new AbortController()
    setTab('run')
    void resumeRun(app.id, runId, abort.current.signal)
  }

  return (
    <aside className="side-panel" aria-label="Run" data-testid="run-panel">
      <div className="flex items-center justify-between">
        <div className="flex gap-1" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'run'} className={tab === 'run' ? 'btn' : 'btn-ghost'}
            onClick={() => setTab('run')}>Test run</button>
          <button type="button" role="tab" aria-selected={tab === 'history'} className={tab === 'history' ? 'btn' : 'btn-ghost'}
            onClick={() => setTab('history')}><History size={14} /> Runs</button>
        </div>
        <button type="button" className="btn-ghost" aria-label="Close run panel" onClick={() => useUi.getState().setRunPanel(false)}>
          <X size={14} />
        </button>
      </div>
      {tab === 'history' ? <RunHistory appId={app.id} onOpened={() => setTab('run')} onResume={resume} /> : <>
      <p className="text-xs text-slate-500">Run saves the draft and runs it as it is; nothing is published.</p>
      {variables.map((v) => (
        <label key={v.variable} className="block text-xs">{v.variable}{v.required ? ' *' : ''}
          <input className="input" aria-label={`Input ${v.variable}`} value={inputs[v.variable] ?? ''}
            onChange={(e) => setInputs({ ...inputs, [v.variable]: e.target.value })} />
        </label>
      ))}
      {chat ? <ChatPreview app={app} inputs={typed} /> : (
        <button type="button" className="btn-primary w-full" onClick={run} disabled={status === 'running'}>
          <Play size={14} /> {status === 'running' ? 'Running…' : 'Run'}
        </button>
      )}
      {status === 'running' && taskId ? (
        <button type="button" className="btn w-full justify-center"
          onClick={() => void consoleApi(`/apps/${app.id}/workflow-runs/tasks/${taskId}/stop`, 'POST', { json: {} })}>
          <Square size={14} /> Stop
        </button>
      ) : null}
      {status !== 'idle' ? (
        <div className="space-y-2 text-xs">
          {replay ? (
            <div className="rounded bg-sky-50 p-2" data-testid="run-replay" data-run-id={replay.runId}>
              Replay of the run of {new Date(replay.createdAt * 1000).toLocaleString()} ({replay.version === 'draft' ? 'draft' : `version ${replay.version}`})
              <NodeIo label="Inputs" value={replay.inputs} />
            </div>
          ) : null}
          <div data-testid="run-status" data-status={status}>
            Status: <b>{status}</b>{elapsed !== undefined ? ` in ${elapsed.toFixed(3)}s` : ''}
          </div>
          {error ? <div className="text-red-600" role="alert">{error}</div> : null}
          {answer && !chat ? <pre className="whitespace-pre-wrap rounded bg-slate-50 p-2">{answer}</pre> : null}
          {outputs ? <pre className="rounded bg-slate-50 p-2" data-testid="run-outputs">{JSON.stringify(outputs, null, 2)}</pre> : null}
          <ol className="space-y-1">
            {order.map((id) => (
              <li key={id} data-trace-node={id}>
                <details>
                  <summary className="flex cursor-pointer justify-between">
                    <button type="button" className="truncate text-left underline-offset-2 hover:underline"
                      onClick={(e) => { e.preventDefault(); useUi.getState().openPanel(id); void rf.fitView({ nodes: [{ id }], duration: 200, maxZoom: 1 }) }}>
                      {titles.get(id) ?? id}
                    </button>
                    <span>{runs[id]?.status} {runs[id]?.elapsed !== undefined ? `${runs[id].elapsed!.toFixed(3)}s` : ''}</span>
                  </summary>
                  <NodeIo label="Inputs" value={runs[id]?.inputs} />
                  <NodeIo label="Outputs" value={runs[id]?.outputs} />
                  {runs[id]?.error ? <div className="text-red-600">{runs[id].error}</div> : null}
                </details>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
      </>}
    </aside>
  )
}

/** A node's inputs or outputs as JSON (the run trace, the single-step run). */
export function NodeIo({ label, value }: { label: string; value?: Record<string, unknown> | null }) {
  if (!value) return null
  return (
    <div data-io={label.toLowerCase()}>
      <div className="text-slate-500">{label}</div>
      <pre className="max-h-48 overflow-auto whitespace-pre-wrap rounded bg-slate-50 p-2">{JSON.stringify(value, null, 2)}</pre>
    </div>
  )
}
