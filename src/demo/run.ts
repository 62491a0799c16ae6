import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pino } from 'pino'
import { parseDocument } from 'yaml'
import { startReplica } from '../../fixtures/replica/server.js'
import { initConfig } from '../config/init.js'
import { loadConfig } from '../config/load.js'
import type { SourceKind } from '../config/schema.js'
import { adapterFor } from '../crawl/registry.js'
import { runDaemon } from '../daemon/daemon.js'
import { runCrawl, type CrawlProgress, type CrawlSummary } from '../crawl/run.js'
import { verifyChain } from '../audit/verify.js'
import { Store } from '../store/store.js'
import { listTickets, type TicketSummary } from '../store/tickets.js'
import { sortBoard } from '../tickets/board.js'
import { OPEN_STATUSES } from '../tickets/workflow/index.js'
import { createEngine, createMatcher } from '../triage/factory.js'
import { triagePending, type TriageRunSummary } from '../triage/run.js'
import type { LianxinConfig } from '../config/schema.js'

export interface DemoOptions {
  /** Work directory (default: a new temp dir). It gets lianxin.yaml and lianxin.sqlite. */
  dir?: string
  onProgress?: (message: string) => void
  onCrawlProgress?: (progress: CrawlProgress) => void
}

export interface DemoResult {
  dir: string
  config: string
  database: string
  replica: string
  crawl: CrawlSummary
  triage: Omit<TriageRunSummary, 'posts'>
  /** One daemon cycle (`lianxin daemon --once`) run on the demo's store after the triage. */
  daemon: DemoDaemon
  board: TicketSummary[]
  audit: { ok: boolean; events: number; head: { seq: number; hash: string } }
}

/** What the demo's one daemon cycle did. */
export interface DemoDaemon {
  cycles: number
  /** Sources whose cron schedule had come round again (usually none: they were just crawled). */
  crawled: string[]
  newPosts: number
  triaged: number
  alerts: number
  /** Enabled notification channels (the demo config has none). */
  channels: string[]
  notifications: { queued: number; sent: number; failed: number }
  /** Replies published or exported (none is approved in the demo). */
  published: number
  errors: Array<{ step: string; message: string }>
}

/** The demo's sources: every kind lianxin can crawl, pointed at the replica. */
export function demoSources(replicaUrl: string): Array<Record<string, unknown>> {
  const all: Array<Record<string, unknown> & { kind: SourceKind }> = [
    { id: 'renmin-liuyan', kind: 'liuyan', name: '人民网领导留言板（复制站）', schedule: '*/30 * * * *', baseUrl: `${replicaUrl}/liuyan`, options: { boards: ['平房区委书记', '平房区长'] } },
    { id: 'weibo-pingfang', kind: 'weibo', name: '微博：平房区相关（复制站）', schedule: '15 * * * *', baseUrl: `${replicaUrl}/weibo`, options: { users: ['6000000001', '6000000002'], keywords: ['平房区'] } },
    { id: 'wechat-pingfang-daxiaoshi', kind: 'wechat', name: '平房大小事（复制站）', schedule: '*/30 * * * *', url: `${replicaUrl}/wechat/feeds/pingfangdaxiaoshi.atom`, options: { account: '平房大小事' } },
    { id: 'local-news', kind: 'rss', name: '平房区融媒体中心（复制站）', schedule: '0 */2 * * *', url: `${replicaUrl}/news/rss.xml` },
    {
      id: 'pingfang-gov',
      kind: 'html',
      name: '平房区政府信息公开（复制站）',
      schedule: '0 8-20/2 * * *',
      url: `${replicaUrl}/gov/xxgk/list_1.html`,
      options: {
        list: { item: 'ul.list > li', link: 'a', date: 'span.date' },
        next: 'a:contains("下一页")',
        detail: { title: 'h1', body: '#zoom', date: '.info span:contains("发布时间")', author: '.info span:contains("来源")' },
      },
    },
  ]
  return all.filter((source) => adapterFor(source.kind) !== undefined)
}

