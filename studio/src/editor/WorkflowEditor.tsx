/** The workflow editor page: canvas, toolbar, node panel, block selector and run panel for an app's draft. */
import {
  Background,
  Controls,
  type FinalConnectionState,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useNodesInitialized,
  useReactFlow,
} from '@xyflow/react'
import { ArrowLeft, History, LayoutGrid, Map as MapIcon, Play, Plus, Redo2, Save, Send, Undo2 } from 'lucide-react'
import { lazy, Suspense, useCallback, useEffect, useState } from 'react'
import { Link, useParams } from 'react-router'
import { consoleApi } from '../api/client'
import type { App, Draft } from '../api/types'
import { extras, publish, saveDraft } from './actions'
import { BlockPalette, useBlockDrop } from './BlockPalette'
import { BlockSelector } from './BlockSelector'
import { Checklist, currentProblems, useChecklistOpen } from './Checklist'
import { copySelection, pasteClipboard } from './clipboard'
import { useDoc } from './docStore'
import type { DiffSide } from './DiffView'
import { fromDify, toDify } from './graph'
import { CustomEdge } from './nodes/CustomEdge'
import { NoteNode, StartMarker, WorkflowNode } from './nodes/WorkflowNode'
import { NodePanel } from './panel/NodePanel'
import { RunPanel } from './RunPanel'
import { useRunStore } from './runStore'
import { useUi } from './uiStore'
import { Versions } from './Versions'

const nodeTypes = {
  custom: WorkflowNode,
  'custom-iteration-start': StartMarker,
  'custom-loop-start': StartMarker,
  'custom-note': NoteNode,
}
const edgeTypes = { custom: CustomEdge }
const DiffView = lazy(() => import('./DiffView'))
const LARGE = 300

function ReadyMark() {
  const initialized = useNodesInitialized()
  useEffect(() => {
    if (initialized) performance.mark('studio:canvas-ready')
  }, [initialized])
  return initialized ? <span data-testid="canvas-ready" hidden /> : null
}

function Canvas({ viewport }: { viewport?: { x: number; y: number; zoom: number } }) {
  const nodes = useDoc((s) => s.nodes)
  const edges = useDoc((s) => s.edges)
  const onNodesChange = useDoc((s) => s.onNodesChange)
  const onEdgesChange = useDoc((s) => s.onEdgesChange)
  const minimap = useUi((s) => s.minimap)
  const rf = useReactFlow()
  const large = nodes.length > LARGE
  const { onDragOver, onDrop } = useBlockDrop()

  const relative = useCallback(
    (point: { x: number; y: number }, parentId?: string) => {
      const parent = parentId ? rf.getInternalNode(parentId) : undefined
      const origin = parent?.internals.positionAbsolute ?? { x: 0, y: 0 }
      return { x: point.x - origin.x, y: point.y - origin.y }
    },
    [rf],
  )

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      // A connection dropped on the pane opens the block selector, connected to that handle.
      if (state.toHandle || !state.fromNode || state.fromHandle?.type !== 'source') return
      const point = 'changedTouches' in event ? event.changedTouches[0] : event
      const flow = rf.screenToFlowPosition({ x: point.clientX, y: point.clientY })
      const parentId = state.fromNode.parentId
      useUi.getState().openSelector({
        kind: 'handle',
        source: state.fromNode.id,
        sourceHandle: state.fromHandle.id ?? 'source',
        position: relative(flow, parentId),
        parentId,
      })
    },
    [rf, relative],
  )

  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      edgeTypes={edgeTypes}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onConnect={(c) => void useDoc.getState().connect(c)}
      onConnectEnd={onConnectEnd}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onNodeClick={(_, node) => useUi.getState().openPanel(node.id)}
      onPaneClick={() => useUi.getState().openPanel(null)}
      onlyRenderVisibleElements={large}
      minZoom={0.1}
      maxZoom={2}
      defaultViewport={viewport ?? undefined}
      fitView={!viewport}
      deleteKeyCode={['Backspace', 'Delete']}
      proOptions={{ hideAttribution: true }}
    >
      <ReadyMark />
      {large ? null : <Background gap={16} size={1} />}
      <Controls showInteractive={false} />
      {minimap && !large ? <MiniMap pannable zoomable ariaLabel="Minimap" /> : null}
    </ReactFlow>
  )
}

