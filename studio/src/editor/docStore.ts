/**
 * The document store: the draft's nodes and edges (React Flow's controlled arrays), dirty flag and
 * undo/redo. Snapshots share unchanged node objects, so a step costs one array of pointers, not a copy of
 * the graph. Run state lives in runStore and UI state in uiStore, never in node objects.
 */
import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react'
import { create } from 'zustand'
import { blockOf, CONTAINER_TYPES, type NodeData } from './blocks'
import { edgeData, type FlowEdge, type FlowNode, wouldCycle } from './graph'

interface Snapshot {
  nodes: FlowNode[]
  edges: FlowEdge[]
}

export interface AddOptions {
  position: { x: number; y: number }
  parentId?: string
  /** Connect from this source handle to the new node. */
  from?: { source: string; sourceHandle: string }
  /** Split this edge: source → new node → target. */
  onEdge?: string
}

interface DocState {
  nodes: FlowNode[]
  edges: FlowEdge[]
  dirty: boolean
  past: Snapshot[]
  future: Snapshot[]
  load: (nodes: FlowNode[], edges: FlowEdge[]) => void
  onNodesChange: (changes: NodeChange<FlowNode>[]) => void
  onEdgesChange: (changes: EdgeChange<FlowEdge>[]) => void
  connect: (connection: Connection) => boolean
  addBlock: (type: string, options: AddOptions) => string
  updateData: (id: string, patch: Partial<NodeData>, coalesceKey?: string) => void
  setPositions: (positions: Map<string, { x: number; y: number }>) => void
  /** Add nodes and edges (a paste) as one undo step; they become the selection. */
  insert: (nodes: FlowNode[], edges: FlowEdge[]) => void
  markSaved: () => void
  undo: () => void
  redo: () => void
}

const HISTORY_LIMIT = 100
let lastCoalesce = { key: '', at: 0 }
let idCounter = 0

export function newNodeId(): string {
  idCounter = (idCounter + 1) % 1000
  return `${Date.now()}${String(idCounter).padStart(3, '0')}`
}

