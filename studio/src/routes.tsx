/** The studio's pages. The editor is a lazy chunk: the sign-in and apps pages load without React Flow. */
import { lazy, Suspense, useEffect, useState } from 'react'
import { Navigate, NavLink, Outlet, type RouteObject, useNavigate } from 'react-router'
import { session } from './api/client'
import { ApiAccess } from './pages/ApiAccess'
import { Apps } from './pages/Apps'
import { ChatApp } from './pages/ChatApp'
import { CompletionApp } from './pages/CompletionApp'
import { Datasets } from './pages/Datasets'
import { SignIn } from './pages/SignIn'
import { WorkspaceSwitcher } from './pages/WorkspaceSwitcher'

const WorkflowEditor = lazy(() => import('./editor/WorkflowEditor'))

function RequireSession() {
  const navigate = useNavigate()
  const [signedIn, setSignedIn] = useState(Boolean(session.token()))
  useEffect(() => {
    const out = () => { setSignedIn(false); navigate('/signin') }
    window.addEventListener('riverflow:signed-out', out)
    return () => window.removeEventListener('riverflow:signed-out', out)
  }, [navigate])
  return signedIn ? <Outlet /> : <Navigate to="/signin" replace />
}

function Shell() {
  const navigate = useNavigate()
  const link = ({ isActive }: { isActive: boolean }) => `btn-ghost ${isActive ? 'font-semibold text-slate-900' : ''}`
  return (
    <div className="min-h-screen bg-slate-50">
      <nav className="toolbar">
        <span className="mr-4 font-bold text-blue-700">Riverflow Studio</span>
        <NavLink to="/apps" className={link}>Apps</NavLink>
        <NavLink to="/datasets" className={link}>Knowledge</NavLink>
        <WorkspaceSwitcher />
        <button type="button" className="btn-ghost ml-auto" onClick={() => { session.clear(); navigate('/signin') }}>
          Sign out
        </button>
      </nav>
      <main className="mx-auto max-w-5xl p-6"><Outlet /></main>
    </div>
  )
}

export const routes: RouteObject[] = [
  { path: '/signin', element: <SignIn /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <Shell />,
        children: [
          { path: '/apps', element: <Apps /> },
          { path: '/apps/:appId/api', element: <ApiAccess /> },
          { path: '/apps/:appId/chat', element: <ChatApp /> },
          { path: '/apps/:appId/completion', element: <CompletionApp /> },
          { path: '/datasets', element: <Datasets /> },
        ],
      },
      {
        path: '/apps/:appId/workflow',
        element: (
          <Suspense fallback={<div className="p-8 text-slate-500">Loading editor…</div>}>
            <WorkflowEditor />
          </Suspense>
        ),
      },
    ],
  },
  { path: '*', element: <Navigate to="/apps" replace /> },
]
