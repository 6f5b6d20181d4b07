/** Shapes of the console API's answers (the fields the studio reads). */

export type AppMode = 'workflow' | 'advanced-chat' | 'chat' | 'agent-chat' | 'completion'

export interface App {
  id: string
  name: string
  mode: AppMode
  description: string
  icon: string
  enable_api: boolean
  workflow_id: string | null
  created_at: number
  updated_at: number
}

export interface DifyNode {
  id: string
  type?: string
  data: Record<string, unknown> & { type: string; title?: string }
  position: { x: number; y: number }
  width?: number
  height?: number
  parentId?: string
  zIndex?: number
  [key: string]: unknown
}

export interface DifyEdge {
  id: string
  source: string
  target: string
  sourceHandle?: string | null
  targetHandle?: string | null
  type?: string
  data?: Record<string, unknown>
  zIndex?: number
  [key: string]: unknown
}

export interface DifyGraph {
  nodes: DifyNode[]
  edges: DifyEdge[]
  viewport?: { x: number; y: number; zoom: number }
}

export interface Draft {
  graph: DifyGraph | null
  features: Record<string, unknown>
  dsl: string
  updated_at: number
}

export interface Version {
  id: string
  version: string
  published: boolean
  created_at: number
}

/** One published version with its graph (GET /apps/{id}/workflows/{version_id}). */
export interface VersionDetail extends Version {
  graph: DifyGraph | null
}

export interface ApiKey {
  id: string
  type: string
  token: string
  created_at: number
  last_used_at: number | null
}

export interface Dataset {
  id: string
  name: string
  description?: string
  document_count?: number
  word_count?: number
  created_at?: number
}
