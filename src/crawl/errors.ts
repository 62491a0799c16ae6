import { SourceError, type LianxinErrorOptions } from '../errors.js'

/**
 * The source told us to stop (HTTP 403/418/429/432, the board's SN0006, Weibo's captcha,
 * WeChat's 200013/200003). No further request goes to that source in this run, and the source
 * is backed off across runs.
 */
export class BlockedError extends SourceError {
  /** The signal that was seen, e.g. `http-432`, `sn0006`, `weibo-captcha`. */
  readonly signal: string
  /** How long to leave the source alone, if the source said (Retry-After) . */
  readonly retryAfterMs: number | undefined
  constructor(message: string, signal: string, options: LianxinErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, { ...options, code: 'SOURCE_BLOCKED' })
    this.signal = signal
    this.retryAfterMs = options.retryAfterMs
  }
}

/** A request failed in a way that may pass if tried again later (timeouts, 5xx, cut bodies). */
export class RetryableFetchError extends SourceError {
  constructor(message: string, options: LianxinErrorOptions = {}) {
    super(message, { ...options, code: 'FETCH_FAILED' })
  }
}

/** The server answered, but not with anything usable (404, a body we cannot parse). */
export class BadResponseError extends SourceError {
  /** The HTTP status, when the status itself was the problem (404, 410…). */
  readonly status: number | undefined
  constructor(message: string, options: LianxinErrorOptions & { status?: number } = {}) {
    super(message, { ...options, code: 'BAD_RESPONSE' })
    this.status = options.status
  }
}

/** robots.txt forbids the URL and the source does not override it. */
export class RobotsDisallowedError extends SourceError {
  constructor(message: string, options: LianxinErrorOptions = {}) {
    super(message, { ...options, code: 'ROBOTS_DISALLOWED' })
  }
}
