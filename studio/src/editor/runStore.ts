/**
 * The run store: per-node status from the SSE stream. Each event replaces one node's entry (and marks
 * the edges it took), so a node component subscribed with `useRunStore(s => s.nodes[id])` re-renders only
 * when its own entry changes: one event, one node.
 */
import { create } from 'zustand'
import type { RunEvent } from '../api/sse'
import type { FlowEdge } from './graph'

export type NodeStatus = 'running' | 'succeeded' | 'failed' | 'exception' | 'stopped' | 'paused'

export interface NodeRun {
  status: NodeStatus
  startedAt: number
  elapsed?: number
  tokens?: number
  price?: string
  branch?: string
  error?: string
  index?: number
  outputs?: Record<string, unknown>
  inputs?: Record<string, unknown>
}

export interface RunState {
  status: 'idle' | 'running' | 'succeeded' | 'failed' | 'stopped' | 'partial-succeeded'
  runId?: string
  taskId?: string
  error?: string
  elapsed?: number
  outputs?: Record<string, unknown>
  answer: string
  nodes: Record<string, NodeRun>
  edges: Record<string, 'taken'>
  order: string[]
  events: number
  /** Set when the state is a recorded run replayed from the history, not a live one. */
  replay?: { runId: string; createdAt: number; version: string; inputs: Record<string, unknown> }
  start: (edges: FlowEdge[]) => void
  apply: (event: RunEvent) => void
  fail: (message: string) => void
  reset: () => void
}

/** Edges by target, built once per run, so marking the taken edge is O(in-degree). */
let incoming = new Map<string, FlowEdge[]>()

export const useRunStore = create<RunState>()((set, get) => ({
  status: 'idle',
  answer: '',
  nodes: {},
  edges: {},
  order: [],
  events: 0,

  start: (edges) => {
    incoming = new Map()
    for (const e of edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e])
    set({ status: 'running', runId: undefined, taskId: undefined, error: undefined, elapsed: undefined, outputs: undefined,
      answer: '', nodes: {}, edges: {}, order: [], events: 0, replay: undefined })
  },

  apply: (event) => {
    const data = (event.data ?? {}) as Record<string, unknown>
    const state = get()
    const events = state.events + 1
    switch (event.event) {
      case 'workflow_started':
        set({ runId: String(event.workflow_run_id ?? data.id ?? ''), taskId: event.task_id as string | undefined, events })
        return
      case 'node_started': {
        const id = String(data.node_id)
        const now = Date.now()
        const taken: Record<string, 'taken'> = {}
        for (const e of incoming.get(id) ?? []) {
          const source = state.nodes[e.source]
          if (!source || source.status === 'running') continue
          if (!source.branch || source.branch === (e.sourceHandle ?? 'source')) taken[e.id] = 'taken'
        }
        set({
          nodes: { ...state.nodes, [id]: { status: 'running', startedAt: now, index: Number(data.index ?? 0) } },
          edges: Object.keys(taken).length ? { ...state.edges, ...taken } : state.edges,
          order: state.nodes[id] ? state.order : [...state.order, id],
          events,
        })
        return
      }
      case 'node_finished': {
        const id = String(data.node_id)
        const meta = (data.execution_metadata ?? {}) as Record<string, unknown>
        const outputs = (data.outputs ?? undefined) as Record<string, unknown> | undefined
        const branch =
          (outputs?.selected_case_id as string | undefined) ??
          (outputs?.class_id as string | undefined) ??
          (data.status === 'exception' ? 'fail-branch' : undefined)
        const previous = state.nodes[id]
        set({
          nodes: {
            ...state.nodes,
            [id]: {
              status: (data.status as NodeStatus) ?? 'succeeded',
              startedAt: previous?.startedAt ?? Date.now(),
              elapsed: Number(data.elapsed_time ?? 0),
              tokens: meta.total_tokens === undefined ? undefined : Number(meta.total_tokens),
              price: meta.total_price === undefined ? undefined : String(meta.total_price),
              branch: branch === undefined ? undefined : String(branch),
              error: (data.error as string | null) ?? undefined,
              outputs,
              inputs: (data.inputs ?? undefined) as Record<string, unknown> | undefined,
            },
          },
          events,
        })
        return
      }
      case 'text_chunk':
        set({ answer: state.answer + String(data.text ?? ''), events })
        return
      case 'message':
        set({ answer: state.answer + String(event.answer ?? ''), events })
        return
      case 'workflow_finished':
        set({
          status: (data.status as RunState['status']) ?? 'succeeded',
          elapsed: Number(data.elapsed_time ?? 0),
          outputs: (data.outputs ?? undefined) as Record<string, unknown> | undefined,
          error: (data.error as string | null) ?? undefined,
          events,
        })
        return
      case 'error':
        set({ status: 'failed', error: String(event.message ?? 'The run failed.'), events })
        return
      default:
        set({ events })
    }
  },

  fail: (message) => set({ status: 'failed', error: message }),
  reset: () => set({ status: 'idle', nodes: {}, edges: {}, order: [], answer: '', events: 0, replay: undefined }),
}))

// The browser tests and bench/studio_canvas.py feed events through the same path as the SSE stream.
;((window as unknown as { __studio?: Record<string, unknown> }).__studio ??= {}).run = useRunStore
