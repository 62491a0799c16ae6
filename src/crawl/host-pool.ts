import PQueue from 'p-queue'
import robotsParserModule from 'robots-parser'
import { setTimeout as delay } from 'node:timers/promises'

/** What robots.txt says about one origin. */
export interface RobotsRules {
  isAllowed(url: string, userAgent: string): boolean
  crawlDelayMs(userAgent: string): number | undefined
}

export interface HostPoolOptions {
  /** Requests in flight per host. @default 1 */
  concurrency?: number
  /** Minimum time between the starts of two requests to the same host. @default 2000 */
  minIntervalMs?: number
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

interface Host {
  queue: PQueue
  /** Earliest time the next request may start. */
  nextStart: number
  /** When the last request started. */
  lastStart: number
  /** Minimum interval for this host: the pool's, raised by robots.txt Crawl-delay. */
  intervalMs: number
  /** Set by Retry-After: nobody asks this host before then. */
  pausedUntil: number
}

/**
 * Politeness shared by every source of a crawl run: one p-queue per host for concurrency, a
 * start-time gate per host for the minimum interval (raised by robots.txt Crawl-delay, paused
 * by Retry-After), and one robots.txt per origin.
 */
export class HostPool {
  readonly concurrency: number
  readonly minIntervalMs: number
  private readonly hosts = new Map<string, Host>()
  private readonly robots = new Map<string, Promise<RobotsRules>>()
  private readonly sleep: (ms: number) => Promise<void>
  private readonly now: () => number

  constructor(options: HostPoolOptions = {}) {
    this.concurrency = options.concurrency ?? 1
    this.minIntervalMs = options.minIntervalMs ?? 2000
    this.sleep = options.sleep ?? ((ms) => delay(ms))
    this.now = options.now ?? Date.now
  }

  /** Runs `task` in the host's queue once the host's interval allows it. */
  async schedule<T>(url: URL, task: () => Promise<T>): Promise<T> {
    const host = this.host(url.host)
    return host.queue.add(async () => {
      const now = this.now()
      const start = Math.max(now, host.nextStart, host.pausedUntil)
      host.lastStart = start
      host.nextStart = start + host.intervalMs
      if (start > now) {
        await this.sleep(start - now)
        // A timer that fired late (a busy process) moves the next start on: the interval holds between actual starts.
        const actual = this.now()
        if (actual > start) {
          host.lastStart = Math.max(host.lastStart, actual)
          host.nextStart = Math.max(host.nextStart, actual + host.intervalMs)
        }
      }
      return task()
    }) as Promise<T>
  }

  /** Nobody asks this host again for `ms` (the server's Retry-After). */
  pause(url: URL, ms: number): void {
    const host = this.host(url.host)
    host.pausedUntil = Math.max(host.pausedUntil, this.now() + ms)
  }

  /** robots.txt of the URL's origin, fetched once per run with `load`. */
  async rules(url: URL, load: (robotsUrl: URL) => Promise<{ status: number; text: string } | undefined>): Promise<RobotsRules> {
    let rules = this.robots.get(url.origin)
    if (!rules) {
      const robotsUrl = new URL('/robots.txt', url.origin)
      rules = load(robotsUrl).then((res) => toRules(robotsUrl, res))
      this.robots.set(url.origin, rules)
    }
    return rules
  }

  /** Applies a Crawl-delay from robots.txt to the host. */
  applyCrawlDelay(url: URL, ms: number | undefined): void {
    if (ms === undefined) return
    const host = this.host(url.host)
    if (ms <= host.intervalMs) return
    host.intervalMs = ms
    // The request scheduled right after robots.txt must wait the longer delay too.
    host.nextStart = Math.max(host.nextStart, host.lastStart + ms)
  }

  private host(name: string): Host {
    let host = this.hosts.get(name)
    if (!host) {
      host = { queue: new PQueue({ concurrency: this.concurrency }), nextStart: 0, lastStart: 0, intervalMs: this.minIntervalMs, pausedUntil: 0 }
      this.hosts.set(name, host)
    }
    return host
  }
}

// robots-parser is CommonJS (module.exports = fn); its typings describe an ES default export.
const robotsParser = robotsParserModule as unknown as (url: string, text: string) => {
  isAllowed(url: string, ua?: string): boolean | undefined
  getCrawlDelay(ua?: string): number | undefined
}

const ALLOW_ALL: RobotsRules = { isAllowed: () => true, crawlDelayMs: () => undefined }
const DISALLOW_ALL: RobotsRules = { isAllowed: () => false, crawlDelayMs: () => undefined }

/**
 * As the robots exclusion standard (RFC 9309) says: a 4xx means no rules; a 5xx or no answer
 * means "assume everything is disallowed" for now.
 */
function toRules(robotsUrl: URL, res: { status: number; text: string } | undefined): RobotsRules {
  if (!res || res.status >= 500) return DISALLOW_ALL
  if (res.status >= 400) return ALLOW_ALL
  const robot = robotsParser(robotsUrl.toString(), res.text)
  return {
    isAllowed: (url, ua) => robot.isAllowed(url, ua) !== false,
    crawlDelayMs: (ua) => {
      const seconds = robot.getCrawlDelay(ua)
      return seconds === undefined ? undefined : seconds * 1000
    },
  }
}
