/**
 * One daemon cycle: crawl the sources that are due by their cron schedule, triage what arrived,
 * push 特急 posts, watch the five clocks of every open ticket (分层督办), publish approved
 * replies, take the board's ratings, and deliver the outbox. Each step holds a lease, so several
 * daemons on one PostgreSQL share the work and never do one thing twice; each step commits as
 * it goes, so a daemon killed at any moment resumes where the store says it stopped.
 */
import { Cron } from 'croner'
import type { LianxinConfig, Source } from '../config/schema.js'
import { dueEvents, localDate, localMidnight } from '../tickets/clocks/index.js'
import { findHotspots } from '../triage/hotspots.js'
import type { CrawlOptions, CrawlSummary } from '../crawl/run.js'
import { runCrawl } from '../crawl/run.js'
import type { Notifier } from '../notify/notifier.js'
import type { PublishChannel } from '../publish/types.js'
import { publishAttempts } from '../replies/attempts.js'
import { collectBoardRatings, publishReply } from '../replies/publish.js'
import { listEvents } from '../store/events.js'
import type { Store } from '../store/store.js'
import { listTickets, type ListTicketsOptions } from '../store/tickets.js'
import type { DuplicateMatcher } from '../triage/run.js'
import type { TriageEngine } from '../triage/engine.js'
import { triagePending } from '../triage/run.js'
import { act, caseContext, stateOf, type CaseContext } from '../tickets/service.js'
import { ENDED_STATUSES, OPEN_STATUSES, type TicketState } from '../tickets/workflow/index.js'
import { withLease } from './leases.js'
import { clockNotice, digestAfter, enqueue, hotspotNotices, publishRefusedNotice, urgentPostNotice, withEffectNotices, workflowNotices } from './notices.js'
import { deliverOutbox, type DeliverReport } from './outbox.js'