function Toolbar({ app }: { app: App }) {
  const dirty = useDoc((s) => s.dirty)
  const canUndo = useDoc((s) => s.past.length > 0)
  const canRedo = useDoc((s) => s.future.length > 0)
  const rf = useReactFlow()
  const [message, setMessage] = useState('')
  const [versions, setVersions] = useState(false)
  const [diff, setDiff] = useState<{ base: DiffSide; target: DiffSide } | null>(null)

  const addBlock = () => {
    const { x, y, zoom } = rf.getViewport()
    const box = document.querySelector('.react-flow')?.getBoundingClientRect()
    const center = { x: (-x + (box?.width ?? 800) / 2) / zoom - 120, y: (-y + (box?.height ?? 600) / 2) / zoom - 40 }
    useUi.getState().openSelector({ kind: 'free', position: center })
  }
  const save = async () => {
    try {
      await saveDraft(app.id, rf.getViewport())
      setMessage('Draft saved')
    } catch (e) {
      setMessage(`Save failed: ${(e as Error).message}`)
    }
  }
  const doPublish = async () => {
    const problems = currentProblems()
    if (problems.length) {
      useChecklistOpen.getState().set(true, true)
      setMessage(`Publish refused: fix the ${problems.length} problem${problems.length > 1 ? 's' : ''} in the checklist`)
      return
    }
    try {
      await saveDraft(app.id, rf.getViewport())
      const v = await publish(app.id)
      setMessage(`Published version ${v.version}`)
    } catch (e) {
      setMessage(`Publish failed: ${(e as Error).message}`)
    }
  }
  const layout = async () => {
    const { autoLayout } = await import('./layout')
    const { nodes, edges } = useDoc.getState()
    useDoc.getState().setPositions(await autoLayout(nodes, edges))
    requestAnimationFrame(() => void rf.fitView({ duration: 200 }))
  }

  const copy = async () => {
    try {
      const count = await copySelection()
      if (count) setMessage(`Copied ${count} node${count > 1 ? 's' : ''}`)
    } catch (e) {
      setMessage(`Copy failed: ${(e as Error).message}`)
    }
  }
  const paste = async () => {
    try {
      const ids = await pasteClipboard()
      requestAnimationFrame(() => void rf.fitView({ nodes: ids.map((id) => ({ id })), maxZoom: rf.getZoom(), duration: 200 }))
    } catch (e) {
      setMessage(`Paste failed: ${(e as Error).message}`)
    }
  }

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (diff) return // the diff view is read-only
      const mod = e.ctrlKey || e.metaKey
      const typing = (e.target as HTMLElement)?.closest('input, textarea, select, .cm-editor')
      if (mod && e.key.toLowerCase() === 's') { e.preventDefault(); void save(); return }
      if (typing || !mod) return
      const k = e.key.toLowerCase()
      if (k === 'z' && !e.shiftKey) { e.preventDefault(); useDoc.getState().undo() }
      else if ((k === 'z' && e.shiftKey) || k === 'y') { e.preventDefault(); useDoc.getState().redo() }
      else if (k === 'k') { e.preventDefault(); addBlock() }
      else if (k === 'o') { e.preventDefault(); void layout() }
      else if (k === 'c' && (window.getSelection()?.isCollapsed ?? true)) { e.preventDefault(); void copy() }
      else if (k === 'v') { e.preventDefault(); void paste() }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  })

  return (
    <header className="toolbar">
      <Link to="/apps" className="btn-ghost" aria-label="Back to apps"><ArrowLeft size={16} /></Link>
      <span className="font-semibold" data-testid="app-name">{app.name}</span>
      <span className="text-xs text-slate-500" data-testid="save-state">{dirty ? 'Unsaved changes' : message || 'Saved'}</span>
      <div className="ml-auto flex items-center gap-1">
        <button type="button" className="btn" onClick={addBlock} title="Add block (Ctrl+K)"><Plus size={14} /> Add block</button>
        <button type="button" className="btn-ghost" onClick={() => useDoc.getState().undo()} disabled={!canUndo} aria-label="Undo" title="Undo (Ctrl+Z)"><Undo2 size={16} /></button>
        <button type="button" className="btn-ghost" onClick={() => useDoc.getState().redo()} disabled={!canRedo} aria-label="Redo" title="Redo (Ctrl+Shift+Z)"><Redo2 size={16} /></button>
        <button type="button" className="btn-ghost" onClick={() => void layout()} aria-label="Auto layout" title="Auto layout (Ctrl+O)"><LayoutGrid size={16} /></button>
        <button type="button" className="btn-ghost" onClick={() => useUi.getState().setMinimap(!useUi.getState().minimap)} aria-label="Toggle minimap"><MapIcon size={16} /></button>
        <button type="button" className="btn-ghost" onClick={() => setVersions(!versions)} aria-label="Versions"><History size={16} /></button>
        <Checklist />
        <Link to={`/apps/${app.id}/api`} className="btn-ghost text-xs">API access</Link>
        <button type="button" className="btn" onClick={() => void save()}><Save size={14} /> Save</button>
        <button type="button" className="btn" onClick={() => void doPublish()}><Send size={14} /> Publish</button>
        <button type="button" className="btn-primary" onClick={() => useUi.getState().setRunPanel(true)}><Play size={14} /> Run</button>
      </div>
      {versions ? (
        <Versions appId={app.id} onClose={() => setVersions(false)} onRestored={() => window.location.reload()}
          onCompare={(base, target) => { setVersions(false); setDiff({ base, target }) }}
          draftGraph={() => { const { nodes, edges } = useDoc.getState(); return toDify(nodes, edges, extras, rf.getViewport()) }} />
      ) : null}
      {diff ? (
        <Suspense fallback={null}>
          <DiffView base={diff.base} target={diff.target} onClose={() => setDiff(null)} />
        </Suspense>
      ) : null}
    </header>
  )
}

