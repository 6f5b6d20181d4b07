/**
 * The session's workspace: the console API's `/workspaces` (the caller's, with the current one marked) and
 * `/workspaces/switch`. The current workspace's id is cached per session token, for what is kept per
 * workspace in this browser (the dataset key).
 */
import { consoleApi, session } from './client'

export interface Workspace {
  id: string
  name: string
  role: string
  status: string
  created_at: number
  current: boolean
}

let cached: { token: string | null; id: Promise<string> } | null = null

/** The id of the session's current workspace. */
export function currentWorkspaceId(): Promise<string> {
  const token = session.token()
  if (!cached || cached.token !== token) {
    const id = consoleApi<{ id: string }>('/workspaces/current').then((w) => w.id)
    id.catch(() => { cached = null })
    cached = { token, id }
  }
  return cached.id
}

export const listWorkspaces = () => consoleApi<{ workspaces: Workspace[] }>('/workspaces')

/** Make another of the caller's workspaces current for this session. */
export async function switchWorkspace(id: string): Promise<void> {
  await consoleApi('/workspaces/switch', 'POST', { json: { tenant_id: id } })
  cached = { token: session.token(), id: Promise.resolve(id) }
}
