import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { parse, stringify } from 'yaml'
import { startCaptureServers } from '../fixtures/capture/index.js'
import { replicaProcess } from '../fixtures/replica/process.js'
import { parseConfig } from '../src/config/load.js'
import { runCrawl } from '../src/crawl/run.js'
import { runCycle, type CycleCounters, type CycleReport, type DaemonContext, type DaemonLog } from '../src/daemon/cycle.js'
import { buildNotifiers, SQLITE_DAEMON_LEASE } from '../src/daemon/daemon.js'
import { acquireLease, releaseLease } from '../src/daemon/leases.js'
import { createMetrics } from '../src/daemon/metrics.js'
import { demoSources } from '../src/demo/run.js'
import { packagePath } from '../src/paths.js'
import { syncConfigUsers } from '../src/people/roster.js'
import { Store } from '../src/store/store.js'
import { createEngine, createMatcher } from '../src/triage/factory.js'
import { triagePending } from '../src/triage/run.js'
import { line, rate } from './measure.js'

/**
 * The daemon in-process through many compressed cycles, as runDaemon runs them (its context
 * built once, `runCycle(dc, { waitCrawls: true })` per cycle), against the replica's message
 * board and Weibo (in a process of their own, so neither their CPU nor their growing corpus
 * counts here), with notifications to the WeCom and webhook capture servers and a manual clock
 * (the store's and the capture servers') that jumps STEP_MS per cycle: both cron schedules come
 * due every cycle and the five clocks of the tickets opened along the way warn, breach and
 * escalate. Nothing waits in real time.
 *
 * Each cycle the replica publishes new items, the daemon runs one cycle, and right after it a
 * bare loop (runCrawl of the sources the daemon crawled + triagePending, nothing else) runs on a
 * second store that sees exactly the same items. The per-cycle ratio is the daemon's own cost on
 * top of crawling and triage: leases, the case context, the clock watch over every open ticket,
 * 特急 pushes and the outbox with its deliveries.
 *
 * Memory: heapUsed after full collections, after warm-up and at the end. The stores grow (that
 * is the data, on disk); the heap must not. The capture servers' records are dropped every
 * cycle, so they do not count as the daemon's.
 */
const CYCLES = 100
/**
 * 7.5 hours of the bureau's time per cycle: 100 cycles ≈ 31 days, past the longest clock
 * (一月办结, 30 days) of the first tickets. A real daemon ticks every minute; here one cycle
 * stands for 450 ticks, so the outbox, which sends at most 18 messages per channel and run
 * (the bots take 20 a minute), backs up: that backlog is the compression's, not the daemon's.
 */
const STEP_MS = 7.5 * 3600_000
/** New items per cycle on each of the two sources (about 19 posts a day). */
const PER_CYCLE = 3
/**
 * Open threads each liuyan board re-checks per run (the adapter's default is 200). The replica
 * leaves most threads open for weeks; 200 re-checks a board would make the crawl the figure, not
 * the daemon. Both sides crawl with this setting.
 */
const OPEN_LIMIT = 15
/** Heap is sampled after this many cycles (warm-up) and at the end. */
const WARMUP = 20
const START = '2026-11-30T01:00:00.000Z'

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0)
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

/** heapUsed after full collections (the bench runs with --expose-gc), in bytes. */
function settledHeap(): number {
  for (let i = 0; i < 3; i++) globalThis.gc?.()
  return process.memoryUsage().heapUsed
}

export interface DaemonBenchOptions {
  cycles?: number
  stepMs?: number
  perCycle?: number
}

