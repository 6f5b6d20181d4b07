/**
 * The header's workspace: its name, and for a user with several workspaces a list to switch to another
 * (POST /console/api/workspaces/switch). The page then reloads, as Dify's does: nothing cached from the
 * other workspace (lists, a dataset's documents) is shown or fetched again with the new one.
 */
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { listWorkspaces, switchWorkspace } from '../api/workspaces'

export function WorkspaceSwitcher() {
  const workspaces = useQuery({ queryKey: ['workspaces'], queryFn: listWorkspaces })
  const [error, setError] = useState('')
  const items = workspaces.data?.workspaces ?? []
  const current = items.find((w) => w.current)
  if (!current) return null
  const change = async (id: string) => {
    setError('')
    try {
      await switchWorkspace(id)
      window.location.reload()
    } catch (e) {
      setError(`Could not switch: ${(e as Error).message}`)
    }
  }
  return (
    <div className="ml-4 flex items-center gap-2 text-sm" data-testid="workspace" data-workspace-id={current.id}>
      {items.length > 1 ? (
        <select className="input w-auto py-1 text-sm" aria-label="Workspace" value={current.id} onChange={(e) => void change(e.target.value)}>
          {items.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
        </select>
      ) : (
        <span className="text-slate-600" title="Workspace">{current.name}</span>
      )}
      {error ? <span className="text-red-600" role="alert">{error}</span> : null}
    </div>
  )
}
