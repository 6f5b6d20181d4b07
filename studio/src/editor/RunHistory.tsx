/**
 * The app's run history: debug runs of the draft (or the Service API's runs), newest first; opening one
 * replays it; a failed one can be resumed from its failed node.
 */
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { consoleApi } from '../api/client'
import { openRun, type RunItem, runsPath } from './runHistory'

const STATUS_COLOURS: Record<string, string> = {
  succeeded: 'text-emerald-700',
  failed: 'text-red-600',
  running: 'text-sky-700',
  stopped: 'text-slate-500',
  'partial-succeeded': 'text-amber-700',
}

export function RunHistory({ appId, onOpened, onResume }: {
  appId: string
  onOpened: () => void
  /** Resume a failed run from its failed node. */
  onResume: (runId: string) => void
}) {
  const [source, setSource] = useState<RunItem['triggered_from']>('debugging')
  const [error, setError] = useState('')
  const runs = useQuery({
    queryKey: ['runs', appId, source],
    queryFn: () => consoleApi<{ data: RunItem[]; has_more: boolean }>(runsPath(appId, source)),
  })
  const open = async (id: string) => {
    setError('')
    try {
      await openRun(appId, id)
      onOpened()
    } catch (e) {
      setError(`Could not open the run: ${(e as Error).message}`)
    }
  }
  const items = runs.data?.data ?? []
  return (
    <div className="space-y-2 text-xs" data-testid="run-history">
      <div className="flex items-center gap-2">
        <select className="input text-xs" aria-label="Runs from" value={source}
          onChange={(e) => setSource(e.target.value as RunItem['triggered_from'])}>
          <option value="debugging">Test runs (draft)</option>
          <option value="app-run">Service API runs</option>
        </select>
        <button type="button" className="btn-ghost text-xs" onClick={() => void runs.refetch()}>Refresh</button>
      </div>
      {runs.isLoading ? <p className="text-slate-500">Loading…</p> : null}
      {runs.error ? <p className="text-red-600" role="alert">{(runs.error as Error).message}</p> : null}
      {runs.data && items.length === 0 ? <p className="text-slate-500">No runs yet.</p> : null}
      <table className="w-full">
        <thead className="text-left text-slate-500">
          <tr><th>Status</th><th>Started</th><th>Duration</th><th>Tokens</th><th /></tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} data-run-id={r.id} data-run-status={r.status} className="cursor-pointer hover:bg-slate-50"
              title={`Open run ${r.id} (version ${r.version})`} onClick={() => void open(r.id)}>
              <td className={STATUS_COLOURS[r.status] ?? ''}>
                <button type="button" className="underline-offset-2 hover:underline" aria-label={`Open run ${r.id}`}>{r.status}</button>
              </td>
              <td>{new Date(r.created_at * 1000).toLocaleString()}</td>
              <td data-run-elapsed>{r.elapsed_time.toFixed(3)}s</td>
              <td>{r.total_tokens}</td>
              <td>
                {r.status === 'failed' ? (
                  <button type="button" className="btn-ghost whitespace-nowrap text-xs text-sky-700"
                    title="Run the failed node again; the nodes that finished are not run again"
                    onClick={(e) => { e.stopPropagation(); onResume(r.id) }}>Resume from failed node</button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data?.has_more ? <p className="text-slate-500">Showing the latest {items.length} runs.</p> : null}
      {error ? <p className="text-red-600" role="alert">{error}</p> : null}
    </div>
  )
}
