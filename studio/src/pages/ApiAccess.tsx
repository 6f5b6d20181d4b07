/** API access for one app: the base URL, its keys (create, revoke) and a curl example. */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useParams } from 'react-router'
import { consoleApi } from '../api/client'
import { refreshAfterWrite } from '../api/refresh'
import type { ApiKey, App } from '../api/types'

export function ApiAccess() {
  const { appId } = useParams()
  const client = useQueryClient()
  const app = useQuery({ queryKey: ['app', appId], queryFn: () => consoleApi<App>(`/apps/${appId}`) })
  const keys = useQuery({ queryKey: ['keys', appId], queryFn: () => consoleApi<{ data: ApiKey[] }>(`/apps/${appId}/api-keys`) })
  const [created, setCreated] = useState('')
  const base = `${window.location.origin}/v1`
  const create = async () => {
    const key = await consoleApi<ApiKey>(`/apps/${appId}/api-keys`, 'POST', { json: {} })
    setCreated(key.token)
    await refreshAfterWrite(client, ['keys', appId])
  }
  const revoke = async (id: string) => {
    await consoleApi(`/apps/${appId}/api-keys/${id}`, 'DELETE')
    await refreshAfterWrite(client, ['keys', appId])
  }
  const chat = app.data && app.data.mode !== 'workflow' && app.data.mode !== 'completion'
  const path = app.data?.mode === 'workflow' ? 'workflows/run' : app.data?.mode === 'completion' ? 'completion-messages' : 'chat-messages'
  const body = chat
    ? '{"inputs": {}, "query": "Hello", "response_mode": "streaming", "user": "alice"}'
    : '{"inputs": {}, "response_mode": "streaming", "user": "alice"}'
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-bold">API access · {app.data?.name}</h1>
      <div className="card space-y-1">
        <div className="text-sm font-semibold">Base URL</div>
        <code className="text-sm" data-testid="base-url">{base}</code>
      </div>
      <div className="card space-y-2">
        <div className="flex items-center justify-between">
          <span className="text-sm font-semibold">Keys</span>
          <button type="button" className="btn-primary" onClick={() => void create()}>Create key</button>
        </div>
        {created ? <p className="text-sm" role="status">New key (shown once): <code data-testid="new-key">{created}</code></p> : null}
        <ul className="space-y-1 text-sm">
          {keys.data?.data.map((k) => (
            <li key={k.id} className="flex justify-between"><code>{k.token}</code>
              <button type="button" className="btn-ghost text-red-600" onClick={() => void revoke(k.id)}>Revoke</button></li>
          ))}
        </ul>
      </div>
      <div className="card space-y-1">
        <div className="text-sm font-semibold">Example</div>
        <pre className="overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid="curl">{`curl -N -X POST '${base}/${path}' \\
  -H 'Authorization: Bearer ${created || 'app-...'}' \\
  -H 'Content-Type: application/json' \\
  -d '${body}'`}</pre>
      </div>
    </div>
  )
}
