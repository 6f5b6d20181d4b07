/**
 * Knowledge bases through Dify's dataset API (`/v1/datasets`) with a workspace dataset key that the studio
 * creates once and keeps in this browser: list, create, upload a file with progress, indexing status.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { consoleApi, errorFrom } from '../api/client'
import type { ApiKey, Dataset } from '../api/types'

const KEY = 'riverflow.dataset-key'

async function datasetKey(): Promise<string> {
  const stored = localStorage.getItem(KEY)
  if (stored) return stored
  const key = await consoleApi<ApiKey>('/datasets/api-keys', 'POST', { json: {} })
  localStorage.setItem(KEY, key.token)
  return key.token
}

async function datasetApi<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`/v1${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${await datasetKey()}`, 'Content-Type': 'application/json', ...init.headers },
  })
  if (response.status === 401) localStorage.removeItem(KEY)
  if (!response.ok) throw await errorFrom(response)
  return (await response.json()) as T
}

/** Upload with progress events (fetch has none for request bodies). */
function upload(datasetId: string, file: File, token: string, onProgress: (pct: number) => void) {
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

function DatasetCard({ dataset }: { dataset: Dataset }) {
  const [progress, setProgress] = useState<number | null>(null)
  const [status, setStatus] = useState('')
  const docs = useQuery({
    queryKey: ['documents', dataset.id],
    queryFn: () => datasetApi<{ data: { id: string; name: string; indexing_status: string }[] }>(`/datasets/${dataset.id}/documents`),
  })
  const onFile = async (file: File | undefined) => {
    if (!file) return
    setProgress(0)
    try {
      const { batch } = await upload(dataset.id, file, await datasetKey(), setProgress)
      for (let i = 0; i < 120; i++) {
        const { data } = await datasetApi<{ data: { indexing_status: string; completed_segments?: number; total_segments?: number }[] }>(
          `/datasets/${dataset.id}/documents/${batch}/indexing-status`)
        const doc = data[0]
        setStatus(`${doc.indexing_status} ${doc.completed_segments ?? 0}/${doc.total_segments ?? 0}`)
        if (['completed', 'error', 'paused'].includes(doc.indexing_status)) break
        await new Promise((r) => setTimeout(r, 500))
      }
      await docs.refetch()
    } catch (e) {
      setStatus(`Upload failed: ${(e as Error).message}`)
    }
  }
  return (
    <li className="card space-y-2" data-dataset={dataset.name}>
      <div className="flex items-center justify-between">
        <span className="font-semibold">{dataset.name}</span>
        <label className="btn cursor-pointer text-xs">Upload file
          <input type="file" className="hidden" aria-label={`Upload to ${dataset.name}`}
            onChange={(e) => { void onFile(e.target.files?.[0]); e.target.value = '' }} />
        </label>
      </div>
      {progress !== null ? (
        <div className="space-y-1 text-xs">
          <progress max={100} value={progress} className="w-full" aria-label="Upload progress" />
          <span data-testid="indexing-status">{status || `uploading ${progress}%`}</span>
        </div>
      ) : null}
      <ul className="text-xs text-slate-600">
        {docs.data?.data.map((d) => <li key={d.id}>{d.name} · {d.indexing_status}</li>)}
      </ul>
    </li>
  )
}

export function Datasets() {
  const client = useQueryClient()
  const datasets = useQuery({ queryKey: ['datasets'], queryFn: () => datasetApi<{ data: Dataset[] }>('/datasets?limit=100') })
  const [name, setName] = useState('')
  const [error, setError] = useState('')
  const create = async (event: FormEvent) => {
    event.preventDefault()
    try {
      await datasetApi('/datasets', { method: 'POST', body: JSON.stringify({ name }) })
      setName('')
      await client.invalidateQueries({ queryKey: ['datasets'] })
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-bold">Knowledge</h1>
      <form onSubmit={create} className="card flex items-end gap-2" aria-label="Create knowledge base">
        <label className="flex-1 text-sm">Name
          <input className="input" aria-label="Knowledge base name" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" className="btn-primary">Create</button>
      </form>
      {error || datasets.error ? <p className="text-sm text-red-600" role="alert">{error || (datasets.error as Error).message}</p> : null}
      <ul className="space-y-3">{datasets.data?.data.map((d) => <DatasetCard key={d.id} dataset={d} />)}</ul>
    </div>
  )
}