/** A logger with pino's call shape. */
export interface DaemonLog {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** Counters the cycle moves; the daemon exposes them as Prometheus metrics. */
export interface CycleCounters {
  crawled(source: string, posts: number, ok: boolean, backedOff: boolean): void
  triaged(posts: number): void
  alerted(level: string): void
  published(channel: string): void
  delivered(report: DeliverReport): void
  failed(step: string): void
}

/** Everything a cycle needs. */
export interface DaemonContext {
  readonly store: Store
  readonly config: LianxinConfig
  /** Who this daemon is in leases: `host:pid:random`. */
  readonly holder: string
  readonly log: DaemonLog
  readonly counters: CycleCounters
  readonly engine: TriageEngine
  readonly matcher: DuplicateMatcher
  readonly notifiers: ReadonlyMap<string, Notifier>
  /** Where approved replies go (`publish.default`); none = the daemon does not publish. */
  readonly publisher?: PublishChannel
  /** Options passed to every crawl (fetcher overrides in tests and benchmarks). */
  readonly crawl?: Omit<CrawlOptions, 'sourceIds'>
  /** How long a step's lease lasts unless renewed (it is, every third of this, while the step runs). @default 2 min */
  readonly leaseMs?: number
  /** Crawls running now, by source id: a source is never crawled twice at once. */
  readonly running: Set<string>
}

/** What a cycle did. */
export interface CycleReport {
  at: string
  crawled: string[]
  skipped: string[]
  newPosts: number
  triaged: number
  urgentQueued: number
  alerts: number
  /** Sign requests, replies sent back and dissatisfied ratings queued. */
  workflowQueued: number
  /** Rows of the daily hotspot briefing queued. */
  hotspotsQueued: number
  published: number
  exported: number
  rated: number
  delivery: DeliverReport
  errors: Array<{ step: string; message: string }>
}

/** A step's or crawl's lease: renewed while it runs, so this is how long a killed daemon blocks it. */
export const LEASE_MS = 2 * 60_000


/** The enabled sources whose cron schedule has come round since their last run. */
export async function dueSources(store: Store, config: LianxinConfig, now: Date): Promise<Source[]> {
  const rows = new Map((await store.db.selectFrom('sources').select(['id', 'last_run_at']).execute()).map((r) => [r.id, r.last_run_at]))
  return config.sources.filter((source) => {
    if (!source.enabled) return false
    const last = rows.get(source.id)
    if (last === undefined || last === null) return true
    const next = new Cron(source.schedule, { paused: true, timezone: config.district.timezone }).nextRun(new Date(last))
    return next !== null && next.getTime() <= now.getTime()
  })
}

/**
 * Crawls one source under its lease. Resolves when done; never rejects (errors are logged and
 * counted).
 */
async function crawlOne(dc: DaemonContext, source: Source): Promise<CrawlSummary | undefined> {
  dc.running.add(source.id)
  try {
    const run = await withLease(dc.store, `crawl:${source.id}`, dc.holder, dc.leaseMs ?? LEASE_MS, () => runCrawl(dc.store, dc.config, { ...dc.crawl, sourceIds: [source.id] }))
    if (!run.ran) return undefined
    for (const s of run.value.sources) {
      dc.counters.crawled(s.id, s.new + s.updated, s.status === 'ok', s.status === 'blocked' || s.status === 'backed-off')
      dc.log.info({ source: s.id, status: s.status, new: s.new, updated: s.updated, pages: s.pages }, 'crawled')
    }
    return run.value
  } catch (err) {
    dc.counters.failed('crawl')
    dc.log.error({ source: source.id, err: String(err) }, 'crawl failed')
    return undefined
  } finally {
    dc.running.delete(source.id)
  }
}

/**
 * Starts the crawls that are due and not running. With `wait`, resolves when they are done
 * (`--once`, benchmarks); otherwise they run on while the cycle goes on.
 */
export async function startCrawls(dc: DaemonContext, now: Date, wait: boolean): Promise<{ started: string[]; skipped: string[]; runs: Promise<Array<CrawlSummary | undefined>> }> {
  const due = await dueSources(dc.store, dc.config, now)
  const skipped = due.filter((s) => dc.running.has(s.id)).map((s) => s.id)
  const starting = due.filter((s) => !dc.running.has(s.id))
  for (const id of skipped) dc.log.info({ source: id }, 'skipped: the previous run is still going')
  const runs = Promise.all(starting.map((s) => crawlOne(dc, s)))
  if (wait) await runs
  return { started: starting.map((s) => s.id), skipped, runs }
}

/** Queues a notification for every 特急 post triaged in the last two days (once per post version). */
async function queueUrgentPosts(dc: DaemonContext, ctx: CaseContext, digestAt: Date): Promise<number> {
  const since = new Date(dc.store.now().getTime() - 2 * 86_400_000).toISOString()
  const rows = await dc.store.db
    .selectFrom('triage_results as t')
    .innerJoin('posts as p', 'p.id', 't.post_id')
    .leftJoin('ticket_posts as tp', 'tp.post_id', 't.post_id')
    .select(['t.post_id', 't.version', 't.at', 't.zone_id', 't.lead', 't.detail', 'p.title', 'p.source_id', 'p.url', 'tp.ticket_id'])
    .where('t.urgency', '=', '特急')
    .where('t.at', '>=', since)
    .execute()
  let queued = 0
  for (const row of rows) {
    const detail = JSON.parse(row.detail) as { urgency?: { cues?: Array<{ cue?: string }> } }
    const notice = urgentPostNotice(dc.config, ctx.people, ctx.policy, {
      id: row.post_id,
      version: row.version,
      title: row.title,
      sourceId: row.source_id,
      url: row.url,
      cues: (detail.urgency?.cues ?? []).map((c) => c.cue ?? '').filter((c) => c !== ''),
      ticketId: row.ticket_id ?? null,
      zone: row.zone_id,
      lead: row.lead,
      at: row.at,
    })
    if (notice) queued += await enqueue(dc.store, dc.config, notice, digestAt)
  }
  return queued
}

/** The open cases with their states, as the cycle started: read once, shared by the steps that scan them. */
type OpenCases = () => Promise<TicketState[]>

function openCasesOf(dc: DaemonContext): OpenCases {
  let loaded: Promise<TicketState[]> | undefined
  return () => (loaded ??= statesOf(dc.store, { status: [...OPEN_STATUSES] }))
}

async function statesOf(store: Store, filter: ListTicketsOptions): Promise<TicketState[]> {
  const states: TicketState[] = []
  for (const summary of await listTickets(store, filter)) states.push(await stateOf(store, summary))
  return states
}

/**
 * How long the daemon still reads a closed or merged case for what it asks of people: a low
 * grade recorded just before the case was closed is pushed even when no cycle saw it open.
 */
const ENDED_LOOKBACK_MS = 7 * 24 * 3600_000

/** Records every clock alert that has fallen due, with its notification, each key once. */
async function watchClocks(dc: DaemonContext, ctx: CaseContext, openCases: OpenCases, digestAt: Date): Promise<number> {
  const now = dc.store.now()
  let alerts = 0
  for (const state of await openCases()) {
    for (const due of dueEvents(state, ctx.policy, now)) {
      try {
        const done = await act(dc.store, state.id, { type: 'escalated', actor: 'system:daemon', payload: { clock: due.clock, level: due.level } }, ctx, {
          key: `ticket.escalated:${due.key}`,
          also: async (tx, next, _event, effects) => {
            const notice = clockNotice(dc.config, ctx.people, ctx.policy, next, { key: due.key, clock: due.clock, level: due.level, at: due.at }, effects)
            if (notice) await enqueue(tx, dc.config, notice, digestAt)
          },
        })
        if (done.created) {
          alerts += 1
          dc.counters.alerted(due.level)
        }
      } catch (err) {
        dc.counters.failed('clocks')
        dc.log.warn({ ticket: state.id, alert: due.key, err: String(err) }, 'alert not recorded')
      }
    }
  }
  return alerts
}

/**
 * Queues what cases ask of people now (sign requests, replies sent back, dissatisfied citizens),
 * each key once: the open cases, and those closed or merged in the last week.
 */
async function queueWorkflowNotices(dc: DaemonContext, ctx: CaseContext, openCases: OpenCases, digestAt: Date): Promise<number> {
  const now = dc.store.now()
  const at = now.toISOString()
  const ended = await statesOf(dc.store, { status: [...ENDED_STATUSES], updatedFrom: new Date(now.getTime() - ENDED_LOOKBACK_MS).toISOString() })
  let queued = 0
  for (const state of [...(await openCases()), ...ended]) {
    for (const notice of workflowNotices(dc.config, ctx.people, ctx.policy, state, at)) queued += await enqueue(dc.store, dc.config, notice, digestAt)
  }
  return queued
}

/**
 * The daily hotspot briefing, in the hour after `notify.hotspots.at` (local time): computed and
 * queued once (the outbox keys carry the date); a daemon down for that whole hour skips the day.
 */
async function queueHotspotBriefing(dc: DaemonContext, ctx: CaseContext, digestAt: Date): Promise<number> {
  const settings = dc.config.notify.hotspots
  if (!settings) return 0
  const now = dc.store.now()
  const tz = dc.config.district.timezone
  const date = localDate(now.getTime(), tz)
  const [hh, mm] = settings.at.split(':').map(Number) as [number, number]
  const start = localMidnight(date, tz) + (hh * 60 + mm) * 60_000
  if (now.getTime() < start || now.getTime() >= start + 3600_000) return 0
  const sent = await dc.store.db.selectFrom('outbox').select('key').where('notification', '=', `hotspots:${date}`).executeTakeFirst()
  if (sent) return 0
  const hotspots = await findHotspots(dc.store, { days: settings.days, now, minSize: settings.minSize, limit: settings.top, tokenizer: dc.engine.tokenizer })
  let queued = 0
  for (const notice of hotspotNotices(dc.config, ctx.people, ctx.policy, hotspots, date, now.toISOString())) queued += await enqueue(dc.store, dc.config, notice, digestAt)
  return queued
}

/** Publishes (or exports) every approved reply through the configured channel. */
async function publishApproved(dc: DaemonContext, ctx: CaseContext): Promise<{ published: number; exported: number }> {
  const channel = dc.publisher
  const out = { published: 0, exported: 0 }
  if (!channel) return out
  for (const summary of await listTickets(dc.store, { status: ['approved'] })) {
    const state = await stateOf(dc.store, summary)
    const version = state.draft?.version
    // Refused with nothing sent: people decide (a corrected reply, another channel); they are told once.
    const attempts = await listEvents(dc.store, { stream: `ticket:${summary.id}`, types: ['reply.publish-started', 'reply.publish-refused'] })
    const last = version === undefined ? undefined : publishAttempts(attempts, version).filter((a) => a.channel === channel.id).at(-1)
    if (last?.refused) {
      const notice = publishRefusedNotice(dc.config, ctx.people, ctx.policy, state, { ...last, refused: last.refused }, dc.store.now().toISOString())
      await enqueue(dc.store, dc.config, notice, dc.store.now())
      continue
    }
    if (channel.kind === 'export') {
      const done = await dc.store.db.selectFrom('events').select('seq').where('key', '=', `reply.exported:${summary.id}:v${version ?? 0}:${channel.id}`).executeTakeFirst()
      if (done) continue
    }
    try {
      const outcome = await publishReply(dc.store, ctx, { ticketId: summary.id, actor: 'system:daemon', channel })
      if (outcome.outcome === 'published') out.published += 1
      else out.exported += 1
      dc.counters.published(channel.id)
      dc.log.info({ ticket: summary.id, version: outcome.version, channel: channel.id, outcome: outcome.outcome, resumed: outcome.resumed }, 'reply published')
    } catch (err) {
      dc.counters.failed('publish')
      dc.log.error({ ticket: summary.id, err: String(err) }, 'reply not published')
    }
  }
  return out
}

/**
 * Runs one cycle. Crawls that are due start first; with `waitCrawls` the cycle waits for them
 * (so what they found is triaged in the same cycle), otherwise the next cycle triages it.
 */
export async function runCycle(dc: DaemonContext, options: { waitCrawls: boolean }): Promise<CycleReport> {
  const now = dc.store.now()
  const report: CycleReport = {
    at: now.toISOString(),
    crawled: [],
    skipped: [],
    newPosts: 0,
    triaged: 0,
    urgentQueued: 0,
    alerts: 0,
    workflowQueued: 0,
    hotspotsQueued: 0,
    published: 0,
    exported: 0,
    rated: 0,
    delivery: { sent: 0, failed: 0, retrying: 0, messages: 0, deferred: 0 },
    errors: [],
  }
  const ttl = dc.leaseMs ?? LEASE_MS
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      const result = await withLease(dc.store, name, dc.holder, ttl, fn)
      return result.ran ? result.value : undefined
    } catch (err) {
      dc.counters.failed(name)
      report.errors.push({ step: name, message: err instanceof Error ? err.message : String(err) })
      dc.log.error({ step: name, err: String(err) }, 'step failed')
      return undefined
    }
  }

  const crawls = await startCrawls(dc, now, options.waitCrawls)
  report.crawled = crawls.started
  report.skipped = crawls.skipped
  if (options.waitCrawls) report.newPosts = (await crawls.runs).reduce((n, s) => n + (s?.totals.new ?? 0), 0)

  const ctx = withEffectNotices(await caseContext(dc.store, dc.config), dc.config)
  const digestAt = digestAfter(dc.config, now)

  const triaged = await step('triage', async () => triagePending(dc.store, dc.engine, dc.matcher))
  if (triaged) {
    report.triaged = triaged.triaged
    dc.counters.triaged(triaged.triaged)
  }
  report.urgentQueued = (await step('urgent', async () => queueUrgentPosts(dc, ctx, digestAt))) ?? 0
  const openCases = openCasesOf(dc)
  report.alerts = (await step('clocks', async () => watchClocks(dc, ctx, openCases, digestAt))) ?? 0
  report.workflowQueued = (await step('workflow', async () => queueWorkflowNotices(dc, ctx, openCases, digestAt))) ?? 0
  report.hotspotsQueued = (await step('hotspots', async () => queueHotspotBriefing(dc, ctx, digestAt))) ?? 0
  const published = await step('publish', async () => publishApproved(dc, ctx))
  report.published = published?.published ?? 0
  report.exported = published?.exported ?? 0
  report.rated = (await step('ratings', async () => (await collectBoardRatings(dc.store, ctx)).length)) ?? 0
  const delivery = await step('notify', async () => deliverOutbox(dc.store, { holder: dc.holder, postgres: dc.store.backend === 'postgres', notifiers: dc.notifiers }))
  if (delivery) {
    report.delivery = delivery
    dc.counters.delivered(delivery)
  }
  return report
}
