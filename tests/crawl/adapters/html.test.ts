import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startReplica, type Replica } from '../../../fixtures/replica/server.js'
import { govPath } from '../../../fixtures/replica/sites/gov.js'
import type { GovDoc } from '../../../fixtures/replica/content/types.js'
import { parseConfig } from '../../../src/config/load.js'
import { parseChineseDate } from '../../../src/crawl/adapters/html/dates.js'
import { htmlAdapter } from '../../../src/crawl/adapters/html/index.js'
import { normaliseUrl } from '../../../src/crawl/adapters/html/parse.js'
import type { ListCursor } from '../../../src/crawl/adapters/html/cursor.js'
import { runCrawl, type CrawlOptions, type SourceRunSummary } from '../../../src/crawl/run.js'
import { listPosts, postVersions } from '../../../src/store/posts.js'
import { getCheckpoint } from '../../../src/store/sources.js'
import { VALID_LINES } from '../../config/helpers.js'
import { sqliteBackend, type TestStore } from '../../helpers/stores.js'

/** The replica portal's 信息公开 list, as a clerk would describe it in lianxin.yaml. */
const GOV_OPTIONS = {
  // div.side holds the portal's link into /gov/private/ (disallowed by robots.txt).
  list: { item: 'ul.list > li, div.side', link: 'a', date: 'span.date' },
  next: 'a:contains("下一页")',
  detail: {
    title: 'h1',
    body: '#zoom, h1 ~ p',
    date: '.info span:contains("发布时间")',
    author: '.info span:contains("来源")',
    meta: { docNo: '.info span:contains("文号")' },
  },
}

function config(replica: Replica, source: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  const head = VALID_LINES.slice(0, VALID_LINES.indexOf('sources:')).join('\n')
  const src = { id: 'gov-xxgk', kind: 'html', name: '平房区政府信息公开', schedule: '0 * * * *', url: `${replica.url}/gov/xxgk/list_1.html`, options: { ...GOV_OPTIONS, ...options }, ...source }
  return parseConfig(`${head}\n${stringify({ crawl: { minIntervalMs: 0 }, sources: [src] })}`, 'lianxin.yaml')
}

/** What a doc looks like once stored: the detail page's minute-precision time, read in Asia/Shanghai. */
const publishedIso = (d: GovDoc) => new Date(Math.floor(d.publishedAt / 60) * 60_000).toISOString()
const docUrl = (replica: Replica, d: GovDoc) => `${replica.url}/gov${govPath(d)}`
const newestFirst = (replica: Replica) => [...replica.corpus.gov].sort((a, b) => b.publishedAt - a.publishedAt || b.id - a.id)

describe('html adapter: dates, URLs and options', () => {
  it('reads Chinese dates as Asia/Shanghai time and stores them as UTC', () => {
    expect(parseChineseDate('2026-11-20')).toBe('2026-11-19T16:00:00.000Z')
    expect(parseChineseDate('发布时间：2026年11月20日 10:30')).toBe('2026-11-20T02:30:00.000Z')
    expect(parseChineseDate('2026/11/20')).toBe('2026-11-19T16:00:00.000Z')
    expect(parseChineseDate('2026.1.5 08:05:09')).toBe('2026-01-05T00:05:09.000Z')
    expect(parseChineseDate('2026-02-30')).toBeNull()
    expect(parseChineseDate('暂无日期')).toBeNull()
    expect(parseChineseDate('[11-20]', 'MM-DD', new Date('2026-11-28T00:00:00Z'))).toBe('2026-11-19T16:00:00.000Z')
    expect(parseChineseDate('[12-30]', 'MM-DD', new Date('2026-01-02T00:00:00Z'))).toBe('2025-12-29T16:00:00.000Z')
  })

  it('normalises detail URLs into ids: no fragment, sorted query', () => {
    expect(normaliseUrl('http://a.example/x.html?b=2&a=1#top')).toBe('http://a.example/x.html?a=1&b=2')
  })

  it('accepts its example and refuses bad selectors and unknown keys with clear messages', () => {
    expect(htmlAdapter.options.safeParse(htmlAdapter.example).success).toBe(true)
    const bad = htmlAdapter.options.safeParse({ list: { item: 'ul.list > li a[' }, detail: { body: '#zoom' }, nextPage: 'a' })
    expect(bad.success).toBe(false)
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n') ?? ''
    expect(messages).toContain('list.item: "ul.list > li a[" is not a valid CSS selector')
    expect(messages).toMatch(/nextPage/)
    expect(htmlAdapter.options.safeParse({ list: { item: 'li', dateFormat: 'YYYY' } }).error?.issues[0]?.message).toContain('not a usable date format')
  })
})

