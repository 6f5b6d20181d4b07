/**
 * Dify's SSE run stream over POST (EventSource is GET-only): one parsed JSON event per callback. `token` is
 * an app key (Service API) or the console session (the console's draft run).
 */
import { createParser } from 'eventsource-parser'
import { errorFrom } from './client'

export type RunEvent = { event: string; data?: Record<string, unknown> } & Record<string, unknown>

export async function streamRun(
  path: string,
  token: string,
  body: unknown,
  onEvent: (event: RunEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  })
  if (!response.ok || !response.body) throw await errorFrom(response)
  const parser = createParser({
    onEvent(message) {
      if (!message.data) return
      try {
        onEvent(JSON.parse(message.data) as RunEvent)
      } catch {
        // a frame that is not JSON (none expected) is skipped rather than ending the stream
      }
    },
  })
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    parser.feed(value)
  }
}
