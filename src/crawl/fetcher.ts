import got, { RequestError, type Agents, type Method } from 'got'
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent'
import { CookieJar } from 'tough-cookie'
import { setTimeout as delay } from 'node:timers/promises'
import { decodeBody } from './charset.js'
import { BadResponseError, BlockedError, RetryableFetchError, RobotsDisallowedError } from './errors.js'
import type { HostPool } from './host-pool.js'

export interface FetcherOptions {
  /** The source this fetcher belongs to (named in errors). */
  sourceId: string
  pool: HostPool
  userAgent: string
  proxy?: string | undefined
  timeoutMs?: number
  /** Attempts after the first for timeouts, 5xx, cut bodies and short 429s. @default 3 */
  retries?: number
  /** Base of the exponential back-off: base · 2^attempt, with ±50% jitter. @default 1000 */
  backoffBaseMs?: number
  /** A 429's Retry-After longer than this blocks the source instead of waiting. @default 120000 */
  maxRetryAfterMs?: number
  maxBodyBytes?: number
  respectRobots?: boolean
  /** Statuses that mean "you are blocked". @default [403, 418, 432] (429 after retries) */
  blockStatuses?: number[]
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  /** Called with every request sent (benchmarks replay them; tests inspect them). */
  onRequest?: (request: TracedRequest) => void
}

export interface TracedRequest {
  method: string
  url: string
  headers: Record<string, string>
  form?: Record<string, string | number>
  json?: unknown
  body?: string
}

export interface FetchRequest {
  method?: Method
  headers?: Record<string, string>
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string | number>
  /** Sent as application/json. */
  json?: unknown
  /** A body sent as it is. */
  body?: string
}

export interface FetchResponse {
  url: string
  status: number
  contentType: string | null
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** The body decoded with the charset the response declares or its HTML/XML says. */
  text(): string
  json<T = unknown>(): T
}

export interface FetchStats {
  requests: number
  retries: number
  bytes: number
}

/**
 * The HTTP client of one source: got with timeouts, its own retry loop (exponential back-off
 * with jitter, Retry-After honoured), the shared per-host queue and interval, robots.txt, a
 * cookie jar kept for the source, an optional proxy and a maximum body size. Once the source
 * signals a block, every further request of this run fails fast with the same BlockedError.
 */
export class Fetcher {
  readonly sourceId: string
  readonly cookies = new CookieJar()
  readonly stats: FetchStats = { requests: 0, retries: 0, bytes: 0 }
  private blocked: BlockedError | undefined
  private readonly options: Required<Omit<FetcherOptions, 'proxy' | 'onRequest'>> & Pick<FetcherOptions, 'proxy' | 'onRequest'>
  private readonly agent: Agents | undefined

  constructor(options: FetcherOptions) {
    this.sourceId = options.sourceId
    this.options = {
      timeoutMs: 30_000,
      retries: 3,
      backoffBaseMs: 1000,
      maxRetryAfterMs: 120_000,
      maxBodyBytes: 10 * 1024 * 1024,
      respectRobots: true,
      blockStatuses: [403, 418, 432],
      sleep: (ms) => delay(ms),
      random: Math.random,
      ...options,
      proxy: options.proxy,
    }
    this.agent = options.proxy
      ? {
          http: new HttpProxyAgent({ proxy: options.proxy, keepAlive: true }),
          https: new HttpsProxyAgent({ proxy: options.proxy, keepAlive: true }),
        }
      : undefined
  }

  /** The block seen in this run, if any. */
  get blockedBy(): BlockedError | undefined {
    return this.blocked
  }

  /** Marks the source blocked for the rest of the run (adapters call it for body-level signals). */
  block(error: BlockedError): never {
    this.blocked ??= error
    throw error
  }

  async get(url: string | URL, request: Omit<FetchRequest, 'method'> = {}): Promise<FetchResponse> {
    return this.fetch(url, { ...request, method: 'GET' })
  }

  async post(url: string | URL, request: Omit<FetchRequest, 'method'> = {}): Promise<FetchResponse> {
    return this.fetch(url, { ...request, method: 'POST' })
  }

  async fetch(input: string | URL, request: FetchRequest = {}): Promise<FetchResponse> {
    if (this.blocked) throw this.blocked
    const url = new URL(input)
    if (this.options.respectRobots) await this.checkRobots(url)
    for (let attempt = 0; ; attempt++) {
      let outcome: FetchResponse | RetryableFetchError
      try {
        outcome = await this.options.pool.schedule(url, () => this.once(url, request))
      } catch (err) {
        if (!(err instanceof RetryableFetchError)) throw err
        outcome = err
      }
      if (!(outcome instanceof RetryableFetchError)) {
        const verdict = this.judge(url, outcome, attempt)
        if (verdict === 'ok') return outcome
        if (verdict instanceof BlockedError) this.block(verdict)
        outcome = verdict.error
        if (verdict.waitMs !== undefined) {
          if (attempt >= this.options.retries) this.block(this.blockedBy429(url, outcome, verdict.waitMs))
          this.options.pool.pause(url, verdict.waitMs)
          this.stats.retries++
          continue
        }
      }
      if (attempt >= this.options.retries) throw outcome
      this.stats.retries++
      await this.options.sleep(this.backoff(attempt))
    }
  }

