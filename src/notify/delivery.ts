/**
 * Delivery: what one send to one channel produced, the sender interface every channel
 * implements, and the retry loop they share (exponential back-off with jitter for network
 * errors, 5xx and the platforms' rate-limit codes; permanent errors fail at once).
 */
import { setTimeout as delay } from 'node:timers/promises'
import { describeError } from '../errors.js'
import { carried, type Notification, type People } from './message.js'
import type { ChannelKind } from './options.js'
import { redact } from './text.js'

/** What happened to one notification on one channel. The daemon records each as an event. */
export interface DeliveryResult {
  /** Channel id from lianxin.yaml. */
  channel: string
  /** Channel kind (wecom, dingtalk, feishu, webhook, email). */
  kind: ChannelKind
  /** The notification's idempotency key. */
  key: string
  ok: boolean
  /** Requests made (1 = first try succeeded or failed for good). */
  attempts: number
  /** HTTP status (or SMTP reply code) of the last attempt, if any. */
  status?: number
  /** The platform's own result code of the last attempt (errcode / code), if any. */
  code?: number | string
  /** Why it failed (credentials redacted). */
  error?: string
  /** Failure class: retried until attempts ran out (`rate-limit`, `transient`) or refused (`permanent`). */
  failure?: 'rate-limit' | 'transient' | 'permanent'
  /**
   * Not sent because the channel's own rate limit was full and the notifier was told not to wait
   * (`maxWaitMs`): try again after this long. Such a result made no request (`attempts` 0).
   */
  retryInMs?: number
  /** Keys delivered together in one merged digest message (includes this key). */
  merged?: string[]
  /** Email: recipients without an address, who were not written to. */
  skipped?: string[]
  /** When the last attempt finished, ISO 8601. */
  at: string
}

/** The outcome of one request. */
export interface Attempt {
  ok: boolean
  status?: number
  code?: number | string
  error?: string
  /** Whether to try again: after a rate-limit answer, after a transient fault, or not at all. */
  retry?: 'rate-limit' | 'transient'
  /** The platform asked to wait this long (Retry-After). */
  retryAfterMs?: number
  skipped?: string[]
}

