/** The frame of a model-config app's page: name and API access, the editor card with "Save and publish"
 * and its status, and the preview beside it. */
import type { ReactNode } from 'react'
import { Link } from 'react-router'

export function ModelConfigLayout({ appId, name, loaded, status, onSave, editor, children }: {
  appId: string
  name?: string
  loaded: boolean
  status: string
  onSave: () => void
  editor: ReactNode
  children: ReactNode
}) {
  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-bold">{name}</h1>
        <Link className="btn" to={`/apps/${appId}/api`}>API access</Link>
      </div>
      <div className="grid grid-cols-2 gap-4">
        <div className="card space-y-2">
          {editor}
          <button type="button" className="btn-primary" onClick={onSave} disabled={!loaded}>Save and publish</button>
          {status ? <p className="text-xs" role="status">{status}</p> : null}
        </div>
        {children}
      </div>
    </div>
  )
}