export const useDoc = create<DocState>()((set, get) => {
  /** Record the current graph as an undo step before a change. */
  const checkpoint = () => {
    const { nodes, edges, past } = get()
    set({ past: [...past.slice(-HISTORY_LIMIT + 1), { nodes, edges }], future: [] })
  }

  return {
    nodes: [],
    edges: [],
    dirty: false,
    past: [],
    future: [],

    load: (nodes, edges) => set({ nodes, edges, dirty: false, past: [], future: [] }),

    onNodesChange: (changes) => {
      let structural = false
      let dragStart = false
      for (const change of changes) {
        if (change.type === 'remove' || change.type === 'add' || change.type === 'replace') structural = true
        if (change.type === 'position' && change.dragging && !dragging.has(change.id)) {
          dragging.add(change.id)
          dragStart = true
        }
        if (change.type === 'position' && change.dragging === false) dragging.delete(change.id)
      }
      if (structural || dragStart) checkpoint()
      const moved = changes.some((c) => c.type === 'position' && c.position)
      const nodes = applyNodeChanges(changes, get().nodes)
      set(structural || moved ? { nodes, dirty: true } : { nodes })
    },

    onEdgesChange: (changes) => {
      const structural = changes.some((c) => c.type === 'remove' || c.type === 'add')
      if (structural) checkpoint()
      const edges = applyEdgeChanges(changes, get().edges)
      set(structural ? { edges, dirty: true } : { edges })
    },

    connect: (connection) => {
      const { nodes, edges } = get()
      const source = nodes.find((n) => n.id === connection.source)
      const target = nodes.find((n) => n.id === connection.target)
      if (!source || !target || source.id === target.id) return false
      // Dify's rules: both ends in the same container, no cycles, one edge per handle pair.
      if ((source.parentId ?? null) !== (target.parentId ?? null)) return false
      if (wouldCycle(source.id, target.id, edges)) return false
      const container = target.parentId ? nodes.find((n) => n.id === target.parentId) : undefined
      const sourceHandle = connection.sourceHandle ?? 'source'
      const targetHandle = connection.targetHandle ?? 'target'
      checkpoint()
      const edge: FlowEdge = {
        id: `${source.id}-${sourceHandle}-${target.id}-${targetHandle}`,
        source: source.id,
        target: target.id,
        sourceHandle,
        targetHandle,
        type: 'custom',
        data: edgeData(source, target, container),
        zIndex: container ? 1002 : 0,
      }
      set({ edges: addEdge(edge, edges), dirty: true })
      return true
    },

    addBlock: (type, { position, parentId, from, onEdge }) => {
      checkpoint()
      const { nodes, edges } = get()
      const block = blockOf(type)
      const id = newNodeId()
      const container = parentId ? nodes.find((n) => n.id === parentId) : undefined
      const count = nodes.filter((n) => n.data.type === type).length
      const data: NodeData = {
        type,
        title: count ? `${block.title} ${count + 1}` : block.title,
        desc: '',
        selected: false,
        ...(block.defaults?.() ?? {}),
      }
      if (container) {
        data[container.data.type === 'loop' ? 'isInLoop' : 'isInIteration'] = true
        data[container.data.type === 'loop' ? 'loop_id' : 'iteration_id'] = container.id
      }
      const node: FlowNode = { id, type: 'custom', position, data, selected: true }
      if (parentId) {
        node.parentId = parentId
        node.extent = 'parent'
        node.zIndex = 1002
      }
      const added: FlowNode[] = [node]
      if (CONTAINER_TYPES.has(type)) {
        // A container comes with its start node, as in Dify.
        const startType = type === 'loop' ? 'loop-start' : 'iteration-start'
        data.start_node_id = `${id}start`
        node.width = 420
        node.height = 200
        node.zIndex = 1
        added.push({
          id: `${id}start`,
          type: `custom-${startType}`,
          parentId: id,
          extent: 'parent',
          position: { x: 24, y: 76 },
          width: 44,
          height: 48,
          zIndex: 1002,
          draggable: false,
          data: { type: startType, title: '', desc: '', [type === 'loop' ? 'isInLoop' : 'isInIteration']: true },
        })
      }
      const byId = new Map(nodes.map((n) => [n.id, n]))
      let nextEdges = edges
      const link = (s: FlowNode, sourceHandle: string, t: FlowNode) => {
        nextEdges = addEdge(
          {
            id: `${s.id}-${sourceHandle}-${t.id}-target`,
            source: s.id,
            target: t.id,
            sourceHandle,
            targetHandle: 'target',
            type: 'custom',
            data: edgeData(s, t, container),
            zIndex: container ? 1002 : 0,
          },
          nextEdges,
        )
      }
      if (from && byId.has(from.source)) link(byId.get(from.source)!, from.sourceHandle, node)
      const split = onEdge ? edges.find((e) => e.id === onEdge) : undefined
      if (split && byId.has(split.source) && byId.has(split.target)) {
        nextEdges = nextEdges.filter((e) => e.id !== split.id)
        link(byId.get(split.source)!, split.sourceHandle ?? 'source', node)
        if (block.type !== 'end') link(node, 'source', byId.get(split.target)!)
      }
      const deselected = nodes.map((n) => (n.selected ? { ...n, selected: false } : n))
      set({ nodes: [...deselected, ...added], edges: nextEdges, dirty: true })
      return id
    },

    updateData: (id, patch, coalesceKey) => {
      const now = Date.now()
      const key = coalesceKey ? `${id}:${coalesceKey}` : ''
      if (!key || key !== lastCoalesce.key || now - lastCoalesce.at > 1500) checkpoint()
      lastCoalesce = { key, at: now }
      set({
        nodes: get().nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)),
        dirty: true,
      })
    },

    setPositions: (positions) => {
      checkpoint()
      set({
        nodes: get().nodes.map((n) => (positions.has(n.id) ? { ...n, position: positions.get(n.id)! } : n)),
        dirty: true,
      })
    },

    insert: (added, addedEdges) => {
      checkpoint()
      const { nodes, edges } = get()
      set({
        nodes: [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added],
        edges: [...edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...addedEdges],
        dirty: true,
      })
    },

    markSaved: () => set({ dirty: false }),

    undo: () => {
      const { past, future, nodes, edges } = get()
      const previous = past.at(-1)
      if (!previous) return
      set({ ...previous, past: past.slice(0, -1), future: [{ nodes, edges }, ...future], dirty: true })
    },

    redo: () => {
      const { past, future, nodes, edges } = get()
      const next = future[0]
      if (!next) return
      set({ ...next, past: [...past, { nodes, edges }], future: future.slice(1), dirty: true })
    },
  }
})

const dragging = new Set<string>()
