import type { LianxinConfig, Source } from '../config/schema.js'
import { NotFoundError, SourceError, describeError } from '../errors.js'
import { upsertPosts, findPost, contentHash, saveRawPages, type PostChange } from '../store/posts.js'
import type { Session } from '../store/session.js'
import { ensureSource, getCheckpoint, getSource, recordSourceRun, saveCheckpoint } from '../store/sources.js'
import type { Store } from '../store/store.js'
import type { AdapterContext, CrawlPage, ParsedPost } from './adapter.js'
import { BlockedError } from './errors.js'
import { Fetcher, type FetcherOptions } from './fetcher.js'
import { HostPool } from './host-pool.js'
import { adapterFor } from './registry.js'

export type SourceRunStatus = 'ok' | 'failed' | 'blocked' | 'backed-off' | 'disabled' | 'unsupported'

export interface SourceRunSummary {
  id: string
  kind: string
  status: SourceRunStatus
  pages: number
  new: number
  updated: number
  unchanged: number
  requests: number
  retries: number
  errors: string[]
  /** Whether robots.txt was honoured for this source (the override shows here). */
  robots: 'respected' | 'ignored'
  blockedBy?: string
  backoffUntil?: string | null
  durationMs: number
}

export interface CrawlSummary {
  dryRun: boolean
  sources: SourceRunSummary[]
  totals: { pages: number; new: number; updated: number; errors: number }
}

export type CrawlProgress = Pick<SourceRunSummary, 'id' | 'pages' | 'new' | 'updated' | 'errors' | 'status'> & { note?: string }

export interface CrawlOptions {
  /** Only these sources (default: every enabled one). */
  sourceIds?: string[]
  maxPages?: number
  /** Fetch and parse, report what would change, store nothing. */
  dryRun?: boolean
  /** Crawl a source even while it is backed off. */
  ignoreBackoff?: boolean
  onProgress?: (progress: CrawlProgress) => void
  /** Politeness shared across sources; defaults from `crawl` in the config. */
  pool?: HostPool
  /** Overrides for every source's fetcher (tests: short back-off). */
  fetcher?: Partial<FetcherOptions>
}

const BLOCK_BACKOFF_MS = 30 * 60_000
const MAX_BACKOFF_MS = 24 * 3600_000

/**
 * Crawls the configured sources, each on its own (one failing or blocked source never stops the
 * others), politely (one HostPool for the whole run). Each page's posts and its scope's cursor
 * are committed in one transaction, so a crash at any moment resumes from the last page stored,
 * without loss and, because upserts are idempotent, without duplicates.
 */
export async function runCrawl(store: Store, config: LianxinConfig, options: CrawlOptions = {}): Promise<CrawlSummary> {
  const pool = options.pool ?? new HostPool({ concurrency: config.crawl.concurrency, minIntervalMs: config.crawl.minIntervalMs })
  const wanted = options.sourceIds
  const sources = config.sources.filter((s) => (wanted ? wanted.includes(s.id) : true))
  const summaries = await Promise.all(sources.map((source) => crawlSource(store, config, source, pool, options)))
  return {
    dryRun: options.dryRun ?? false,
    sources: summaries,
    totals: {
      pages: sum(summaries, (s) => s.pages),
      new: sum(summaries, (s) => s.new),
      updated: sum(summaries, (s) => s.updated),
      errors: sum(summaries, (s) => s.errors.length),
    },
  }
}

