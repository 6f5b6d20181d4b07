/** Test retrieval on a knowledge base: a query, and the chunks it finds with their scores. */
import { type FormEvent, useState } from 'react'
import { datasetApi, type RetrieveRecord } from '../api/datasets'

export function RetrievalTest({ datasetId, name }: { datasetId: string; name: string }) {
  const [query, setQuery] = useState('')
  const [records, setRecords] = useState<RetrieveRecord[] | null>(null)
  const [error, setError] = useState('')
  const search = async (event: FormEvent) => {
    event.preventDefault()
    setError('')
    try {
      const found = await datasetApi<{ records: RetrieveRecord[] }>(`/datasets/${datasetId}/retrieve`, {
        method: 'POST',
        body: JSON.stringify({ query }),
      })
      setRecords(found.records)
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <form onSubmit={search} className="space-y-1 border-t border-slate-100 pt-2" aria-label={`Test retrieval on ${name}`}>
      <div className="flex gap-2">
        <input className="input text-xs" aria-label={`Retrieval query for ${name}`} placeholder="Test retrieval: a question…"
          required value={query} onChange={(e) => setQuery(e.target.value)} />
        <button type="submit" className="btn text-xs">Retrieve</button>
      </div>
      {error ? <p className="text-xs text-red-600" role="alert">{error}</p> : null}
      {records ? (
        <ol className="space-y-1 text-xs" data-testid="retrieval-results" data-count={records.length}>
          {records.length === 0 ? <li className="text-slate-500">No chunk matches.</li> : null}
          {records.map((r) => (
            <li key={r.segment.id} className="rounded bg-slate-50 p-2" data-score={r.score}>
              <span className="font-mono text-slate-500">{r.score.toFixed(3)}</span>{' '}
              <span className="text-slate-400">{r.segment.document?.name}</span>
              <p data-chunk>{r.segment.content}</p>
            </li>
          ))}
        </ol>
      ) : null}
    </form>
  )
}
