/**
 * Dify's dataset API (`/v1/datasets`) with a workspace dataset key that the studio creates once per
 * workspace through the console API and keeps in this browser.
 */
import { consoleApi, errorFrom } from './client'
import type { ApiKey } from './types'
import { currentWorkspaceId } from './workspaces'

const KEY = 'riverflow.dataset-key'

const keyName = async () => `${KEY}.${await currentWorkspaceId()}`

export async function datasetKey(): Promise<string> {
  const name = await keyName()
  const stored = localStorage.getItem(name)
  if (stored) return stored
  const key = await consoleApi<ApiKey>('/datasets/api-keys', 'POST', { json: {} })
  localStorage.setItem(name, key.token)
  return key.token
}

export async function datasetApi<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`/v1${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${await datasetKey()}`, 'Content-Type': 'application/json', ...init.headers },
  })
  if (response.status === 401) localStorage.removeItem(await keyName())
  if (!response.ok) throw await errorFrom(response)
  return (await response.json()) as T
}

/** Upload with progress events (fetch has none for request bodies). */
export function uploadDocument(datasetId: string, file: File, token: string, onProgress: (pct: number) => void) {
  return new Promise<{ batch: string }>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `/v1/datasets/${datasetId}/document/create-by-file`)
    xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100))
    xhr.onload = () => (xhr.status < 300 ? resolve(JSON.parse(xhr.responseText)) : reject(new Error(xhr.responseText)))
    xhr.onerror = () => reject(new Error('upload failed'))
    const form = new FormData()
    form.append('file', file)
    form.append('data', JSON.stringify({ indexing_technique: 'high_quality', process_rule: { mode: 'automatic' } }))
    xhr.send(form)
  })
}

export interface IndexingStatus {
  indexing_status: string
  completed_segments?: number
  total_segments?: number
  error?: string | null
}

export interface RetrieveRecord {
  score: number
  segment: { id: string; content: string; position?: number; document?: { name: string } }
}