function EditorBody({ app, draft }: { app: App; draft: Draft }) {
  const runPanel = useUi((s) => s.runPanel)
  return (
    <div className="flex h-screen flex-col">
      <Toolbar app={app} />
      <div className="relative flex flex-1 overflow-hidden">
        <BlockPalette />
        <div className="flex-1" data-testid="canvas">
          <Canvas viewport={draft.graph?.viewport} />
        </div>
        {runPanel ? <RunPanel app={app} /> : <NodePanel mode={app.mode} appId={app.id} />}
      </div>
      <BlockSelector />
    </div>
  )
}

export default function WorkflowEditor() {
  const { appId } = useParams()
  const [state, setState] = useState<{ app: App; draft: Draft } | { error: string } | null>(null)
  useEffect(() => {
    let live = true
    Promise.all([consoleApi<App>(`/apps/${appId}`), consoleApi<Draft>(`/apps/${appId}/workflows/draft`)])
      .then(([app, draft]) => {
        const { nodes, edges } = fromDify(draft.graph, extras)
        useDoc.getState().load(nodes, edges)
        useRunStore.getState().reset()
        useUi.setState({ panelNodeId: null, selector: null, runPanel: false, minimap: nodes.length <= LARGE })
        if (live) setState({ app, draft })
      })
      .catch((e: Error) => live && setState({ error: e.message }))
    return () => { live = false }
  }, [appId])
  if (!state) return <div className="p-8 text-slate-500">Loading…</div>
  if ('error' in state) return <div className="p-8 text-red-600" role="alert">{state.error}</div>
  return (
    <ReactFlowProvider>
      <EditorBody app={state.app} draft={state.draft} />
    </ReactFlowProvider>
  )
}
