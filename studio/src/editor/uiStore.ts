/** UI state of the editor: the open panel, the block selector and its pending insertion, toggles. */
import { create } from 'zustand'

export type PendingInsert =
  | { kind: 'free'; position: { x: number; y: number }; parentId?: string }
  | { kind: 'handle'; source: string; sourceHandle: string; position: { x: number; y: number }; parentId?: string }
  | { kind: 'edge'; edgeId: string; position: { x: number; y: number }; parentId?: string }

interface UiState {
  panelNodeId: string | null
  selector: PendingInsert | null
  runPanel: boolean
  minimap: boolean
  openPanel: (id: string | null) => void
  openSelector: (pending: PendingInsert | null) => void
  setRunPanel: (open: boolean) => void
  setMinimap: (on: boolean) => void
}

export const useUi = create<UiState>()((set) => ({
  panelNodeId: null,
  selector: null,
  runPanel: false,
  minimap: true,
  openPanel: (id) => set({ panelNodeId: id }),
  openSelector: (pending) => set({ selector: pending }),
  setRunPanel: (open) => set({ runPanel: open }),
  setMinimap: (on) => set({ minimap: on }),
}))

/** Renders per node id, for the re-render budget (read by the browser tests and the benchmark). */
export const renderCounts: Record<string, number> = {}
;((window as unknown as { __studio?: Record<string, unknown> }).__studio ??= {}).renderCounts = renderCounts
