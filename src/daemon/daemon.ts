/**
 * `lianxin daemon`: cycles until told to stop. On SQLite one daemon holds the store (a lease
 * renewed while it runs); on PostgreSQL any number share the work through per-step leases and
 * `FOR UPDATE SKIP LOCKED`. SIGTERM and SIGINT finish the step in flight, let running crawls
 * reach their next checkpoint, release the leases and exit cleanly.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { pino, type Logger } from 'pino'
import type { LianxinConfig } from '../config/schema.js'
import { durationMs } from '../tickets/clocks/clock.js'
import { ConfigError, RefusedError } from '../errors.js'
import { createNotifier, type Notifier } from '../notify/notifier.js'
import { createPublishChannel, selectPublishChannel } from '../publish/index.js'
import type { PublishChannel } from '../publish/types.js'
import type { Store } from '../store/store.js'
import { createEngine, createMatcher } from '../triage/factory.js'
import { syncConfigUsers } from '../people/roster.js'
import { runCycle, type CycleReport, type DaemonContext } from './cycle.js'
import { acquireLease, readLease, releaseLease } from './leases.js'
import { createMetrics, serveMetrics, type DaemonMetrics } from './metrics.js'

/** The lease that keeps a second daemon off a SQLite store. */
export const SQLITE_DAEMON_LEASE = 'daemon'
const HOLD_MS = 60_000

/** Options of {@link runDaemon}. */
export interface DaemonOptions {
  readonly store: Store
  readonly config: LianxinConfig
  /** lianxin.yaml's directory (export dirs and the log file are relative to it). */
  readonly baseDir: string
  /** One full cycle (crawls awaited), then exit. */
  readonly once?: boolean
  /** Stops the loop (the command wires SIGTERM/SIGINT to it). */
  readonly signal?: AbortSignal
  /** Log here instead of the config's `daemon.logFile` / stderr. */
  readonly logger?: Logger
  /** Called after every cycle (progress on the terminal). */
  readonly onCycle?: (report: CycleReport) => void
  /** Overrides for the cycle's context (tests and benchmarks: crawl options, notifiers). */
  readonly overrides?: Partial<Pick<DaemonContext, 'crawl' | 'notifiers' | 'publisher' | 'leaseMs'>>
  /** Wait between cycles (tests pass a fast one). @default sleeps `daemon.tick`, cut short by the signal */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly env?: NodeJS.ProcessEnv
}

/** What the daemon did before it stopped. */
export interface DaemonSummary {
  holder: string
  cycles: number
  metricsUrl: string | null
  last: CycleReport | null
  stoppedBy: 'once' | 'signal'
}

/**
 * A logger writing JSON lines to the config's log file (relative to lianxin.yaml; its directory is
 * made), or stderr, at `LIANXIN_LOG_LEVEL` (default info). Synchronous, so a kill loses no line.
 *
 * @throws ConfigError for a level pino does not know.
 */
