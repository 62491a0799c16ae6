/**
 * The one HTTP call the chat channels make: POST a JSON body (sent exactly as given, so a
 * signature over it holds) with got, no automatic retries (the sender's loop decides), and the
 * answer parsed as JSON when it is JSON.
 */
import got, { RequestError } from 'got'
import type { Attempt } from '../delivery.js'

export const USER_AGENT = 'lianxin-notify/0.1'

export interface PostResult {
  status: number
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown
  text: string
  retryAfterMs?: number
}

/** POSTs `body` (a JSON string). Network failures come back as a transient {@link Attempt}. */
export async function postJson(url: URL, body: string, headers: Record<string, string>, timeoutMs: number, now: number): Promise<PostResult | Attempt> {
  try {
    const res = await got(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': USER_AGENT, ...headers },
      body,
      timeout: { request: timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
    })
    let json: unknown
    try {
      json = JSON.parse(res.body)
    } catch {
      json = undefined
    }
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], now)
    return { status: res.statusCode, json, text: res.body, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
  } catch (err) {
    if (err instanceof RequestError) {
      return { ok: false, retry: 'transient', error: `${err.code ?? 'network error'}: ${err.message}` }
    }
    throw err
  }
}

/** Retry-After as milliseconds from `now`: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim()
  if (text === undefined || text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export function isAttempt(value: PostResult | Attempt): value is Attempt {
  return 'ok' in value
}

/** A field of a JSON object answer, if the answer is an object. */
export function field(json: unknown, name: string): unknown {
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[name] : undefined
}

/** A short quote of a non-JSON answer for error messages. */
export function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim()
  return one.length > 120 ? `${one.slice(0, 119)}…` : one
}