describe('html adapter against the replica government portal', () => {
  let replica: Replica
  let t: TestStore
  const crawl = async (cfg = config(replica), options: CrawlOptions = {}): Promise<SourceRunSummary> => {
    const summary = await runCrawl(t.store, cfg, { fetcher: { backoffBaseMs: 5 }, ...options })
    const source = summary.sources[0]
    if (!source) throw new Error('no summary')
    return source
  }
  const fetched = () => replica.log.map((e) => e.path)
  const ids = async () => (await listPosts(t.store)).map((p) => p.externalId).sort()

  beforeAll(async () => {
    replica = await startReplica({ port: 0, crawlDelay: 0 })
  })
  afterAll(async () => {
    await replica.close()
  })
  beforeEach(async () => {
    replica.reset()
    t = await sqliteBackend.open()
  })
  afterEach(async () => {
    await t.cleanup()
  })

  it('stores every notice with its fields, in correct Chinese from GBK and GB18030 pages', async () => {
    const notes: string[] = []
    const summary = await crawl(config(replica), { onProgress: (p) => p.note && notes.push(p.note) })
    expect(summary).toMatchObject({ status: 'ok', pages: 3, new: 32, robots: 'respected', errors: [] })
    const posts = await listPosts(t.store)
    const docs = newestFirst(replica)
    expect(posts).toHaveLength(docs.length)
    for (const doc of docs) {
      const post = posts.find((p) => p.externalId === docUrl(replica, doc))
      expect(post, doc.title).toBeDefined()
      expect(post).toMatchObject({ title: doc.title, author: doc.department, publishedAt: publishedIso(doc), meta: { docNo: doc.docNo } })
      expect(post?.body).toBe(doc.paragraphs.join('\n'))
    }
    const land = docs.find((d) => d.encoding === 'gb18030')
    expect(land).toBeDefined()
    expect(posts.find((p) => p.externalId === docUrl(replica, land as GovDoc))?.body).toContain('王㵘')
    expect(posts.some((p) => /\uFFFD/.test(p.title + p.body))).toBe(false)
    // robots.txt: the link into /gov/private/ is refused, noted, remembered, and never requested.
    expect(fetched().some((p) => p.startsWith('/gov/private/'))).toBe(false)
    expect(notes.some((n) => n.includes('/gov/private/list.html: robots.txt disallows it'))).toBe(true)
    const cursor = await getCheckpoint<ListCursor>(t.store, 'gov-xxgk', 'list')
    expect(cursor?.skipped).toEqual([{ url: `${replica.url}/gov/private/list.html`, reason: 'robots' }])
    expect(cursor?.walk).toBeNull()
  })

  it('fetches only the first list page on a second run and stores nothing twice', async () => {
    await crawl()
    replica.log.length = 0
    const again = await crawl()
    expect(again).toMatchObject({ status: 'ok', pages: 1, new: 0, updated: 0 })
    expect(fetched()).toEqual(['/robots.txt', '/gov/xxgk/list_1.html'])
    const posts = await listPosts(t.store)
    expect(posts).toHaveLength(32)
    expect(posts.every((p) => p.version === 1)).toBe(true)
  })

  it('picks up new notices added on the replica, fetching only them', async () => {
    await crawl()
    const added = replica.addItems(3, 'gov').added.gov ?? []
    expect(added).toHaveLength(3)
    replica.log.length = 0
    const again = await crawl()
    expect(again).toMatchObject({ status: 'ok', new: 3, updated: 0 })
    const details = fetched().filter((p) => p.includes('/t20'))
    expect(details.sort()).toEqual(replica.corpus.gov.filter((d) => added.includes(String(d.id))).map((d) => `/gov${govPath(d)}`).sort())
    expect(fetched()).toContain('/gov/xxgk/list_2.html')
    expect(fetched()).not.toContain('/gov/xxgk/list_3.html')
    expect(await listPosts(t.store)).toHaveLength(35)
  })

  it('keeps version 1 and stores version 2 when a rechecked detail page changed', async () => {
    await crawl(config(replica, {}, { recheck: 2 }))
    const doc = newestFirst(replica)[0] as GovDoc
    const before = doc.paragraphs.join('\n')
    doc.paragraphs.push('（本通知已更正：停水时间调整为9:00至17:00。）')
    const again = await crawl(config(replica, {}, { recheck: 2 }))
    expect(again).toMatchObject({ status: 'ok', new: 0, updated: 1, unchanged: 1 })
    const post = (await listPosts(t.store)).find((p) => p.externalId === docUrl(replica, doc))
    expect(post?.version).toBe(2)
    const versions = await postVersions(t.store, post?.id ?? 0)
    expect(versions.map((v) => v.version)).toEqual([1, 2])
    expect(versions[0]?.body).toBe(before)
    expect(versions[1]?.body).toContain('已更正')
  })

  it('rides out 5xx answers and ends with every notice', async () => {
    replica.setMode('/gov/xxgk/list_2.html', { kind: 'status', status: 503, times: 2 })
    const summary = await crawl()
    expect(summary).toMatchObject({ status: 'ok', new: 32 })
    expect(summary.retries).toBeGreaterThanOrEqual(2)
  })

  it('stops at a 403 with status blocked and backs the source off', async () => {
    replica.setMode('/gov', { kind: 'block', signal: 'http403' })
    const summary = await crawl()
    expect(summary).toMatchObject({ status: 'blocked', blockedBy: 'http-403', new: 0 })
    expect(summary.errors[0]).toContain('gov-xxgk: /gov/xxgk/list_1.html answered HTTP 403')
    expect((await crawl()).status).toBe('backed-off')
  })

  it('fails with a clear error on a malformed list page and recovers on the next run', async () => {
    replica.setMode('/gov/xxgk/list_1.html', { kind: 'malformed', times: 1 })
    const summary = await crawl()
    expect(summary.status).toBe('failed')
    expect(summary.errors[0]).toBe('list page gov-xxgk: /gov/xxgk/list_1.html looks cut off or malformed: it has no closing </body> or </html>')
    expect(await listPosts(t.store)).toHaveLength(0)
    expect(await crawl()).toMatchObject({ status: 'ok', new: 32 })
  })

  it('sees no items on a list that only JavaScript fills, and says to use the browser kind', async () => {
    const summary = await crawl(config(replica, { url: `${replica.url}/gov/js/list.html` }))
    expect(summary.status).toBe('failed')
    expect(summary.errors[0]).toContain('gov-xxgk: /gov/js/list.html: no list items match "ul.list > li, div.side"')
    expect(await listPosts(t.store)).toHaveLength(0)
  })

  it('respects maxPages from the options and from the run', async () => {
    expect(await crawl(config(replica, {}, { maxPages: 2 }))).toMatchObject({ status: 'ok', pages: 2, new: 24 })
    expect(fetched()).not.toContain('/gov/xxgk/list_3.html')

    const other = await sqliteBackend.open()
    try {
      const summary = await runCrawl(other.store, config(replica), { maxPages: 1, fetcher: { backoffBaseMs: 5 } })
      expect(summary.sources[0]).toMatchObject({ pages: 1, new: 12 })
      // The walk is unfinished: the next run without a limit goes on where it stopped.
      const rest = await runCrawl(other.store, config(replica), { fetcher: { backoffBaseMs: 5 } })
      expect(rest.sources[0]).toMatchObject({ status: 'ok', new: 20 })
      expect(await listPosts(other.store)).toHaveLength(32)
    } finally {
      await other.cleanup()
    }
  })

  it.each([2, 3])('ends with exactly the full set when a crawl dies on list page %i and is rerun after new notices', async (k) => {
    // The first notice of page k keeps failing: the crawl stops there with pages 1..k-1 committed.
    const victim = newestFirst(replica)[(k - 1) * 12] as GovDoc
    replica.setMode(`/gov${govPath(victim)}`, { kind: 'status', status: 500 })
    const broken = await crawl()
    expect(broken).toMatchObject({ status: 'failed', pages: k - 1, new: (k - 1) * 12 })
    replica.setMode(`/gov${govPath(victim)}`, null)
    replica.addItems(4, 'gov')
    expect(await crawl()).toMatchObject({ status: 'ok', new: 36 - (k - 1) * 12 })

    const reference = await sqliteBackend.open()
    try {
      await runCrawl(reference.store, config(replica), { fetcher: { backoffBaseMs: 5 } })
      const expected = (await listPosts(reference.store)).map((p) => `${p.externalId} ${p.contentHash}`).sort()
      expect((await listPosts(t.store)).map((p) => `${p.externalId} ${p.contentHash}`).sort()).toEqual(expected)
      expect(await ids()).toHaveLength(36)
    } finally {
      await reference.cleanup()
    }
    // And the walk is finished: a further run reads page 1 only.
    replica.log.length = 0
    expect(await crawl()).toMatchObject({ pages: 1, new: 0 })
  })

  it('fetches /gov/private/ and reports robots: ignored when the source overrides robots.txt', async () => {
    const summary = await crawl(config(replica, { respectRobots: false }))
    expect(summary).toMatchObject({ status: 'ok', robots: 'ignored', new: 33 })
    expect(fetched()).toContain('/gov/private/list.html')
    const priv = (await listPosts(t.store)).find((p) => p.externalId === `${replica.url}/gov/private/list.html`)
    expect(priv?.title).toBe('内部资料（仅限内网）')
    expect((await getCheckpoint<ListCursor>(t.store, 'gov-xxgk', 'list'))?.skipped).toEqual([])
  })
})
