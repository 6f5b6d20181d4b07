/**
 * Recorded runs (the console API's run history) and their replay on the canvas: a run's node executions
 * are fed to the run store as the `node_started`/`node_finished` events they were recorded from, so the
 * overlay (status, duration, tokens, the branch and the edges taken) and the run panel's trace are built
 * by the same code as a live run's.
 */
import { consoleApi, session } from '../api/client'
import { streamRun } from '../api/sse'
import { useDoc } from './docStore'
import { useRunStore } from './runStore'

/** One run of GET /apps/{id}/workflow-runs. */
export interface RunItem {
  id: string
  version: string
  status: string
  error: string | null
  elapsed_time: number
  total_tokens: number
  total_steps: number
  created_at: number
  finished_at: number | null
  triggered_from: 'debugging' | 'app-run'
}

export interface RunDetail extends RunItem {
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}

export interface NodeExecution {
  id: string
  index: number
  node_id: string
  node_type: string
  title: string
  status: string
  inputs: Record<string, unknown> | null
  outputs: Record<string, unknown> | null
  error: string | null
  elapsed_time: number
  execution_metadata: Record<string, unknown>
}

export const runsPath = (appId: string, triggeredFrom: RunItem['triggered_from']) =>
  `/apps/${appId}/workflow-runs?limit=50&triggered_from=${triggeredFrom}`

/** Load a recorded run and replay it on the canvas (nodes no longer on the canvas are listed, not drawn). */
export async function openRun(appId: string, runId: string): Promise<RunDetail> {
  const run = await replayRun(appId, runId)
  const answer = run.outputs?.answer
  useRunStore.setState({
    replay: { runId: run.id, createdAt: run.created_at, version: run.version, inputs: run.inputs },
    answer: typeof answer === 'string' ? answer : '',
  })
  return run
}

/**
 * Resume a failed run from its failed node (POST .../workflow-runs/{id}/resume, streaming): the recorded
 * run is replayed first (its finished nodes keep their status; they are not run again), then the resumed
 * run's events drive the overlay as a live run's do.
 */
export async function resumeRun(appId: string, runId: string, signal: AbortSignal): Promise<void> {
  try {
    await replayRun(appId, runId)
    useRunStore.setState({ status: 'running', error: undefined, elapsed: undefined, outputs: undefined, replay: undefined })
    await streamRun(`/console/api/apps/${appId}/workflow-runs/${runId}/resume`, session.token() ?? '',
      { response_mode: 'streaming' }, (e) => useRunStore.getState().apply(e), signal)
  } catch (error) {
    if ((error as Error).name !== 'AbortError') useRunStore.getState().fail((error as Error).message)
  }
}

async function replayRun(appId: string, runId: string): Promise<RunDetail> {
  const [run, executions] = await Promise.all([
    consoleApi<RunDetail>(`/apps/${appId}/workflow-runs/${runId}`),
    consoleApi<{ data: NodeExecution[] }>(`/apps/${appId}/workflow-runs/${runId}/node-executions`),
  ])
  const store = useRunStore.getState()
  store.start(useDoc.getState().edges)
  store.apply({ event: 'workflow_started', workflow_run_id: run.id, data: { id: run.id } })
  for (const execution of executions.data) {
    useRunStore.getState().apply({ event: 'node_started', data: { node_id: execution.node_id, index: execution.index } })
    useRunStore.getState().apply({ event: 'node_finished', data: { ...execution } })
  }
  useRunStore.getState().apply({
    event: 'workflow_finished',
    data: { status: run.status, elapsed_time: run.elapsed_time, outputs: run.outputs, error: run.error },
  })
  return run
}
