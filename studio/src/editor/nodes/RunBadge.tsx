/** The run overlay of one node: status icon, elapsed time (ticking while running), tokens, branch taken. */
import { CheckCircle2, CircleAlert, Loader2, OctagonX } from 'lucide-react'
import { memo, useEffect, useState } from 'react'
import type { NodeRun } from '../runStore'

function Ticker({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 100)
    return () => clearInterval(timer)
  }, [])
  return <span>{((now - since) / 1000).toFixed(1)}s</span>
}

export const RunBadge = memo(function RunBadge({ run }: { run: NodeRun }) {
  const Icon =
    run.status === 'running'
      ? Loader2
      : run.status === 'succeeded'
        ? CheckCircle2
        : run.status === 'exception'
          ? CircleAlert
          : OctagonX
  return (
    <div className="run-badge" data-run-status={run.status}>
      <Icon size={12} className={run.status === 'running' ? 'animate-spin' : ''} />
      <span className="font-medium">{run.status}</span>
      {run.status === 'running' ? (
        <Ticker since={run.startedAt} />
      ) : (
        <span>{(run.elapsed ?? 0).toFixed(3)}s</span>
      )}
      {run.tokens ? <span>{run.tokens} tok</span> : null}
      {run.branch ? <span data-branch={run.branch}>→ {run.branch}</span> : null}
    </div>
  )
})
