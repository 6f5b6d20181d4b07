/** Sign in with e-mail and password, or with the console token written by the gateway on first start. */
import { type FormEvent, useState } from 'react'
import { useNavigate } from 'react-router'
import { consoleApi, session } from '../api/client'

export function SignIn() {
  const navigate = useNavigate()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [token, setToken] = useState('')
  const [error, setError] = useState('')
  const [withToken, setWithToken] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError('')
    try {
      if (withToken) {
        session.set(token.trim())
        await consoleApi('/account/profile')
      } else {
        const answer = await consoleApi<{ data: { access_token: string } }>('/login', 'POST', {
          json: { email, password },
        })
        session.set(answer.data.access_token)
      }
      navigate('/apps')
    } catch (e) {
      session.clear()
      setError((e as Error).message)
    }
  }

  return (
    <div className="flex min-h-screen items-center justify-center bg-slate-50">
      <form onSubmit={submit} className="card w-96 space-y-3" aria-label="Sign in">
        <h1 className="text-xl font-bold text-blue-700">Riverflow Studio</h1>
        {withToken ? (
          <label className="block text-sm">Console token
            <input className="input" type="password" aria-label="Console token" value={token} onChange={(e) => setToken(e.target.value)} />
          </label>
        ) : (
          <>
            <label className="block text-sm">E-mail
              <input className="input" type="email" aria-label="E-mail" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <label className="block text-sm">Password
              <input className="input" type="password" aria-label="Password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </>
        )}
        {error ? <p className="text-sm text-red-600" role="alert">{error}</p> : null}
        <button type="submit" className="btn-primary w-full">Sign in</button>
        <button type="button" className="btn-ghost w-full justify-center text-xs" onClick={() => setWithToken(!withToken)}>
          {withToken ? 'Use e-mail and password' : 'Use the console token (.riverflow/console-token)'}
        </button>
      </form>
    </div>
  )
}