export async function daemonBench(options: DaemonBenchOptions = {}): Promise<string[]> {
  const cycles = options.cycles ?? CYCLES
  const stepMs = options.stepMs ?? STEP_MS
  const perCycle = options.perCycle ?? PER_CYCLE
  let t = Date.parse(START)
  const now = () => new Date(t)
  const replica = await replicaProcess()
  const capture = await startCaptureServers({ now: () => t })
  const dir = mkdtempSync(join(tmpdir(), 'lianxin-bench-daemon-'))
  const stores: Store[] = []
  try {
    const profile = parse(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml'), 'utf8')) as Record<string, unknown>
    profile.sources = demoSources(replica.url)
      .filter((s) => s.kind === 'liuyan' || s.kind === 'weibo')
      .map((s) => (s.kind === 'liuyan' ? { ...s, options: { ...(s.options as object), openLimit: OPEN_LIMIT } } : s))
    profile.crawl = { ...(profile.crawl as object), minIntervalMs: 0, retries: 0 }
    profile.notify = {
      channels: [
        { id: 'wecom-bureau', kind: 'wecom', url: capture.wecom.url },
        { id: 'hook', kind: 'webhook', url: capture.webhook.url, secret: capture.webhook.secret },
      ],
      digestEvery: '1h',
    }
    // Nothing gets approved here: no publishing channel, the publish step only looks.
    profile.publish = { channels: [] }
    const config = parseConfig(stringify(profile), 'bench-daemon.yaml')

    const store = await Store.open({ url: `sqlite:${join(dir, 'daemon.sqlite')}`, now })
    stores.push(store)
    const bare = await Store.open({ url: `sqlite:${join(dir, 'baseline.sqlite')}`, now })
    stores.push(bare)
    for (const s of [store, bare]) await syncConfigUsers(s, config)

    // The daemon's context, built as runDaemon builds it (no metrics endpoint, no heartbeat: the
    // clock is ours). The log and the counters also time the cycle's phases: the last "crawled"
    // line ends the crawls, the triage counter ends triage, the rest is the daemon's own work.
    const holder = 'bench:daemon'
    if (!(await acquireLease(store, SQLITE_DAEMON_LEASE, holder, 60_000))) throw new Error('bench: the daemon lease is taken')
    const marks = { crawled: 0, triaged: 0 }
    const problems: string[] = []
    const log: DaemonLog = {
      info: (_obj, msg) => {
        if (msg === 'crawled') marks.crawled = performance.now()
      },
      warn: (obj, msg) => problems.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
      error: (obj, msg) => problems.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
    }
    const metrics = createMetrics(store).counters
    const counters: CycleCounters = {
      ...metrics,
      triaged(n) {
        marks.triaged = performance.now()
        metrics.triaged(n)
      },
    }
    const engine = await createEngine(config)
    const notifiers = buildNotifiers(config, store, pino({ level: 'silent' }))
    const dc: DaemonContext = { store, config, holder, log, counters, engine, matcher: createMatcher(engine), notifiers, running: new Set() }
    const bareMatcher = createMatcher(engine)

    const reports: CycleReport[] = []
    const phase = { cycle: [] as number[], crawl: [] as number[], triage: [] as number[], rest: [] as number[] }
    const base = { loop: [] as number[], crawl: [] as number[], triage: [] as number[], posts: 0, triaged: 0 }
    const pairs: Array<{ whole: number; crawlTriage: number }> = []
    let received = 0
    let duplicates = 0
    let heapWarm = NaN
    const trail: string[] = []
    for (let i = 1; i <= cycles; i++) {
      if (i > 1) {
        t += stepMs
        await replica.advance(perCycle, 'liuyan')
        await replica.advance(perCycle, 'weibo')
      }
      marks.crawled = 0
      marks.triaged = 0
      const start = performance.now()
      const report = await runCycle(dc, { waitCrawls: true })
      const end = performance.now()
      reports.push(report)
      if (report.errors.length > 0 || problems.length > 0) throw new Error(`bench: cycle ${i}: ${JSON.stringify(report.errors)} ${problems.join('; ')}`)
      const crawlEnd = marks.crawled || start
      const triageEnd = marks.triaged || crawlEnd
      phase.cycle.push(end - start)
      phase.crawl.push(crawlEnd - start)
      phase.triage.push(triageEnd - crawlEnd)
      phase.rest.push(end - triageEnd)

      // The bare loop on the same items: the sources the daemon crawled, then triage.
      const s0 = performance.now()
      if (report.crawled.length > 0) base.posts += (await runCrawl(bare, config, { sourceIds: report.crawled })).totals.new
      const s1 = performance.now()
      base.triaged += (await triagePending(bare, engine, bareMatcher)).triaged
      const s2 = performance.now()
      base.loop.push(s2 - s0)
      base.crawl.push(s1 - s0)
      base.triage.push(s2 - s1)
      // Cycle 1 takes the replica's whole initial corpus: not paired.
      if (i > 1) pairs.push({ whole: (end - start) / (s2 - s0), crawlTriage: (triageEnd - start) / (s2 - s0) })

      // Count what the capture servers took, then drop it.
      received += capture.wecom.received.length + capture.webhook.received.length
      duplicates += capture.webhook.duplicates.length
      capture.reset()

      if (i === WARMUP) heapWarm = settledHeap()
      if (i % 20 === 0) trail.push(`${i}:${mb(settledHeap())}`)
    }
    const heapEnd = settledHeap()
    await releaseLease(store, SQLITE_DAEMON_LEASE, holder)
    for (const notifier of notifiers.values()) await notifier.close()

    const sum = (f: (r: CycleReport) => number) => reports.reduce((n, r) => n + f(r), 0)
    const crawled = sum((r) => r.newPosts)
    const triaged = sum((r) => r.triaged)
    const daemonMs = total(phase.cycle)
    const baseMs = total(base.loop)

    // The alerts recorded, by clock and level, from the log.
    const escalated = await store.db.selectFrom('events').select('payload').where('type', '=', 'ticket.escalated').execute()
    const levels = new Map<string, number>()
    for (const row of escalated) {
      const p = JSON.parse(row.payload) as { clock: string; level: string }
      levels.set(`${p.clock}:${p.level}`, (levels.get(`${p.clock}:${p.level}`) ?? 0) + 1)
    }
    const byClock = Object.fromEntries(
      ['accept', 'assign', 'characterise', 'reply', 'close'].map((c) => [`${c} w/b/e`, ['warning', 'breach', 'escalate'].map((l) => levels.get(`${c}:${l}`) ?? 0).join('/')]),
    )
    const outbox = await store.db.selectFrom('outbox').select('status').select((eb) => eb.fn.countAll<number>().as('n')).groupBy('status').execute()
    const tickets = await store.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()

    const growth = ((heapEnd - heapWarm) / heapWarm) * 100
    const ok = Number.isFinite(growth) && growth < 10
    const whole = pairs.map((p) => p.whole)
    const crawlTriage = pairs.map((p) => p.crawlTriage)
    const q = Math.max(1, Math.floor(pairs.length / 4))
    const ms = (xs: readonly number[]) => `${percentile(xs, 50).toFixed(0)}/${percentile(xs, 95).toFixed(0)}`
    return [
      line('daemon: run', { cycles, 'clock step h': stepMs / 3600_000, 'simulated days': (((cycles - 1) * stepMs) / 86_400_000).toFixed(1), 'new items/cycle': `liuyan ${perCycle} + weibo ${perCycle}`, 'wall s (both sides)': ((daemonMs + baseMs) / 1000).toFixed(1) }),
      line('daemon: cycles (lianxin)', { posts: crawled, triaged, 'crawled/s': rate(crawled, daemonMs), 'triaged/s': rate(triaged, daemonMs), 'cycle ms median': percentile(phase.cycle, 50).toFixed(0), p95: percentile(phase.cycle, 95).toFixed(0), max: Math.max(...phase.cycle).toFixed(0) }),
      line('daemon: cycle phases ms med/p95', { crawl: ms(phase.crawl), triage: ms(phase.triage), 'clocks+urgent+outbox+rest': ms(phase.rest) }),
      line('daemon: baseline (runCrawl+triage)', { posts: base.posts, triaged: base.triaged, 'crawled/s': rate(base.posts, baseMs), 'triaged/s': rate(base.triaged, baseMs), 'loop ms median': percentile(base.loop, 50).toFixed(0), p95: percentile(base.loop, 95).toFixed(0), 'crawl/triage med': `${percentile(base.crawl, 50).toFixed(0)}/${percentile(base.triage, 50).toFixed(0)}` }),
      line('daemon: tickets and alerts', { tickets: Number(tickets?.n ?? 0), alerts: sum((r) => r.alerts), 'urgent queued': sum((r) => r.urgentQueued), ...byClock }),
      line('daemon: notifications', { 'rows sent': sum((r) => r.delivery.sent), messages: sum((r) => r.delivery.messages), 'captured (wecom+webhook)': received, failed: sum((r) => r.delivery.failed), duplicates, outbox: outbox.map((r) => `${r.status} ${Number(r.n)}`).join(', ') }),
      line('daemon: heap MB after gc', { [`after cycle ${WARMUP}`]: mb(heapWarm), end: mb(heapEnd), growth: `${growth.toFixed(1)}%`, 'every 20 cycles': trail.join(' ') }),
      `ratio  whole cycle / bare crawl+triage: median ${percentile(whole, 50).toFixed(2)}x of ${pairs.length} paired cycles (first quarter ${mean(whole.slice(0, q)).toFixed(2)}x, last quarter ${mean(whole.slice(-q)).toFixed(2)}x); the daemon's crawl+triage phases alone: ${percentile(crawlTriage, 50).toFixed(2)}x`,
      `${ok ? 'PASS' : 'FAIL'}  heap growth after warm-up ${growth.toFixed(1)}% (${mb(heapWarm)} → ${mb(heapEnd)} MB; target < 10%)${globalThis.gc ? '' : ' — no --expose-gc: heap not settled'}`,
    ]
  } finally {
    for (const s of stores) await s.close()
    await capture.close()
    await replica.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