/**
 * The main job end to end on the embedded default store: writes a Pingfang config into a work
 * directory, starts the replica sources on 127.0.0.1, crawls them, triages what was found,
 * opens tickets, runs the daemon for one cycle on the same store, and returns the board of open
 * tickets and the audit of the log.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const say = options.onProgress ?? (() => undefined)
  const dir = options.dir ? resolve(options.dir) : await mkdtemp(join(tmpdir(), 'lianxin-demo-'))
  const replica = await startReplica({ port: 0, crawlDelay: 0.05 })
  try {
    say(`replica sources on ${replica.url}`)
    const configFile = join(dir, 'lianxin.yaml')
    await initConfig({ profile: 'pingfang', target: configFile, force: true })
    await pointAtReplica(configFile, replica.url)
    const loaded = await loadConfig({ flagPath: configFile, env: {}, cwd: dir })
    if (!loaded) throw new Error('the demo config was not written')
    say(`config ${configFile}`)

    const store = await Store.open({ url: loaded.databaseUrl })
    try {
      say(`store ${store.describe()}`)
      const crawl = await runCrawl(store, loaded.config, options.onCrawlProgress ? { onProgress: options.onCrawlProgress } : {})
      say(`crawled ${crawl.totals.pages} pages: ${crawl.totals.new} new posts, ${crawl.totals.updated} updated`)
      const engine = await createEngine(loaded.config)
      const triage = await triagePending(store, engine, createMatcher(engine))
      say(`triaged ${triage.triaged} posts: ${triage.ticketsOpened} tickets opened, ${triage.duplicates} linked to an existing case as near-duplicates, ${triage.watched} news and notices watched`)
      const daemon = await runDaemonOnce(store, loaded.config, loaded.baseDir)
      say(daemonLine(daemon))
      const board = sortBoard(await listTickets(store, { status: openStatuses(loaded.config) }))
      const report = await verifyChain(store)
      return {
        dir,
        config: configFile,
        database: store.describe(),
        replica: replica.url,
        crawl,
        triage: { triaged: triage.triaged, ticketsOpened: triage.ticketsOpened, attached: triage.attached, duplicates: triage.duplicates, watched: triage.watched },
        daemon,
        board,
        audit: { ok: report.ok, events: report.events, head: report.head },
      }
    } finally {
      await store.close()
    }
  } finally {
    await replica.close()
  }
}

/**
 * One daemon cycle on the demo's store, as `lianxin daemon --once` runs it, while the replica is
 * still up: crawls whatever is due by cron again, triages it, watches the clocks, delivers the
 * outbox. Its log is not shown (the demo prints one line about it).
 */
async function runDaemonOnce(store: Store, config: LianxinConfig, baseDir: string): Promise<DemoDaemon> {
  const summary = await runDaemon({ store, config, baseDir, once: true, logger: pino({ level: 'silent' }) })
  const last = summary.last
  const queued = await store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
  return {
    cycles: summary.cycles,
    crawled: last?.crawled ?? [],
    newPosts: last?.newPosts ?? 0,
    triaged: last?.triaged ?? 0,
    alerts: last?.alerts ?? 0,
    channels: config.notify.channels.filter((c) => c.enabled).map((c) => c.id),
    notifications: { queued: Number(queued?.n ?? 0), sent: last?.delivery.sent ?? 0, failed: last?.delivery.failed ?? 0 },
    published: (last?.published ?? 0) + (last?.exported ?? 0),
    errors: last?.errors ?? [],
  }
}

function daemonLine(d: DemoDaemon): string {
  const crawled = d.crawled.length > 0 ? `crawled ${d.crawled.join(', ')} again (${d.newPosts} new)` : 'no source due again yet'
  const notify =
    d.channels.length === 0
      ? `${d.notifications.queued} notifications queued (no notification channels configured)`
      : `${d.notifications.queued} notifications queued, ${d.notifications.sent} sent on ${d.channels.join(', ')}`
  const errors = d.errors.length > 0 ? `, ${d.errors.length} errors (${d.errors.map((e) => e.step).join(', ')})` : ''
  return `daemon: ${d.cycles} cycle (lianxin daemon --once): ${crawled}, ${d.triaged} triaged, ${d.alerts} clock alerts, ${notify}, ${d.published} replies published${errors}`
}

/** Statuses shown on the board: everything not closed. */
function openStatuses(_config: LianxinConfig): string[] {
  return [...OPEN_STATUSES]
}

/** Rewrites the sources of the written profile to the replica, keeping its comments. */
async function pointAtReplica(file: string, replicaUrl: string): Promise<void> {
  const doc = parseDocument(await readFile(file, 'utf8'))
  doc.setIn(['sources'], doc.createNode(demoSources(replicaUrl)))
  // The replica is ours: keep the per-host gap, but short, so the demo takes seconds.
  doc.setIn(['crawl', 'minIntervalMs'], 50)
  await writeFile(file, doc.toString())
}
