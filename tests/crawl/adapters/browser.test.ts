import { execFileSync } from 'node:child_process'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startReplica, type Replica } from '../../../fixtures/replica/server.js'
import { govPath } from '../../../fixtures/replica/sites/gov.js'
import { parseConfig } from '../../../src/config/load.js'
import type { AdapterContext } from '../../../src/crawl/adapter.js'
import { browserAdapter } from '../../../src/crawl/adapters/browser/index.js'
import type { BrowserOptions } from '../../../src/crawl/adapters/html/selectors.js'
import { Fetcher } from '../../../src/crawl/fetcher.js'
import { HostPool } from '../../../src/crawl/host-pool.js'
import { runCrawl, type CrawlOptions, type SourceRunSummary } from '../../../src/crawl/run.js'
import { listPosts } from '../../../src/store/posts.js'
import { VALID_LINES } from '../../config/helpers.js'
import { sqliteBackend, type TestStore } from '../../helpers/stores.js'

/** The replica's JavaScript-filled 政策文件 list (15 newest notices) and the portal's detail pages. */
const JS_OPTIONS = {
  list: { item: '#list > li', link: 'a', date: 'span.date' },
  detail: { title: 'h1', body: '#zoom', date: '.info span:contains("发布时间")', author: '.info span:contains("来源")' },
  renderTimeoutMs: 5000,
}

function config(replica: Replica, source: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  const head = VALID_LINES.slice(0, VALID_LINES.indexOf('sources:')).join('\n')
  const src = { id: 'gov-js', kind: 'browser', name: '平房区政府政策文件', schedule: '0 * * * *', url: `${replica.url}/gov/js/list.html`, options: { ...JS_OPTIONS, ...options }, ...source }
  return parseConfig(`${head}\n${stringify({ crawl: { minIntervalMs: 0 }, sources: [src] })}`, 'lianxin.yaml')
}

/** Chromium processes started by playwright (fresh profile) that are still alive. */
function liveChromium(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((line) => /chrom/.test(line) && line.includes('playwright_chromiumdev_profile'))
    .filter((line) => !/^\s*\d+\s+Z/.test(line))
}

