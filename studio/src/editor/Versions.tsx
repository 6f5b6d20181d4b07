/** Published versions of the app, newest first, each restorable into the draft. */
import { useQuery } from '@tanstack/react-query'
import { consoleApi } from '../api/client'
import type { Version } from '../api/types'

export function Versions({ appId, onClose, onRestored }: { appId: string; onClose: () => void; onRestored: () => void }) {
  const versions = useQuery({
    queryKey: ['versions', appId],
    queryFn: () => consoleApi<{ items: Version[] }>(`/apps/${appId}/workflows`),
  })
  const restore = async (id: string) => {
    await consoleApi(`/apps/${appId}/workflows/${id}/restore`, 'POST', { json: {} })
    onRestored()
  }
  return (
    <div className="popover right-2 top-12 w-72" role="dialog" aria-label="Versions">
      <div className="mb-2 flex justify-between">
        <span className="font-semibold">Versions</span>
        <button type="button" className="btn-ghost text-xs" onClick={onClose}>Close</button>
      </div>
      {versions.isLoading ? <p className="text-xs text-slate-500">Loading…</p> : null}
      {versions.data?.items.length === 0 ? <p className="text-xs text-slate-500">Not published yet.</p> : null}
      <ul className="space-y-1">
        {versions.data?.items.map((v) => (
          <li key={v.id} className="flex items-center justify-between text-xs" data-version={v.version}>
            <span>{v.version} · {new Date(v.created_at * 1000).toLocaleString()}</span>
            <button type="button" className="btn-ghost text-xs" onClick={() => void restore(v.id)}>Restore</button>
          </li>
        ))}
      </ul>
    </div>
  )
}
