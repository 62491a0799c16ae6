/**
 * The webhook channel: POSTs each signed reply as JSON to a receiving system (the district's 12345
 * hotline platform, a 政务服务 back end, a relay that posts to the board), signed with HMAC-SHA256.
 *
 * Headers of every request:
 *   Idempotency-Key: lianxin-reply-<ticket>-v<version>-<first 16 hex of the text's sha256>
 *   X-Lianxin-Timestamp: <unix seconds>
 *   X-Lianxin-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
 *
 * A webhook cannot be asked whether it already has a delivery, so {@link WebhookChannel.find} says
 * "cannot tell" and exactly-once rests on the receiver: it must store the first delivery per
 * Idempotency-Key and answer every repeat with 2xx without acting again (docs/publishing.md). The
 * body of an item is the same bytes on every attempt and every run; only the timestamp and
 * signature change.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import got, { RequestError } from 'got'
import { RefusedError, SourceError } from '../../errors.js'
import { parseRetryAfter } from '../../crawl/fetcher.js'
import { checkItem, describeItem, excerpt, idempotencyKey } from '../item.js'
import type { PublishChannel, PublishItem, PublishReceipt } from '../types.js'

export const IDEMPOTENCY_HEADER = 'Idempotency-Key'
export const TIMESTAMP_HEADER = 'X-Lianxin-Timestamp'
export const SIGNATURE_HEADER = 'X-Lianxin-Signature'
/** A receiver sets this to `true` on the answer to a repeated Idempotency-Key (optional; it marks the receipt alreadyThere). */
export const REPLAYED_HEADER = 'Idempotent-Replayed'

export interface WebhookChannelOptions {
  id: string
  url: string
  secret: string
  /** Per attempt. @default 30000 */
  timeoutMs?: number
  /** Attempts after the first on network errors, timeouts, 408, 429 and 5xx. @default 3 */
  retries?: number
  /** Back-off base: base · 2^attempt with ±50% jitter. @default 1000 */
  backoffBaseMs?: number
  /** A Retry-After up to this long is honoured; a longer one ends the attempts. @default 120000 */
  maxRetryAfterMs?: number
  userAgent?: string
  /** The receipt's clock (e.g. the store's). */
  now?: () => Date
  /** Unix seconds for X-Lianxin-Timestamp: the real clock, which the receiver compares with its own. */
  unixTime?: () => number
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

/** The JSON body sent for an item (the same bytes on every attempt). */
export function webhookBody(item: PublishItem): string {
  return JSON.stringify({
    ticketId: item.ticketId,
    version: item.version,
    title: item.title,
    text: item.text,
    textSha256: item.textSha256.toLowerCase(),
    signers: item.signers,
    target: item.target ?? null,
  })
}

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. */
export function signWebhook(secret: string, timestamp: number | string, body: string | Buffer): string {
  const mac = createHmac('sha256', secret)
  mac.update(`${String(timestamp)}.`, 'utf8')
  mac.update(body)
  return `sha256=${mac.digest('hex')}`
}

export type WebhookVerification = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch'; message: string }

/**
 * Checks a delivery's signature, for receivers (and tests): the header must be
 * `sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>`, compared in constant time, and
 * the timestamp within `toleranceSec` of `now` (replays of old deliveries are refused).
 * Pass the raw body bytes as received, before any JSON parsing.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string | Buffer,
  header: string | undefined,
  options: { toleranceSec?: number; now?: number } = {},
): WebhookVerification {
  if (timestamp === undefined || header === undefined || header === '') return { ok: false, reason: 'missing', message: `missing ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER} header` }
  const ts = String(timestamp).trim()
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'malformed', message: `${TIMESTAMP_HEADER} must be unix seconds` }
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim())
  if (!match) return { ok: false, reason: 'malformed', message: `${SIGNATURE_HEADER} must be sha256=<64 hex digits>` }
  const tolerance = options.toleranceSec ?? 300
  const nowSec = Math.floor((options.now ?? Date.now()) / 1000)
  if (Math.abs(nowSec - Number(ts)) > tolerance) return { ok: false, reason: 'stale', message: `timestamp is more than ${tolerance}s away from now` }
  const expected = Buffer.from(signWebhook(secret, ts, body).slice('sha256='.length), 'hex')
  const given = Buffer.from(match[1]!.toLowerCase(), 'hex')
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'mismatch', message: 'signature does not match (wrong secret, or the body was changed)' }
  return { ok: true }
}

type Outcome = { kind: 'done'; receipt: PublishReceipt } | { kind: 'retry'; why: string; waitMs?: number }

export class WebhookChannel implements PublishChannel {
  readonly kind = 'webhook' as const
  readonly id: string
  private readonly options: Required<Omit<WebhookChannelOptions, 'id'>>

  constructor(options: WebhookChannelOptions) {
    this.id = options.id
    this.options = {
      timeoutMs: 30_000,
      retries: 3,
      backoffBaseMs: 1000,
      maxRetryAfterMs: 120_000,
      userAgent: 'lianxin/0.1 (reply publisher)',
      now: () => new Date(),
      unixTime: () => Math.floor(Date.now() / 1000),
      sleep: (ms) => delay(ms),
      random: Math.random,
      ...options,
    }
  }

  /** Always undefined: a webhook cannot be asked; the receiver dedupes on Idempotency-Key instead. */
  async find(item: PublishItem): Promise<PublishReceipt | undefined> {
    checkItem(this.id, item)
    return undefined
  }

