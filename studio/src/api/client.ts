/** Console API client: the session token in localStorage, Dify's error body surfaced as ApiError. */

const TOKEN_KEY = 'riverflow.console-token'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export const session = {
  token: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (token: string) => localStorage.setItem(TOKEN_KEY, token),
  clear: () => localStorage.removeItem(TOKEN_KEY),
}

type Body = { json?: unknown; form?: FormData; yaml?: string }

export async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text()
  try {
    const body = JSON.parse(text) as { code?: string; message?: string }
    return new ApiError(response.status, body.code ?? 'error', body.message ?? text)
  } catch {
    return new ApiError(response.status, 'error', text || response.statusText)
  }
}

/** A console API call (`path` below /console/api). A 401 ends the session and reloads to sign-in. */
export async function consoleApi<T>(path: string, method = 'GET', body: Body = {}): Promise<T> {
  const headers: Record<string, string> = {}
  const token = session.token()
  if (token) headers.Authorization = `Bearer ${token}`
  let payload: BodyInit | undefined
  if (body.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body.json)
  } else if (body.yaml !== undefined) {
    headers['Content-Type'] = 'application/x-yaml'
    payload = body.yaml
  } else if (body.form) {
    payload = body.form
  }
  const response = await fetch(`/console/api${path}`, { method, headers, body: payload })
  if (response.status === 401 && path !== '/login') {
    session.clear()
    window.dispatchEvent(new Event('riverflow:signed-out'))
  }
  if (!response.ok) throw await errorFrom(response)
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}
