/** Knowledge bases: list, create, upload a file with progress and live indexing status, test retrieval. */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { datasetApi, datasetKey, type IndexingStatus, uploadDocument } from '../api/datasets'
import { refreshAfterWrite } from '../api/refresh'
import type { Dataset } from '../api/types'
import { RetrievalTest } from './RetrievalTest'

const FINAL = ['completed', 'error', 'paused']

interface DocumentRow {
  id: string
  name: string
  indexing_status: string
  word_count?: number
}

function DatasetCard({ dataset }: { dataset: Dataset }) {
  const [progress, setProgress] = useState<number | null>(null)
  const [indexing, setIndexing] = useState<IndexingStatus | null>(null)
  const [failure, setFailure] = useState('')
  const docs = useQuery({
    queryKey: ['documents', dataset.id],
    queryFn: () => datasetApi<{ data: DocumentRow[] }>(`/datasets/${dataset.id}/documents`),
  })
  const onFile = async (file: File | undefined) => {
    if (!file) return
    setProgress(0)
    setIndexing(null)
    setFailure('')
    try {
      const { batch } = await uploadDocument(dataset.id, file, await datasetKey(), setProgress)
      for (let i = 0; i < 600; i++) {
        const { data } = await datasetApi<{ data: IndexingStatus[] }>(`/datasets/${dataset.id}/documents/${batch}/indexing-status`)
        setIndexing(data[0])
        if (FINAL.includes(data[0].indexing_status)) break
        await new Promise((r) => setTimeout(r, 500))
      }
      await docs.refetch()
    } catch (e) {
      setFailure(`Upload failed: ${(e as Error).message}`)
    }
  }
  const status = indexing?.indexing_status
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
          <span data-testid="indexing-status" data-status={failure ? 'failed' : status ?? 'uploading'}
            data-completed-segments={indexing?.completed_segments ?? 0} data-total-segments={indexing?.total_segments ?? 0}>
            {failure || (indexing
              ? `${status} · ${indexing.completed_segments ?? 0}/${indexing.total_segments ?? 0} segments${indexing.error ? ` · ${indexing.error}` : ''}`
              : `uploading ${progress}%`)}
          </span>
        </div>
      ) : null}
      <ul className="text-xs text-slate-600">
        {docs.data?.data.map((d) => (
          <li key={d.id} data-document={d.name} data-status={d.indexing_status}>
            {d.name} · {d.indexing_status}{d.word_count !== undefined ? ` · ${d.word_count} characters` : ''}
          </li>
        ))}
      </ul>
      <RetrievalTest datasetId={dataset.id} name={dataset.name} />
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
      await refreshAfterWrite(client, ['datasets'])
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
