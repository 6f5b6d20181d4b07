import type { QueryClient, QueryKey } from '@tanstack/react-query'

/**
 * Fetch `queryKey` again after a write. A fetch still in flight began before the write and
 * answers without it, and react-query's invalidate joins a query's first fetch rather than
 * restarting it (it restarts only queries that already have data): a knowledge base created while
 * the page's first list was loading never showed up. So that fetch is cancelled first.
 */
export async function refreshAfterWrite(client: QueryClient, queryKey: QueryKey): Promise<void> {
  await client.cancelQueries({ queryKey })
  await client.invalidateQueries({ queryKey })
}
