/**
 * The daemon's Prometheus metrics and its loopback HTTP endpoint (`/metrics`, `/healthz`).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Store } from '../store/store.js'
import type { DeliverReport } from './outbox.js'
import type { CycleCounters } from './cycle.js'

/** The metrics of one daemon, and the counters its cycles move. */
export interface DaemonMetrics {
  readonly registry: Registry
  readonly counters: CycleCounters
  /** Marks a finished cycle (for /healthz and lianxin_cycles_total). */
  cycleDone(at: Date, ok: boolean): void
  /**
   * Unhealthy when the last cycle had errors, or when no cycle finished for `staleAfterMs` (the
   * loop is stuck) — counted from the start until the first one.
   */
  health(): { ok: boolean; lastCycleAt: string | null; lastCycleOk: boolean | null; stale: boolean }
}

/**
 * Creates the registry. Ticket counts by state and source back-offs are read from the store at
 * scrape time.
 */
export function createMetrics(store: Store, options: { staleAfterMs?: number } = {}): DaemonMetrics {
  const staleAfterMs = options.staleAfterMs ?? 10 * 60_000
  const startedAt = store.now().getTime()
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'lianxin_' })
  const crawled = new Counter({ name: 'lianxin_posts_crawled_total', help: 'New or changed posts stored, by source.', labelNames: ['source'], registers: [registry] })
  const crawlRuns = new Counter({ name: 'lianxin_crawl_runs_total', help: 'Crawl runs, by source and outcome.', labelNames: ['source', 'outcome'], registers: [registry] })
  const triaged = new Counter({ name: 'lianxin_posts_triaged_total', help: 'Posts triaged.', registers: [registry] })
  const alerts = new Counter({ name: 'lianxin_clock_alerts_total', help: 'Clock alerts recorded, by level (warning, breach, escalate, leader).', labelNames: ['level'], registers: [registry] })
  const published = new Counter({ name: 'lianxin_replies_published_total', help: 'Replies published or exported, by channel.', labelNames: ['channel'], registers: [registry] })
  const notifications = new Counter({ name: 'lianxin_notifications_total', help: 'Outbox rows handled, by outcome (sent, failed, retrying, deferred: the channel was at its rate limit).', labelNames: ['outcome'], registers: [registry] })
  const failures = new Counter({ name: 'lianxin_step_failures_total', help: 'Daemon steps that failed, by step.', labelNames: ['step'], registers: [registry] })
  const cycles = new Counter({ name: 'lianxin_cycles_total', help: 'Daemon cycles, by outcome.', labelNames: ['outcome'], registers: [registry] })
  new Gauge({
    name: 'lianxin_tickets',
    help: 'Tickets by state.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await store.db.selectFrom('tickets').select(['status']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('status').execute()
      this.reset()
      for (const row of rows) this.set({ status: row.status }, Number(row.n))
    },
  })
  new Gauge({
    name: 'lianxin_clock_breaches',
    help: 'Clock breaches recorded so far.',
    registers: [registry],
    async collect() {
      const row = await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'ticket.escalated').where('payload', 'like', '%"level":"breach"%').executeTakeFirst()
      this.set(Number(row?.n ?? 0))
    },
  })
  new Gauge({
    name: 'lianxin_sources_backed_off',
    help: 'Sources backed off now (blocked or failing).',
    registers: [registry],
    async collect() {
      const now = store.now().toISOString()
      const row = await store.db.selectFrom('sources').select((eb) => eb.fn.countAll<number>().as('n')).where('backoff_until', '>', now).executeTakeFirst()
      this.set(Number(row?.n ?? 0))
    },
  })
  let last: { at: string; ok: boolean } | null = null
  return {
    registry,
    counters: {
      crawled(source, posts, ok, backedOff) {
        crawled.inc({ source }, posts)
        crawlRuns.inc({ source, outcome: ok ? 'ok' : backedOff ? 'backed-off' : 'failed' })
      },
      triaged: (n) => triaged.inc(n),
      alerted: (level) => alerts.inc({ level }),
      published: (channel) => published.inc({ channel }),
      delivered(report: DeliverReport) {
        notifications.inc({ outcome: 'sent' }, report.sent)
        notifications.inc({ outcome: 'failed' }, report.failed)
        notifications.inc({ outcome: 'retrying' }, report.retrying)
        notifications.inc({ outcome: 'deferred' }, report.deferred)
      },
      failed: (step) => failures.inc({ step }),
    },
    cycleDone(at, ok) {
      last = { at: at.toISOString(), ok }
      cycles.inc({ outcome: ok ? 'ok' : 'errors' })
    },
    health: () => {
      const stale = store.now().getTime() - (last === null ? startedAt : Date.parse(last.at)) > staleAfterMs
      return { ok: !stale && (last === null || last.ok), lastCycleAt: last?.at ?? null, lastCycleOk: last?.ok ?? null, stale }
    },
  }
}

/** Serves `/metrics` and `/healthz` on host:port (loopback by default). */
export async function serveMetrics(metrics: DaemonMetrics, host: string, port: number, extra: () => Record<string, unknown> = () => ({})): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': metrics.registry.contentType })
        res.end(await metrics.registry.metrics())
      } else if (req.url === '/healthz') {
        const health = { ...metrics.health(), ...extra() }
        res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' })
        res.end(JSON.stringify(health))
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' })
        res.end('lianxin daemon: /metrics or /healthz\n')
      }
    })().catch((err: unknown) => {
      res.writeHead(500)
      res.end(String(err))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