describe('browser adapter against the replica government portal', () => {
  let replica: Replica
  let t: TestStore
  let before: string[]
  const crawl = async (cfg = config(replica), options: CrawlOptions = {}): Promise<SourceRunSummary> => {
    const summary = await runCrawl(t.store, cfg, { fetcher: { backoffBaseMs: 5 }, ...options })
    const source = summary.sources[0]
    if (!source) throw new Error('no summary')
    return source
  }
  const newest15 = () => [...replica.corpus.gov].sort((a, b) => b.publishedAt - a.publishedAt || b.id - a.id).slice(0, 15)

  beforeAll(async () => {
    replica = await startReplica({ port: 0, crawlDelay: 0 })
  })
  afterAll(async () => {
    await replica.close()
  })
  beforeEach(async () => {
    replica.reset()
    t = await sqliteBackend.open()
    before = liveChromium()
  })
  afterEach(async () => {
    await t.cleanup()
    // Whatever happened in the test, no Chromium of ours is left running.
    expect(liveChromium().filter((p) => !before.includes(p))).toEqual([])
  })

  it('sees every item of a list that only JavaScript fills, where the html kind sees none', async () => {
    const html = await crawl(config(replica, { id: 'gov-js-html', kind: 'html' }, { renderTimeoutMs: undefined }))
    expect(html.status).toBe('failed')
    expect(html.errors[0]).toContain('no list items match "#list > li"')

    replica.log.length = 0
    const summary = await crawl()
    expect(summary).toMatchObject({ status: 'ok', pages: 1, new: 15, robots: 'respected' })
    const posts = await listPosts(t.store, { sourceId: 'gov-js' })
    expect(posts.map((p) => p.externalId).sort()).toEqual(newest15().map((d) => `${replica.url}/gov${govPath(d)}`).sort())
    for (const doc of newest15()) {
      const post = posts.find((p) => p.externalId === `${replica.url}/gov${govPath(doc)}`)
      expect(post).toMatchObject({ title: doc.title, author: doc.department, body: doc.paragraphs.join('\n') })
    }
    // The rendered page was requested through lianxin's fetcher (its User-Agent, robots.txt first).
    const list = replica.log.find((e) => e.path === '/gov/js/list.html')
    expect(list?.ua).toMatch(/^lianxin\//)
    expect(replica.log[0]?.path).toBe('/robots.txt')
    expect(summary.requests).toBe(replica.log.length)
  })

  it('renders detail pages too with renderDetail, decoding GBK in Chromium', async () => {
    const summary = await crawl(config(replica, {}, { renderDetail: true }))
    expect(summary).toMatchObject({ status: 'ok', new: 15 })
    const posts = await listPosts(t.store)
    for (const doc of newest15()) {
      expect(posts.find((p) => p.title === doc.title)?.body).toBe(doc.paragraphs.join('\n'))
    }
  })

  it('fetches nothing twice on a second run and picks up new items', async () => {
    await crawl()
    replica.log.length = 0
    expect(await crawl()).toMatchObject({ status: 'ok', new: 0, updated: 0 })
    expect(replica.log.map((e) => e.path)).toEqual(['/robots.txt', '/gov/js/list.html'])
    replica.addItems(2, 'gov')
    expect(await crawl()).toMatchObject({ status: 'ok', new: 2 })
    expect(await listPosts(t.store)).toHaveLength(17)
  })

  it('closes Chromium when the crawl fails mid-way, and a rerun completes the set', async () => {
    const victim = newest15()[4]
    if (!victim) throw new Error('corpus too small')
    replica.setMode(`/gov${govPath(victim)}`, { kind: 'status', status: 500 })
    const broken = await crawl()
    expect(broken.status).toBe('failed')
    expect(broken.errors[0]).toContain(`gov-js: /gov${govPath(victim)} answered HTTP 500`)
    expect(liveChromium().filter((p) => !before.includes(p))).toEqual([])
    replica.setMode(`/gov${govPath(victim)}`, null)
    expect(await crawl()).toMatchObject({ status: 'ok', new: 15 })
  })

  it('applies blocks, robots.txt and the malformed-page check to rendered pages', async () => {
    replica.setMode('/gov/js', { kind: 'block', signal: 'http403' })
    expect(await crawl()).toMatchObject({ status: 'blocked', blockedBy: 'http-403' })
    replica.reset()

    const privateList = await crawl(config(replica, { id: 'gov-private', url: `${replica.url}/gov/private/list.html` }))
    expect(privateList.status).toBe('failed')
    expect(privateList.errors[0]).toContain('robots.txt of 127.0.0.1')
    expect(replica.log.some((e) => e.path.startsWith('/gov/private/'))).toBe(false)

    replica.setMode('/gov/js/list.html', { kind: 'malformed', times: 1 })
    const malformed = await crawl(config(replica, { id: 'gov-js-2' }))
    expect(malformed.status).toBe('failed')
    expect(malformed.errors[0]).toContain('list page gov-js-2: /gov/js/list.html looks cut off or malformed')
  })

  it('says where Chromium was looked for when it is missing', async () => {
    const summary = await crawl(config(replica, {}, { chromiumPath: '/nonexistent/chromium' }))
    expect(summary.status).toBe('failed')
    expect(summary.errors[0]).toBe('gov-js: Chromium is not installed at /nonexistent/chromium')
  })

  it('starts Chromium at the first page and stops it when the crawl is abandoned', async () => {
    const cfg = config(replica)
    const source = cfg.sources[0]
    if (!source) throw new Error('no source')
    const options = browserAdapter.options.parse(source.options) as BrowserOptions
    const ctx: AdapterContext<BrowserOptions> = {
      source,
      options,
      baseUrl: source.url ?? '',
      fetcher: new Fetcher({ sourceId: source.id, pool: new HostPool({ minIntervalMs: 0 }), userAgent: 'lianxin-test/1', backoffBaseMs: 5 }),
      checkpoint: async () => undefined,
      maxPages: undefined,
      log: () => undefined,
      now: () => new Date(),
    }
    const pages = browserAdapter.crawl(ctx)[Symbol.asyncIterator]()
    expect(liveChromium().filter((p) => !before.includes(p))).toEqual([])
    const first = await pages.next()
    expect(first.done).toBe(false)
    expect(liveChromium().filter((p) => !before.includes(p)).length).toBeGreaterThan(0)
    await pages.return?.(undefined)
    expect(liveChromium().filter((p) => !before.includes(p))).toEqual([])
  })
})