async function crawlSource(store: Store, config: LianxinConfig, source: Source, pool: HostPool, options: CrawlOptions): Promise<SourceRunSummary> {
  const started = Date.now()
  const respectRobots = source.respectRobots ?? config.crawl.respectRobots
  const summary: SourceRunSummary = {
    id: source.id,
    kind: source.kind,
    status: 'ok',
    pages: 0,
    new: 0,
    updated: 0,
    unchanged: 0,
    requests: 0,
    retries: 0,
    errors: [],
    robots: respectRobots ? 'respected' : 'ignored',
    durationMs: 0,
  }
  const progress = (note?: string) =>
    options.onProgress?.({ id: source.id, pages: summary.pages, new: summary.new, updated: summary.updated, errors: summary.errors, status: summary.status, ...(note ? { note } : {}) })
  const finish = () => ({ ...summary, durationMs: Date.now() - started })

  const adapter = adapterFor(source.kind)
  if (!source.enabled && !options.sourceIds?.includes(source.id)) {
    summary.status = 'disabled'
    return finish()
  }
  if (!adapter) {
    summary.status = 'unsupported'
    summary.errors.push(`no adapter for kind "${source.kind}" yet`)
    return finish()
  }
  const parsedOptions = adapter.options.safeParse(source.options)
  if (!parsedOptions.success) {
    summary.status = 'failed'
    summary.errors.push(`options of source ${source.id} are invalid: ${parsedOptions.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    return finish()
  }

  if (!options.dryRun) await ensureSource(store, { id: source.id, kind: source.kind, name: source.name })
  const state = await getSource(store, source.id)
  if (state?.backoff_until && state.backoff_until > store.timestamp() && !options.ignoreBackoff) {
    summary.status = 'backed-off'
    summary.backoffUntil = state.backoff_until
    progress(`backed off until ${state.backoff_until}`)
    return finish()
  }

  const fetcher = new Fetcher({
    sourceId: source.id,
    pool,
    userAgent: config.crawl.userAgent,
    proxy: config.crawl.proxy,
    timeoutMs: config.crawl.timeoutMs,
    retries: config.crawl.retries,
    maxBodyBytes: config.crawl.maxBodyBytes,
    respectRobots,
    ...options.fetcher,
  })
  const ctx: AdapterContext<never> = {
    source,
    options: parsedOptions.data,
    baseUrl: source.baseUrl ?? adapter.defaultBaseUrl ?? source.url ?? '',
    fetcher,
    checkpoint: (scope) => getCheckpoint(store, source.id, scope),
    maxPages: options.maxPages,
    log: (message) => progress(message),
    now: store.now,
  }

  progress('started')
  try {
    for await (const page of adapter.crawl(ctx)) {
      summary.pages++
      const changes = options.dryRun ? await previewPage(store, source.id, page) : await commitPage(store, source.id, page)
      for (const change of changes) {
        if (change === 'new') summary.new++
        else if (change === 'updated') summary.updated++
        else summary.unchanged++
      }
      progress()
    }
  } catch (err) {
    summary.errors.push(describeError(err))
    summary.status = err instanceof BlockedError ? 'blocked' : 'failed'
    if (err instanceof BlockedError) summary.blockedBy = err.signal
  } finally {
    summary.requests = fetcher.stats.requests
    summary.retries = fetcher.stats.retries
  }

  if (!options.dryRun) {
    const streak = (state?.error_streak ?? 0) + 1
    const backoffUntil =
      summary.status === 'blocked'
        ? new Date(store.now().getTime() + Math.min(MAX_BACKOFF_MS, BLOCK_BACKOFF_MS * 2 ** (streak - 1))).toISOString()
        : null
    await recordSourceRun(store, source.id, summary.status === 'ok' ? { ok: true } : { ok: false, error: summary.errors.at(-1) ?? summary.status, backoffUntil })
    if (backoffUntil) summary.backoffUntil = backoffUntil
  }
  progress('done')
  return finish()
}

/** Stores a page: raw responses, posts and the scope's cursor, all in one transaction. */
async function commitPage(store: Store, sourceId: string, page: CrawlPage): Promise<PostChange[]> {
  return store.transaction(async (db) => {
    const tx: Session = { db, now: store.now }
    // Every post of the page points at the page's first response (the list page); the others
    // (detail pages) follow it in raw_pages, stored in the same statement.
    const rawIds = await saveRawPages(tx, (page.raw ?? []).map((res) => ({ sourceId, url: res.url, status: res.status, contentType: res.contentType, body: res.body })))
    const rawId = rawIds[0] ?? null
    const results = await upsertPosts(tx, page.posts.map((post) => ({ ...post, sourceId })), rawId)
    await saveCheckpoint(tx, sourceId, page.scope, page.cursor)
    return results.map((r) => r.change)
  })
}

async function previewPage(store: Store, sourceId: string, page: CrawlPage): Promise<PostChange[]> {
  const changes: PostChange[] = []
  for (const post of page.posts) {
    const existing = await findPost(store, sourceId, post.externalId)
    changes.push(!existing ? 'new' : existing.contentHash === contentHash({ ...post, sourceId }) ? 'unchanged' : 'updated')
  }
  return changes
}

function sum<T>(items: T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0)
}

export interface SourceTestResult {
  id: string
  kind: string
  scope: string | null
  cursor: unknown
  posts: ParsedPost[]
  requests: number
  robots: 'respected' | 'ignored'
}

/** Fetches the first page of one source and returns what was parsed; stores nothing. */
export async function testSource(store: Store, config: LianxinConfig, id: string, options: Pick<CrawlOptions, 'pool' | 'fetcher'> = {}): Promise<SourceTestResult> {
  const source = config.sources.find((s) => s.id === id)
  if (!source) throw new NotFoundError(`no source "${id}" in the config`, { suggestions: [`configured sources: ${config.sources.map((s) => s.id).join(', ')}`] })
  const adapter = adapterFor(source.kind)
  if (!adapter) throw new SourceError(`no adapter for kind "${source.kind}" yet`)
  const parsed = adapter.options.safeParse(source.options)
  if (!parsed.success) throw new SourceError(`options of source ${id} are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  const respectRobots = source.respectRobots ?? config.crawl.respectRobots
  const pool = options.pool ?? new HostPool({ concurrency: 1, minIntervalMs: config.crawl.minIntervalMs })
  const fetcher = new Fetcher({ sourceId: id, pool, userAgent: config.crawl.userAgent, proxy: config.crawl.proxy, timeoutMs: config.crawl.timeoutMs, retries: config.crawl.retries, maxBodyBytes: config.crawl.maxBodyBytes, respectRobots, ...options.fetcher })
  const ctx: AdapterContext<never> = {
    source,
    options: parsed.data,
    baseUrl: source.baseUrl ?? adapter.defaultBaseUrl ?? source.url ?? '',
    fetcher,
    checkpoint: async () => undefined,
    maxPages: 1,
    log: () => undefined,
    now: store.now,
  }
  for await (const page of adapter.crawl(ctx)) {
    return { id, kind: source.kind, scope: page.scope, cursor: page.cursor, posts: page.posts, requests: fetcher.stats.requests, robots: respectRobots ? 'respected' : 'ignored' }
  }
  return { id, kind: source.kind, scope: null, cursor: null, posts: [], requests: fetcher.stats.requests, robots: respectRobots ? 'respected' : 'ignored' }
}
