/** Published versions of the app, newest first: restore one into the draft, or compare two (or one with the draft). */
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { consoleApi } from '../api/client'
import type { DifyGraph, Version, VersionDetail } from '../api/types'
import type { DiffSide } from './DiffView'

/** The compare choice meaning "the draft as it is on the canvas now". */
export const DRAFT = 'draft'

export function Versions({ appId, onClose, onRestored, onCompare, draftGraph }: {
  appId: string
  onClose: () => void
  onRestored: () => void
  onCompare: (base: DiffSide, target: DiffSide) => void
  draftGraph: () => DifyGraph
}) {
  const versions = useQuery({
    queryKey: ['versions', appId],
    queryFn: () => consoleApi<{ items: Version[] }>(`/apps/${appId}/workflows`),
  })
  const items = versions.data?.items ?? []
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [error, setError] = useState('')
  // Defaults: the previous version against the latest (or the only version against the draft).
  const base = from || items[1]?.id || items[0]?.id || ''
  const target = to || (items.length > 1 ? items[0].id : DRAFT)

  const restore = async (id: string) => {
    await consoleApi(`/apps/${appId}/workflows/${id}/restore`, 'POST', { json: {} })
    onRestored()
  }
  const side = async (id: string): Promise<DiffSide> => {
    if (id === DRAFT) return { label: 'Draft', graph: draftGraph() }
    const detail = await consoleApi<VersionDetail>(`/apps/${appId}/workflows/${id}`)
    return { label: `Version ${detail.version}`, graph: detail.graph }
  }
  const compare = async () => {
    setError('')
    try {
      const [a, b] = await Promise.all([side(base), side(target)])
      onCompare(a, b)
    } catch (e) {
      setError(`Compare failed: ${(e as Error).message}`)
    }
  }
  const options = items.map((v) => <option key={v.id} value={v.id}>Version {v.version}</option>)
  return (
    <div className="popover right-2 top-12 w-80" role="dialog" aria-label="Versions">
      <div className="mb-2 flex justify-between">
        <span className="font-semibold">Versions</span>
        <button type="button" className="btn-ghost text-xs" onClick={onClose}>Close</button>
      </div>
      {versions.isLoading ? <p className="text-xs text-slate-500">Loading…</p> : null}
      {versions.data && items.length === 0 ? <p className="text-xs text-slate-500">Not published yet.</p> : null}
      <ul className="space-y-1">
        {items.map((v) => (
          <li key={v.id} className="flex items-center justify-between text-xs" data-version={v.version} data-version-id={v.id}>
            <span>{v.version} · {new Date(v.created_at * 1000).toLocaleString()}</span>
            <button type="button" className="btn-ghost text-xs" onClick={() => void restore(v.id)}>Restore</button>
          </li>
        ))}
      </ul>
      {items.length ? (
        <div className="mt-3 space-y-1 border-t border-slate-100 pt-2 text-xs">
          <div className="font-semibold">Compare</div>
          <div className="flex items-center gap-1">
            <select className="input text-xs" aria-label="Compare from" value={base} onChange={(e) => setFrom(e.target.value)}>{options}</select>
            <span>→</span>
            <select className="input text-xs" aria-label="Compare to" value={target} onChange={(e) => setTo(e.target.value)}>
              <option value={DRAFT}>Draft (canvas)</option>
              {options}
            </select>
          </div>
          <button type="button" className="btn w-full justify-center text-xs" onClick={() => void compare()}>Show diff</button>
          {error ? <p className="text-red-600" role="alert">{error}</p> : null}
        </div>
      ) : null}
    </div>
  )
}