  async send(item: PublishItem): Promise<PublishReceipt> {
    checkItem(this.id, item)
    const body = webhookBody(item)
    const key = idempotencyKey(item)
    const { retries } = this.options
    let last = ''
    let attempts = 0
    for (let attempt = 0; ; attempt++) {
      attempts++
      const outcome = await this.attempt(item, body, key)
      if (outcome.kind === 'done') return outcome.receipt
      last = outcome.why
      if (attempt >= retries) break
      const waitMs = outcome.waitMs ?? this.backoff(attempt)
      if (waitMs > this.options.maxRetryAfterMs) {
        last += ` (Retry-After ${Math.round(waitMs / 1000)}s is longer than the ${Math.round(this.options.maxRetryAfterMs / 1000)}s lianxin waits)`
        break
      }
      await this.options.sleep(waitMs)
    }
    throw new SourceError(`${this.id}: could not deliver ${describeItem(item)} to ${this.where()} (${attempts} attempt${attempts === 1 ? '' : 's'}): ${last}`, {
      code: 'PUBLISH_FAILED',
      suggestions: [
        `Publishing again is safe: the receiver sees the same Idempotency-Key (${key}) and must store the reply once.`,
        'Check that the receiving system is up and reachable from this machine.',
      ],
      details: { channel: this.id, ticketId: item.ticketId, version: item.version, idempotencyKey: key, attempts },
    })
  }

  /** Exponential back-off with ±50% jitter. */
  backoff(attempt: number): number {
    return Math.round(this.options.backoffBaseMs * 2 ** attempt * (0.5 + this.options.random()))
  }

  private async attempt(item: PublishItem, body: string, key: string): Promise<Outcome> {
    const timestamp = this.options.unixTime()
    let res
    try {
      res = await got(this.options.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          accept: 'application/json',
          'user-agent': this.options.userAgent,
          [IDEMPOTENCY_HEADER.toLowerCase()]: key,
          [TIMESTAMP_HEADER.toLowerCase()]: String(timestamp),
          [SIGNATURE_HEADER.toLowerCase()]: signWebhook(this.options.secret, timestamp, body),
        },
        timeout: { request: this.options.timeoutMs },
        retry: { limit: 0 },
        throwHttpErrors: false,
        followRedirect: false,
        responseType: 'text',
      })
    } catch (err) {
      if (err instanceof RequestError) return { kind: 'retry', why: `${err.code ?? 'network error'}: ${err.message}` }
      throw err
    }
    const status = res.statusCode
    if (status >= 200 && status < 300) return { kind: 'done', receipt: this.receipt(res.body, res.headers) }
    const answered = `HTTP ${status}${res.body.trim() === '' ? '' : `: ${excerpt(res.body)}`}`
    if (status >= 500 || status === 408 || status === 429) {
      const waitMs = parseRetryAfter(res.headers['retry-after'], Date.now())
      return waitMs === undefined ? { kind: 'retry', why: answered } : { kind: 'retry', why: answered, waitMs }
    }
    const hint =
      status === 401 || status === 403
        ? 'the receiver did not accept the signature or the sender: check that both sides use the same secret and that the clocks agree (timestamps older than a few minutes are refused)'
        : status >= 300 && status < 400
          ? `the receiver redirects${res.headers.location ? ` to ${res.headers.location}` : ''}; set url to the final address (a redirected POST is not followed)`
          : 'the receiver refused the reply; it will not be retried'
    throw new RefusedError(`${this.id}: ${this.where()} answered ${answered} for ${describeItem(item)}: ${hint}`, {
      code: 'PUBLISH_REFUSED',
      details: { channel: this.id, ticketId: item.ticketId, version: item.version, status, body: excerpt(res.body, 500), idempotencyKey: idempotencyKey(item) },
    })
  }

  private receipt(text: string, headers: Record<string, string | string[] | undefined>): PublishReceipt {
    const receipt: PublishReceipt = { channel: this.id, kind: 'webhook', at: this.options.now().toISOString() }
    if (String(headers[REPLAYED_HEADER.toLowerCase()] ?? '').toLowerCase() === 'true') receipt.alreadyThere = true
    try {
      const answer: unknown = JSON.parse(text)
      if (typeof answer === 'object' && answer !== null) {
        const { id, remoteId, url } = answer as Record<string, unknown>
        const rid = remoteId ?? id
        if (typeof rid === 'string' || typeof rid === 'number') receipt.remoteId = String(rid)
        if (typeof url === 'string' && /^https?:\/\//.test(url)) receipt.url = url
      }
    } catch {
      // Any 2xx counts as delivered; the answer's body is optional.
    }
    return receipt
  }

  private where(): string {
    const u = new URL(this.options.url)
    return `${u.origin}${u.pathname}`
  }
}
