/**
 * "Run this step" in the node panel: a form of the variables the node reads, then the node run alone on the
 * saved draft (the console's single-step run) with its status, elapsed time, error, inputs and outputs.
 * Opened, it first shows the node's last run in the draft (`.../nodes/<id>/last-run`), when it has one.
 */
import { useReactFlow } from '@xyflow/react'
import { Play } from 'lucide-react'
import { useEffect, useMemo, useState } from 'react'
import { ApiError, consoleApi } from '../../api/client'
import { saveDraft } from '../actions'
import type { NodeData } from '../blocks'
import { NodeIo } from '../RunPanel'
import { useDoc } from '../docStore'
import { stepInputs, stepVariables } from '../singleStep'
import type { VarGroup } from '../variables'

/** The node execution the endpoint answers (Dify's shape; the fields shown here). */
interface NodeExecution {
  status: string
  error: string | null
  elapsed_time: number
  inputs: Record<string, unknown> | null
  outputs: Record<string, unknown> | null
  triggered_from?: string
}

type Outcome = { state: 'idle' } | { state: 'running' } | { state: 'done'; run: NodeExecution; last?: boolean } | { state: 'refused'; message: string }

export function StepRun({ appId, nodeId, data, groups }: { appId: string; nodeId: string; data: NodeData; groups: VarGroup[] }) {
  const rf = useReactFlow()
  const [open, setOpen] = useState(false)
  const [values, setValues] = useState<Record<string, string>>({})
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' })
  const vars = useMemo(() => {
    const titles = new Map(useDoc.getState().nodes.map((n) => [n.id, String(n.data.title ?? n.id)]))
    return stepVariables(data, groups, titles)
  }, [data, groups])

  useEffect(() => {
    if (!open) return
    let current = true
    consoleApi<NodeExecution>(`/apps/${appId}/workflows/draft/nodes/${nodeId}/last-run`)
      // A run started meanwhile wins over the last one.
      .then((run) => { if (current) setOutcome((o) => (o.state === 'idle' ? { state: 'done', run, last: true } : o)) })
      .catch((error: unknown) => {
        // 404: the node has not run in the draft yet; anything else is worth saying.
        if (current && !(error instanceof ApiError && error.status === 404)) {
          setOutcome((o) => (o.state === 'idle' ? { state: 'refused', message: (error as Error).message } : o))
        }
      })
    return () => { current = false }
  }, [open, appId, nodeId])

  const run = async () => {
    setOutcome({ state: 'running' })
    try {
      const inputs = stepInputs(vars, values)
      await saveDraft(appId, rf.getViewport()) // the step runs the draft as saved
      const result = await consoleApi<NodeExecution>(`/apps/${appId}/workflows/draft/nodes/${nodeId}/run`, 'POST', { json: { inputs } })
      setOutcome({ state: 'done', run: result })
    } catch (error) {
      setOutcome({ state: 'refused', message: (error as Error).message })
    }
  }

  if (!open) {
    return (
      <button type="button" className="btn w-full justify-center" onClick={() => setOpen(true)}>
        <Play size={14} /> Run this step
      </button>
    )
  }
  return (
    <section className="space-y-2 rounded border border-slate-200 p-2" aria-label="Run this step" data-testid="step-run">
      <div className="text-xs font-semibold">Run this step</div>
      {vars.length === 0 ? <p className="text-xs text-slate-500">This node reads no variables.</p> : null}
      {vars.map((v) => (
        <label key={v.key} className="block text-xs">{v.label}{v.required ? ' *' : ''} <span className="text-slate-400">{v.type}</span>
          <input className="input" aria-label={`Step input ${v.label}`} data-key={v.key} value={values[v.key] ?? ''}
            placeholder={v.required ? '' : 'the run’s own value'} onChange={(e) => setValues({ ...values, [v.key]: e.target.value })} />
        </label>
      ))}
      <button type="button" className="btn-primary w-full" onClick={() => void run()} disabled={outcome.state === 'running'}>
        <Play size={14} /> {outcome.state === 'running' ? 'Running…' : 'Run'}
      </button>
      {outcome.state === 'refused' ? <div className="text-xs text-red-600" role="alert">{outcome.message}</div> : null}
      {outcome.state === 'done' ? <StepResult run={outcome.run} last={outcome.last} /> : null}
    </section>
  )
}

function StepResult({ run, last }: { run: NodeExecution; last?: boolean }) {
  const source = run.triggered_from === 'single-step' ? 'this step run alone' : 'a run of the draft'
  return (
    <div className="space-y-1 text-xs" data-testid="step-result" data-status={run.status} data-last={last ? 'true' : 'false'}>
      {last ? <div className="font-semibold" data-testid="step-last-run">Last run ({source})</div> : null}
      <div>Status: <b>{run.status}</b> in {run.elapsed_time.toFixed(3)}s</div>
      {run.error ? <div className="text-red-600" role="alert">{run.error}</div> : null}
      <NodeIo label="Inputs" value={run.inputs} />
      <NodeIo label="Outputs" value={run.outputs} />
    </div>
  )
}