export interface NotifyLogger {
  debug?(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/** Clock, timing and retry policy of senders (all injectable so tests do not wait). */
export interface SenderContext {
  now: () => Date
  sleep: (ms: number) => Promise<void>
  random: () => number
  /** Requests per notification, first included. @default 4 */
  maxAttempts: number
  /** Back-off after a network error or 5xx: base · 2^(attempt-1) · [0.5, 1.5). @default 1000 */
  backoffBaseMs: number
  /** Wait after a platform rate-limit answer (bots allow 20 per minute): ≥ this · [1, 1.25). @default 60000 */
  rateLimitWaitMs: number
  /** A Retry-After longer than this is not waited for: the delivery fails (as rate-limited) instead. @default 600000 */
  maxRetryAfterMs: number
  /** Request timeout. @default 10000 */
  timeoutMs: number
  /** Environment for `secretEnv`. @default process.env */
  env: Readonly<Record<string, string | undefined>>
  /** Users, for display names, DingTalk mobiles and email. */
  people: People
  /** Time zone of times shown in messages. @default Asia/Shanghai */
  timeZone: string
  logger?: NotifyLogger | undefined
}

export function senderContext(overrides: Partial<SenderContext> = {}): SenderContext {
  return {
    now: () => new Date(),
    sleep: (ms) => delay(ms),
    random: Math.random,
    maxAttempts: 4,
    backoffBaseMs: 1000,
    rateLimitWaitMs: 60_000,
    maxRetryAfterMs: 600_000,
    timeoutMs: 10_000,
    env: process.env,
    people: [],
    timeZone: 'Asia/Shanghai',
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  }
}

export interface SendOptions {
  /** Awaited before each request (the notifier takes a rate-limit token here). */
  beforeAttempt?: () => Promise<void>
  /** Told about every attempt (the notifier slows the channel down after a rate-limit answer). */
  onAttempt?: (attempt: Attempt) => void
}

/** One channel, ready to send. */
export interface Sender {
  readonly id: string
  readonly kind: ChannelKind
  /** Sends with retries; never throws for delivery problems (they are in the result). */
  send(message: Notification, options?: SendOptions): Promise<DeliveryResult>
  /** Whether the message fits in one platform message without truncation (used to size digests). */
  fits(message: Notification): boolean
  close(): Promise<void>
}

/** How long to wait before attempt `next` (2, 3, …) after `attempt` failed. */
export function retryDelay(attempt: Attempt, next: number, ctx: SenderContext): number {
  if (attempt.retryAfterMs !== undefined) return attempt.retryAfterMs
  if (attempt.retry === 'rate-limit') return Math.round(ctx.rateLimitWaitMs * (1 + 0.25 * ctx.random()))
  return Math.round(ctx.backoffBaseMs * 2 ** (next - 2) * (0.5 + ctx.random()))
}

/**
 * Runs `attempt` until it succeeds, fails for good, or `ctx.maxAttempts` is reached. Exceptions
 * from `attempt` count as transient network faults. The result names the notification's key.
 */
export async function sendWithRetries(
  sender: { id: string; kind: ChannelKind; secrets: ReadonlyArray<string | undefined> },
  message: Notification,
  attempt: (message: Notification) => Promise<Attempt>,
  ctx: SenderContext,
  options: SendOptions = {},
): Promise<DeliveryResult> {
  let last: Attempt = { ok: false, error: 'not sent' }
  let attempts = 0
  for (let n = 1; n <= ctx.maxAttempts; n++) {
    await options.beforeAttempt?.()
    attempts = n
    try {
      last = await attempt(message)
    } catch (err) {
      last = { ok: false, retry: 'transient', error: describeError(err) }
    }
    if (last.error !== undefined) last = { ...last, error: redact(last.error, sender.secrets) }
    options.onAttempt?.(last)
    if (last.ok || last.retry === undefined || n === ctx.maxAttempts) break
    const wait = retryDelay(last, n + 1, ctx)
    if (wait > ctx.maxRetryAfterMs) {
      last = { ...last, error: `${last.error ?? 'failed'} (asked to wait ${Math.round(wait / 1000)} s: not waiting that long)` }
      break
    }
    ctx.logger?.debug?.({ channel: sender.id, key: message.key, attempt: n, code: last.code, status: last.status, waitMs: wait }, `notify: ${sender.id} will retry`)
    await ctx.sleep(wait)
  }
  const keys = carried(message).map((m) => m.key)
  const result: DeliveryResult = {
    channel: sender.id,
    kind: sender.kind,
    key: message.key,
    ok: last.ok,
    attempts,
    ...(last.status !== undefined ? { status: last.status } : {}),
    ...(last.code !== undefined ? { code: last.code } : {}),
    ...(last.ok ? {} : { error: last.error ?? 'failed', failure: last.retry ?? 'permanent' }),
    ...(message.items !== undefined ? { merged: keys } : {}),
    ...(last.skipped !== undefined && last.skipped.length > 0 ? { skipped: last.skipped } : {}),
    at: ctx.now().toISOString(),
  }
  return result
}

/** Classifies an HTTP status that carries no platform code: 2xx ok, 408/429/5xx retry, other 4xx permanent. */
export function judgeStatus(status: number, retryAfterMs?: number): Attempt {
  if (status >= 200 && status < 300) return { ok: true, status }
  if (status === 429) return { ok: false, status, retry: 'rate-limit', error: `HTTP ${status} (too many requests)`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
  if (status >= 500 || status === 408) return { ok: false, status, retry: 'transient', error: `HTTP ${status}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
  return { ok: false, status, error: `HTTP ${status}` }
}
