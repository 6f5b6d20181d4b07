/** Apps: list, create (each mode), import a Dify DSL file, export, open the editor or the API page. */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Download, Upload } from 'lucide-react'
import { type FormEvent, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { consoleApi } from '../api/client'
import { refreshAfterWrite } from '../api/refresh'
import type { App, AppMode } from '../api/types'

const MODES: { mode: AppMode; label: string }[] = [
  { mode: 'workflow', label: 'Workflow' },
  { mode: 'advanced-chat', label: 'Chatflow' },
  { mode: 'chat', label: 'Chatbot' },
  { mode: 'agent-chat', label: 'Agent' },
  { mode: 'completion', label: 'Text generator' },
]
const hasCanvas = (mode: AppMode) => mode === 'workflow' || mode === 'advanced-chat'

async function exportDsl(app: App) {
  const { data } = await consoleApi<{ data: string }>(`/apps/${app.id}/export`)
  const link = document.createElement('a')
  link.href = URL.createObjectURL(new Blob([data], { type: 'application/x-yaml' }))
  link.download = `${app.name}.yml`
  link.click()
  URL.revokeObjectURL(link.href)
}

export function Apps() {
  const navigate = useNavigate()
  const client = useQueryClient()
  const apps = useQuery({ queryKey: ['apps'], queryFn: () => consoleApi<{ data: App[] }>('/apps?limit=100') })
  const [name, setName] = useState('')
  const [mode, setMode] = useState<AppMode>('workflow')
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')

  const create = async (event: FormEvent) => {
    event.preventDefault()
    setError('')
    try {
      const app = await consoleApi<App>('/apps', 'POST', { json: { name, mode } })
      setName('')
      await refreshAfterWrite(client, ['apps'])
      if (hasCanvas(app.mode)) navigate(`/apps/${app.id}/workflow`)
    } catch (e) {
      setError((e as Error).message)
    }
  }

  const importFile = async (file: File | undefined) => {
    if (!file) return
    setError('')
    const form = new FormData()
    form.append('file', file)
    try {
      const app = await consoleApi<App>('/apps/import', 'POST', { form })
      setNotice(`Imported ${app.name}`)
      await refreshAfterWrite(client, ['apps'])
    } catch (e) {
      setError(`Import failed: ${(e as Error).message}`)
    }
  }

  const remove = async (app: App) => {
    await consoleApi(`/apps/${app.id}`, 'DELETE')
    await refreshAfterWrite(client, ['apps'])
  }

  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-bold">Apps</h1>
        <label className="btn cursor-pointer">
          <Upload size={14} /> Import DSL
          <input type="file" accept=".yml,.yaml" className="hidden" aria-label="Import DSL file"
            onChange={(e) => { void importFile(e.target.files?.[0]); e.target.value = '' }} />
        </label>
      </div>
      <form onSubmit={create} className="card flex items-end gap-2" aria-label="Create app">
        <label className="flex-1 text-sm">Name
          <input className="input" aria-label="App name" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="text-sm">Type
          <select className="input" aria-label="App type" value={mode} onChange={(e) => setMode(e.target.value as AppMode)}>
            {MODES.map((m) => <option key={m.mode} value={m.mode}>{m.label}</option>)}
          </select>
        </label>
        <button type="submit" className="btn-primary">Create</button>
      </form>
      {error ? <p className="text-sm text-red-600" role="alert">{error}</p> : null}
      {notice ? <p className="text-sm text-emerald-700" role="status">{notice}</p> : null}
      {apps.isLoading ? <p className="text-slate-500">Loading…</p> : null}
      {apps.data?.data.length === 0 ? <p className="text-slate-500">No apps yet: create one or import a Dify DSL file.</p> : null}
      <ul className="grid grid-cols-1 gap-3 md:grid-cols-2">
        {apps.data?.data.map((app) => (
          <li key={app.id} className="card space-y-2" data-app-id={app.id} data-app-name={app.name}>
            <div className="flex items-center justify-between">
              <span className="font-semibold">{app.name}</span>
              <span className="rounded bg-slate-100 px-2 py-0.5 text-xs">{MODES.find((m) => m.mode === app.mode)?.label ?? app.mode}</span>
            </div>
            <p className="line-clamp-2 text-xs text-slate-500">{app.description}</p>
            <div className="flex gap-2 text-sm">
              {hasCanvas(app.mode) ? <Link className="btn-primary" to={`/apps/${app.id}/workflow`}>Open editor</Link> : null}
              {app.mode === 'chat' || app.mode === 'agent-chat'
                ? <Link className="btn-primary" to={`/apps/${app.id}/chat`}>Configure and chat</Link> : null}
              {app.mode === 'completion'
                ? <Link className="btn-primary" to={`/apps/${app.id}/completion`}>Configure and run</Link> : null}
              <Link className="btn" to={`/apps/${app.id}/api`}>API access</Link>
              <button type="button" className="btn" onClick={() => void exportDsl(app)}><Download size={14} /> Export</button>
              <button type="button" className="btn-ghost ml-auto text-red-600" onClick={() => void remove(app)}>Delete</button>
            </div>
          </li>
        ))}
      </ul>
    </div>
  )
}