export function daemonLogger(config: LianxinConfig, baseDir: string, env: NodeJS.ProcessEnv = process.env): Logger {
  const level = env.LIANXIN_LOG_LEVEL ?? 'info'
  const levels = [...Object.keys(pino.levels.values), 'silent']
  if (!levels.includes(level)) throw new ConfigError(`LIANXIN_LOG_LEVEL=${level} is not a log level; use one of ${levels.join(', ')}`)
  const dest = config.daemon.logFile ? resolve(baseDir, config.daemon.logFile) : 2
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest, sync: true, mkdir: true }))
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done()
    const onAbort = () => {
      clearTimeout(timer)
      done()
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      done()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Runs the daemon until `once` is done or `signal` aborts.
 *
 * @throws RefusedError (`DAEMON_RUNNING`) when another daemon holds a SQLite store.
 */
export async function runDaemon(options: DaemonOptions): Promise<DaemonSummary> {
  const { store, config } = options
  const holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const log = options.logger ?? daemonLogger(config, options.baseDir, options.env)
  const sqlite = store.backend === 'sqlite'
  const voided = await voidDeadHolders(store)
  if (sqlite && !(await acquireLease(store, SQLITE_DAEMON_LEASE, holder, HOLD_MS))) {
    const other = await readLease(store, SQLITE_DAEMON_LEASE)
    throw new RefusedError(
      `another lianxin daemon (${other?.holder ?? 'unknown'}) is running on this SQLite store, since ${other?.acquiredAt ?? '?'}; one daemon per SQLite store`,
      {
        code: 'DAEMON_RUNNING',
        suggestions: [
          'Stop the other daemon first (its lease lapses a minute after it stops), or use "lianxin daemon --once" from cron instead.',
          'To run several daemons, use PostgreSQL: they share the work safely.',
        ],
      },
    )
  }
  if (voided.length > 0) log.info({ holders: voided }, 'took over from daemons on this host that are gone')
  try {
    return await runHolding(options, holder, log)
  } catch (err) {
    if (sqlite) await releaseLease(store, SQLITE_DAEMON_LEASE, holder).catch(() => undefined)
    throw err
  }
}

/** The daemon once it holds the store (SQLite) or is free to share it (PostgreSQL). */
async function runHolding(options: DaemonOptions, holder: string, log: Logger): Promise<DaemonSummary> {
  const { store, config } = options
  const sqlite = store.backend === 'sqlite'
  if (sqlite) {
    // One daemon per SQLite store, and it is this one: what an earlier daemon (killed) still
    // held — step and crawl leases, outbox claims — is void now, not in ten or five minutes.
    const at = store.now().toISOString()
    await store.db.updateTable('leases').set({ expires_at: at }).where('name', '!=', SQLITE_DAEMON_LEASE).where('expires_at', '>', at).execute()
    await store.db.updateTable('outbox').set({ claimed_until: at }).where('status', '=', 'sending').execute()
  }
  await syncConfigUsers(store, config)
  const tick = durationMs(config.daemon.tick)
  // Stuck: no cycle for ten ticks, and at least ten minutes (a cycle that publishes through a browser takes a while).
  const metrics: DaemonMetrics = createMetrics(store, { staleAfterMs: Math.max(10 * tick, 10 * 60_000) })
  const notifiers = options.overrides?.notifiers ?? buildNotifiers(config, store, log, options.env)
  let publisher: PublishChannel | undefined = options.overrides?.publisher
  if (publisher === undefined && config.publish.channels.some((c) => c.enabled)) {
    publisher = createPublishChannel(selectPublishChannel(config.publish), { configDir: options.baseDir, now: store.now, ...(options.env ? { env: options.env } : {}) })
  }
  const engine = await createEngine(config)
  const dc: DaemonContext = {
    store,
    config,
    holder,
    log,
    counters: metrics.counters,
    engine,
    matcher: createMatcher(engine),
    notifiers,
    ...(publisher ? { publisher } : {}),
    ...(options.overrides?.crawl ? { crawl: options.overrides.crawl } : {}),
    ...(options.overrides?.leaseMs !== undefined ? { leaseMs: options.overrides.leaseMs } : {}),
    running: new Set(),
  }
  const server = config.daemon.metricsPort !== undefined ? await serveMetrics(metrics, config.daemon.host, config.daemon.metricsPort, () => ({ holder })) : undefined
  const heartbeat = sqlite ? setInterval(() => void acquireLease(store, SQLITE_DAEMON_LEASE, holder, HOLD_MS).catch(() => undefined), HOLD_MS / 4) : undefined
  heartbeat?.unref()
  log.info({ holder, backend: store.backend, sources: config.sources.filter((s) => s.enabled).map((s) => s.id), channels: [...notifiers.keys()], publisher: publisher?.id ?? null, metrics: server?.url ?? null }, 'daemon started')

  const summary: DaemonSummary = { holder, cycles: 0, metricsUrl: server?.url ?? null, last: null, stoppedBy: options.once ? 'once' : 'signal' }
  const sleep = options.sleep ?? wait
  try {
    while (!options.signal?.aborted) {
      const report = await runCycle(dc, { waitCrawls: options.once === true })
      summary.cycles += 1
      summary.last = report
      metrics.cycleDone(store.now(), report.errors.length === 0)
      log.info({ ...report, delivery: report.delivery }, 'cycle done')
      options.onCycle?.(report)
      if (options.once) break
      await sleep(tick, options.signal)
    }
  } finally {
    // Let running crawls reach their last checkpoint: each page is committed as it is read.
    while (dc.running.size > 0) await wait(100)
    for (const notifier of notifiers.values()) await notifier.close()
    await publisher?.close?.()
    await server?.close()
    if (heartbeat) clearInterval(heartbeat)
    if (sqlite) await releaseLease(store, SQLITE_DAEMON_LEASE, holder).catch(() => undefined)
    log.info({ holder, cycles: summary.cycles }, 'daemon stopped')
  }
  return summary
}

/**
 * Whether a lease holder (`host:pid:random`) is a process on this host that is gone (killed
 * with SIGKILL, or out of memory). A holder on another host, or whose pid runs, is not.
 */
export function holderIsDead(holder: string): boolean {
  const [host, pid] = holder.split(':')
  if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false
  try {
    process.kill(Number(pid), 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/**
 * Voids the live leases and outbox claims of daemons on this host that are gone, so a restarted
 * daemon need not wait for them to lapse. Daemons on other hosts are left to their TTLs.
 *
 * @returns the holders voided.
 */
export async function voidDeadHolders(store: Store): Promise<string[]> {
  const at = store.now().toISOString()
  const live = await store.db.selectFrom('leases').select(['name', 'holder']).where('expires_at', '>', at).execute()
  const dead = [...new Set(live.map((l) => l.holder))].filter(holderIsDead)
  for (const holder of dead) {
    await store.db.updateTable('leases').set({ expires_at: at }).where('holder', '=', holder).where('expires_at', '>', at).execute()
    await store.db.updateTable('outbox').set({ claimed_until: at }).where('status', '=', 'sending').where('claimed_by', '=', holder).execute()
  }
  return dead
}

/** One notifier per enabled channel, each with its own rate limit. */
export function buildNotifiers(config: LianxinConfig, store: Store, log: Logger, env?: NodeJS.ProcessEnv): Map<string, Notifier> {
  const people = config.users.map((u) => ({ name: u.name, displayName: u.displayName, ...(u.phone !== undefined ? { phone: u.phone } : {}) }))
  const map = new Map<string, Notifier>()
  for (const channel of config.notify.channels) {
    if (!channel.enabled) continue
    map.set(
      channel.id,
      createNotifier([channel], {
        now: store.now,
        people,
        timeZone: config.district.timezone,
        ...(env ? { env } : {}),
        logger: log,
        // Never hold the cycle: what the channel cannot take now waits in the outbox for a later
        // run, and a platform's "too fast" (a minute's wait) is retried by the outbox too.
        maxWaitMs: 0,
        maxRetryAfterMs: 15_000,
        // One quick retry for a blip; a channel that is down is the outbox's to retry (1, 2, 4, 8
        // minutes), not held in the cycle (four tries with back-off cost seconds per message).
        maxAttempts: 2,
        backoffBaseMs: 500,
      }),
    )
  }
  return map
}