  /** Exponential back-off with ±50% jitter: base · 2^attempt · [0.5, 1.5). */
  backoff(attempt: number): number {
    return Math.round(this.options.backoffBaseMs * 2 ** attempt * (0.5 + this.options.random()))
  }

  private judge(
    url: URL,
    res: FetchResponse,
    attempt: number,
  ): 'ok' | BlockedError | { error: RetryableFetchError; waitMs?: number } {
    const { status } = res
    if (status < 400 && status !== 0) return 'ok'
    const where = `${this.sourceId}: ${url.pathname}`
    if (this.options.blockStatuses.includes(status)) {
      return new BlockedError(`${where} answered HTTP ${status}: the source is blocking us`, `http-${status}`, {
        suggestions: ['lianxin stops asking this source for this run and backs it off; check the source\'s rules before resuming.'],
      })
    }
    if (status === 429) {
      const retryAfter = parseRetryAfter(res.headers['retry-after'], Date.now())
      const waitMs = retryAfter ?? this.backoff(attempt)
      if (retryAfter !== undefined && retryAfter > this.options.maxRetryAfterMs) return this.blockedBy429(url, res, retryAfter)
      return { error: new RetryableFetchError(`${where} answered HTTP 429 (too many requests)`), waitMs }
    }
    if (status >= 500 || status === 408) {
      const retryAfter = parseRetryAfter(res.headers['retry-after'], Date.now())
      const error = new RetryableFetchError(`${where} answered HTTP ${status}`)
      return retryAfter !== undefined && retryAfter <= this.options.maxRetryAfterMs ? { error, waitMs: retryAfter } : { error }
    }
    throw new BadResponseError(`${where} answered HTTP ${status}`, { status })
  }

  private blockedBy429(url: URL, res: FetchResponse | RetryableFetchError, retryAfterMs: number): BlockedError {
    void res
    return new BlockedError(`${this.sourceId}: ${url.pathname} kept answering HTTP 429 (too many requests)`, 'http-429', { retryAfterMs })
  }

  private async once(url: URL, request: FetchRequest): Promise<FetchResponse> {
    this.stats.requests++
    const method = request.method ?? 'GET'
    const headers = { 'user-agent': this.options.userAgent, ...request.headers }
    this.options.onRequest?.({ method, url: url.toString(), headers, ...pick(request) })
    const promise = got(url, {
      method,
      headers,
      ...(request.form ? { form: request.form } : {}),
      ...(request.json !== undefined ? { json: request.json } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
      cookieJar: this.cookies,
      timeout: { request: this.options.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: true,
      responseType: 'buffer',
      decompress: true,
      ...(this.agent ? { agent: this.agent } : {}),
    })
    const max = this.options.maxBodyBytes
    let tooBig = false
    void promise.on('downloadProgress', (progress) => {
      if (progress.transferred > max && !tooBig) {
        tooBig = true
        promise.cancel()
      }
    })
    try {
      const res = await promise
      this.stats.bytes += res.rawBody.length
      return toResponse(res.url, res.statusCode, res.headers, res.rawBody)
    } catch (err) {
      if (tooBig) throw new BadResponseError(`${this.sourceId}: ${url.pathname} is larger than the ${max}-byte limit (crawl.maxBodyBytes)`)
      if (err instanceof RequestError) {
        throw new RetryableFetchError(`${this.sourceId}: ${url.pathname}: ${err.code ?? ''} ${err.message}`.trim(), { cause: err })
      }
      throw err
    }
  }

  private async checkRobots(url: URL): Promise<void> {
    const rules = await this.options.pool.rules(url, async (robotsUrl) => {
      try {
        const res = await this.options.pool.schedule(robotsUrl, () => this.once(robotsUrl, {}))
        return { status: res.status, text: res.text() }
      } catch {
        return undefined
      }
    })
    this.options.pool.applyCrawlDelay(url, rules.crawlDelayMs(this.options.userAgent))
    if (!rules.isAllowed(url.toString(), this.options.userAgent)) {
      throw new RobotsDisallowedError(`${this.sourceId}: robots.txt of ${url.host} disallows ${url.pathname}`, {
        suggestions: ['Set respectRobots: false on this source in lianxin.yaml only if the site owner agreed; the crawl output shows the override.'],
      })
    }
  }
}

function pick(request: FetchRequest): Pick<TracedRequest, 'form' | 'json' | 'body'> {
  return {
    ...(request.form ? { form: request.form } : {}),
    ...(request.json !== undefined ? { json: request.json } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
  }
}

function toResponse(url: string, status: number, headers: Record<string, string | string[] | undefined>, body: Buffer): FetchResponse {
  const contentType = (headers['content-type'] as string | undefined) ?? null
  let text: string | undefined
  return {
    url,
    status,
    contentType,
    headers,
    body,
    text() {
      text ??= decodeBody(body, contentType).text
      return text
    },
    json<T>() {
      try {
        return JSON.parse(this.text()) as T
      } catch (err) {
        throw new BadResponseError(`${new URL(url).pathname} did not answer valid JSON (${body.length} bytes)`, { cause: err })
      }
    },
  }
}

/** Retry-After as milliseconds from now: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text.trim() === '') return undefined
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
