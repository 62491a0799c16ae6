import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startReplica, type Replica } from '../../../fixtures/replica/server.js'
import { parseConfig } from '../../../src/config/load.js'
import type { LianxinConfig } from '../../../src/config/schema.js'
import type { AdapterContext, CrawlPage } from '../../../src/crawl/adapter.js'
import { weiboAdapter, weiboOptions, type WeiboOptions } from '../../../src/crawl/adapters/weibo/index.js'
import { walkUser, type WalkCursor } from '../../../src/crawl/adapters/weibo/walk.js'
import type { Fetcher, FetchResponse } from '../../../src/crawl/fetcher.js'
import { parseCount, titleOf, weiboText } from '../../../src/crawl/adapters/weibo/mblog.js'
import { parseWeiboDate } from '../../../src/crawl/adapters/weibo/time.js'
import { runCrawl, type CrawlOptions } from '../../../src/crawl/run.js'
import { findPost, listPosts, postVersions } from '../../../src/store/posts.js'
import { getCheckpoint } from '../../../src/store/sources.js'
import type { Store } from '../../../src/store/store.js'
import { readProfile } from '../../helpers/config.js'
import { sqliteBackend, type TestStore } from '../../helpers/stores.js'

const USERS = ['6000000001', '6000000002', '6000000003']
const KEYWORD = '平房'

let replica: Replica
let testStore: TestStore
let store: Store

function config(sources: Array<Record<string, unknown>>): LianxinConfig {
  const base = readProfile()
  base.sources = sources
  base.crawl = { ...(base.crawl as object), minIntervalMs: 0 }
  return parseConfig(stringify(base), 'lianxin.yaml')
}

function weiboSource(options: Record<string, unknown> = {}, id = 'weibo-pf'): Record<string, unknown> {
  return { id, kind: 'weibo', name: '微博（复制站）', schedule: '15 * * * *', baseUrl: `${replica.url}/weibo`, options: { users: USERS, keywords: [KEYWORD], ...options } }
}

function crawl(sources = [weiboSource()], options: CrawlOptions = {}) {
  return runCrawl(store, config(sources), { fetcher: { backoffBaseMs: 5 }, ...options })
}

/** Requests to the Weibo replica since the log was last cleared. */
function requests(filter = ''): string[] {
  return replica.log.map((e) => decodeURIComponent(e.path)).filter((p) => p.startsWith('/weibo/') && p.includes(filter))
}

/** The posts the replica serves for the configured users and the keyword. */
function expectedIds(): string[] {
  const screen: Record<number, string> = { 6000000001: '平房大小事', 6000000002: '百姓谈平房', 6000000003: '哈尔滨平房发布' }
  return replica.corpus.weibo
    .filter((p) => USERS.includes(String(p.uid)) || p.text.includes(KEYWORD) || (screen[p.uid] ?? '').includes(KEYWORD))
    .map((p) => p.id)
    .sort()
}

async function storedIds(sourceId = 'weibo-pf'): Promise<string[]> {
  return (await listPosts(store, { sourceId })).map((p) => p.externalId).sort()
}

beforeAll(async () => {
  replica = await startReplica({ port: 0, crawlDelay: 0 })
})
afterAll(async () => {
  await replica.close()
})
beforeEach(async () => {
  replica.reset()
  testStore = await sqliteBackend.open()
  store = testStore.store
})
afterEach(async () => {
  await testStore.cleanup()
})

describe('weibo adapter: parsing helpers', () => {
  const now = new Date('2026-11-14T04:00:00.000Z') // 12:00 in Shanghai

  it('reads absolute and relative created_at forms in Asia/Shanghai', () => {
    expect(parseWeiboDate('Sat Nov 14 12:00:00 +0800 2026', now)).toBe('2026-11-14T04:00:00.000Z')
    expect(parseWeiboDate('刚刚', now)).toBe('2026-11-14T04:00:00.000Z')
    expect(parseWeiboDate('5分钟前', now)).toBe('2026-11-14T03:55:00.000Z')
    expect(parseWeiboDate('3小时前', now)).toBe('2026-11-14T01:00:00.000Z')
    expect(parseWeiboDate('昨天 21:40', now)).toBe('2026-11-13T13:40:00.000Z')
    expect(parseWeiboDate('今天 08:15', now)).toBe('2026-11-14T00:15:00.000Z')
    expect(parseWeiboDate('11-02', now)).toBe('2026-11-01T16:00:00.000Z')
    expect(parseWeiboDate('12-30', now)).toBe('2025-12-29T16:00:00.000Z')
    expect(parseWeiboDate('2025-03-01', now)).toBe('2025-02-28T16:00:00.000Z')
    expect(parseWeiboDate('下周', now)).toBeNull()
  })

  it('reads counts like 1万+ and turns Weibo HTML into text', () => {
    expect(parseCount('1万+')).toBe(10_000)
    expect(parseCount('100万+')).toBe(1_000_000)
    expect(parseCount('1.2万')).toBe(12_000)
    expect(parseCount(3256)).toBe(3256)
    expect(parseCount('3256')).toBe(3256)
    expect(parseCount('')).toBeUndefined()
    const html = '<a href="/search"><span class="surl-text">#停暖#</span></a>又停了<span class="url-icon"><img alt=[怒] src="x.png" /></span><br />第二行<span class="url-icon"><img src="topic.png"></span>'
    expect(weiboText(html)).toBe('#停暖#又停了[怒]\n第二行')
    expect(titleOf('今天又停暖了！楼里都是老人。')).toBe('今天又停暖了！')
    expect([...titleOf('一'.repeat(60))]).toHaveLength(40)
  })

  it('validates options with clear messages', () => {
    expect(weiboOptions.safeParse({ users: [6000000001] }).success).toBe(true)
    const none = weiboOptions.safeParse({})
    expect(none.success).toBe(false)
    expect(none.error?.issues[0]?.message).toMatch(/users.*keywords/)
    expect(weiboOptions.safeParse({ users: ['abc'] }).error?.issues[0]?.message).toMatch(/uid/)
    expect(weiboOptions.safeParse({ users: ['6000000001'], cookieEnv: 'lower' }).success).toBe(false)
    expect(weiboOptions.safeParse({ users: ['6000000001'], unknown: 1 }).success).toBe(false)
  })
})

/** An adapter context whose fetcher answers canned JSON bodies in order (for shapes the replica never sends). */
function stubContext(answers: unknown[], cursors: Record<string, WalkCursor> = {}, options: Partial<WeiboOptions> = {}) {
  const urls: string[] = []
  const fetcher = {
    blockedBy: undefined,
    async get(url: string | URL): Promise<FetchResponse> {
      urls.push(decodeURIComponent(String(url)))
      const body = Buffer.from(JSON.stringify(answers.shift() ?? { ok: 0 }))
      return { url: String(url), status: 200, contentType: 'application/json', headers: {}, body, text: () => body.toString(), json: <T>() => JSON.parse(body.toString()) as T }
    },
    block(error: Error): never {
      throw error
    },
  } as unknown as Fetcher
  const ctx: AdapterContext<WeiboOptions> = {
    source: { id: 'weibo-stub', kind: 'weibo', name: 'stub', enabled: true, schedule: '0 * * * *', options: {} },
    options: { users: ['6000000001'], keywords: [], maxPagesPerScope: 10, ...options },
    baseUrl: 'https://m.weibo.cn',
    fetcher,
    checkpoint: async <C>(scope: string) => cursors[scope] as C | undefined,
    maxPages: undefined,
    log: () => undefined,
    now: () => new Date('2026-11-14T04:00:00.000Z'),
  }
  return { ctx, urls }
}

const mblog = (id: string, extra: Record<string, unknown> = {}) => ({
  card_type: 9,
  mblog: { id, idstr: id, text: `微博${id}`, created_at: 'Sat Nov 14 10:00:00 +0800 2026', user: { id: 6000000001, screen_name: '平房大小事' }, ...extra },
})

async function collect(pages: AsyncIterable<CrawlPage>): Promise<CrawlPage[]> {
  const out: CrawlPage[] = []
  for await (const page of pages) out.push(page)
  return out
}

describe('weibo adapter: answers the replica does not send', () => {
  it('reports ok:0 on the first page of a timeline as a clear error', async () => {
    const { ctx } = stubContext([{ ok: 0, msg: '用户不存在' }])
    await expect(collect(walkUser(ctx, '6000000001', { runPages: Infinity, scopePages: 10 }))).rejects.toThrow(
      'weibo-stub: /api/container/getIndex (user:6000000001) answered ok:0 (用户不存在) on the first page',
    )
  })

  it('ends the scope on ok:0 in the middle of a walk, and keeps going with the other users', async () => {
    const { ctx, urls } = stubContext(
      [
        { ok: 0, msg: '用户不存在' },
        { ok: 1, data: { cardlistInfo: { since_id: 101 }, cards: [mblog('105'), mblog('104')] } },
        { ok: 0, msg: '这里还没有内容', data: { cards: [] } },
      ],
      {},
      { users: ['6000000009', '6000000001'] },
    )
    const pages: CrawlPage[] = []
    await expect(
      (async () => {
        for await (const page of weiboAdapter.crawl(ctx)) pages.push(page)
      })(),
    ).rejects.toThrow(/1 of 2 Weibo scopes failed — user:6000000009: .*ok:0/)
    expect(urls[2]).toContain('since_id=101')
    expect(pages.map((p) => p.cursor)).toEqual([{ watermark: null, walk: { high: '105', after: '101' } }, { watermark: '105' }])
  })

  it('never lets a newer pinned post move the watermark, and skips stored posts whose time is relative', async () => {
    const { ctx } = stubContext(
      [
        {
          ok: 1,
          data: {
            cardlistInfo: { since_id: 200 },
            cards: [
              { card_type: 11, card_group: [mblog('999', { mblogtype: 2 })] },
              mblog('300'),
              mblog('250', { created_at: '5分钟前' }),
              mblog('200', { created_at: '昨天 10:00' }),
            ],
          },
        },
      ],
      { 'user:6000000001': { watermark: '250' } },
    )
    const pages = await collect(walkUser(ctx, '6000000001', { runPages: Infinity, scopePages: 10 }))
    expect(pages).toHaveLength(1)
    expect(pages[0]?.posts.map((p) => p.externalId)).toEqual(['999', '300'])
    expect(pages[0]?.cursor).toEqual({ watermark: '300' })
  })
})

describe('weibo adapter against the replica', () => {
  it('stores every post of the users and the search with the right fields', async () => {
    const summary = await crawl()
    const run = summary.sources[0]
    expect(run?.status).toBe('ok')
    expect(await storedIds()).toEqual(expectedIds())

    const corpus = replica.corpus.weibo
    const long = corpus.find((p) => [...p.text].length > 140 && USERS.includes(String(p.uid)))
    expect(long).toBeDefined()
    const longPost = await findPost(store, 'weibo-pf', long?.id ?? '')
    expect(longPost?.body).not.toContain('全文')
    expect(longPost?.body.replace(/\s/g, '')).toBe(long?.text.replace(/\s/g, ''))
    expect(longPost?.meta.truncated).toBeUndefined()
    expect(requests('/statuses/extend').length).toBeGreaterThan(0)

    const repost = corpus.find((p) => p.retweetOf !== null)
    const stored = await findPost(store, 'weibo-pf', repost?.id ?? '')
    const original = corpus.find((p) => p.id === repost?.retweetOf)
    expect(stored?.meta.repostOf).toMatchObject({ id: original?.id, user: expect.any(String) })
    expect((stored?.meta.repostOf as { text: string }).text.length).toBeGreaterThan(0)

    const viral = corpus.find((p) => p.reposts === '1万+')
    const viralPost = await findPost(store, 'weibo-pf', viral?.id ?? '')
    expect(viralPost?.metrics).toMatchObject({ reposts: 10_000, likes: 100_000, comments: 3256 })

    const sample = corpus.find((p) => p.uid === 6000000001 && p.text.includes('[怒]') && [...p.text].length <= 140)
    const post = await findPost(store, 'weibo-pf', sample?.id ?? '')
    expect(post).toMatchObject({ author: '平房大小事', publishedAt: new Date((sample?.createdAt ?? 0) * 1000).toISOString() })
    expect(post?.url).toBe(`${replica.url}/weibo/detail/${sample?.id}`)
    expect(post?.meta).toMatchObject({ region: '黑龙江', uid: '6000000001' })
    expect(post?.body).toContain('[怒]')
    expect([...(post?.title ?? '')].length).toBeLessThanOrEqual(40)
    expect(post?.body.startsWith(post?.title.replace(/…$/, '') ?? '?')).toBe(true)

    const pinned = corpus.filter((p) => p.pinned)
    for (const p of pinned) expect(await findPost(store, 'weibo-pf', p.id)).toBeDefined()
    // The watermark is the newest non-pinned post, never the pinned one.
    const newest = corpus.filter((p) => p.uid === 6000000003 && !p.pinned).map((p) => p.id).sort().at(-1)
    expect(await getCheckpoint(store, 'weibo-pf', 'user:6000000003')).toEqual({ watermark: newest })
  })

  it('fetches only the first page of each scope on a second run and stores nothing twice', async () => {
    await crawl()
    const versions = await countVersions()
    replica.log.length = 0
    const summary = await crawl()
    expect(summary.sources[0]).toMatchObject({ status: 'ok', new: 0, updated: 0 })
    expect(requests('/api/container/getIndex')).toHaveLength(USERS.length + 1)
    expect(requests('/statuses/extend')).toHaveLength(0)
    expect(await countVersions()).toBe(versions)
  })

  it('picks up new posts and keeps pinned posts from moving the watermark', async () => {
    await crawl()
    const added = replica.addItems(6, 'weibo').added.weibo ?? []
    replica.log.length = 0
    const summary = await crawl()
    expect(summary.sources[0]?.status).toBe('ok')
    expect(await storedIds()).toEqual(expectedIds())
    const mine = replica.corpus.weibo.filter((p) => added.includes(p.id) && (USERS.includes(String(p.uid)) || p.text.includes(KEYWORD)))
    expect(summary.sources[0]?.new).toBe(mine.length)
    expect(requests('since_id')).toHaveLength(0)
  })

  it('stores a changed post as version 2 and keeps version 1', async () => {
    await crawl()
    const pinned = replica.corpus.weibo.find((p) => p.pinned && p.uid === 6000000003)
    if (!pinned) throw new Error('no pinned post in the corpus')
    const before = await findPost(store, 'weibo-pf', pinned.id)
    pinned.text = '【置顶】今冬供热热线：12345。【更新】供热热线延长至晚十点。'
    pinned.attitudes = 999
    const summary = await crawl()
    expect(summary.sources[0]?.updated).toBe(1)
    const after = await findPost(store, 'weibo-pf', pinned.id)
    expect(after?.version).toBe(2)
    expect(after?.body).toContain('供热热线延长至晚十点')
    expect(after?.metrics.likes).toBe(999)
    const versions = await postVersions(store, after?.id ?? 0)
    expect(versions.map((v) => v.version)).toEqual([1, 2])
    expect(versions[0]?.body).toBe(before?.body)
  })

  it('respects maxPages, and an interrupted crawl resumes to exactly the full set', async () => {
    const first = await crawl(undefined, { maxPages: 1 })
    expect(first.sources[0]?.status).toBe('ok')
    expect(requests('/api/container/getIndex')).toHaveLength(USERS.length + 1)
    const cursor = await getCheckpoint<{ watermark: string | null; walk?: { after: string } }>(store, 'weibo-pf', 'user:6000000001')
    expect(cursor?.watermark).toBeNull()
    expect(cursor?.walk?.after).toMatch(/^\d+$/)
    expect((await storedIds()).length).toBeLessThan(expectedIds().length)

    // Another interruption: the runner's progress callback throws after two more pages.
    let pages = 0
    const crashed = await crawl(undefined, {
      onProgress: (p) => {
        if (p.note === undefined && ++pages === 2) throw new Error('simulated crash')
      },
    })
    expect(crashed.sources[0]).toMatchObject({ status: 'failed', pages: 2, errors: ['simulated crash'] })

    const rest = await crawl()
    expect(rest.sources[0]?.status).toBe('ok')
    expect(await storedIds()).toEqual(expectedIds())
    expect(await countVersions()).toBe(expectedIds().length)
    expect(await getCheckpoint(store, 'weibo-pf', 'user:6000000001')).toEqual({ watermark: expect.stringMatching(/^\d+$/) })
  })

  it('honours maxPagesPerScope as the depth of a first crawl', async () => {
    const summary = await crawl([weiboSource({ users: ['6000000001'], keywords: [], maxPagesPerScope: 2 })])
    expect(summary.sources[0]?.status).toBe('ok')
    expect(requests('/api/container/getIndex')).toHaveLength(2)
    const ids = replica.corpus.weibo.filter((p) => p.uid === 6000000001 && !p.pinned).map((p) => p.id).sort().reverse()
    expect(await getCheckpoint(store, 'weibo-pf', 'user:6000000001')).toEqual({ watermark: ids[0] })
    expect((await storedIds()).length).toBe(21)
  })

  it('is blocked by the captcha answer while other sources go on', async () => {
    replica.setMode('/weibo/api', { kind: 'block', signal: 'weibo-captcha' })
    const summary = await crawl([weiboSource(), { id: 'local-news', kind: 'rss', name: '新闻', schedule: '0 * * * *', url: `${replica.url}/news/rss.xml` }])
    const weibo = summary.sources.find((s) => s.id === 'weibo-pf')
    expect(weibo).toMatchObject({ status: 'blocked', blockedBy: 'weibo-captcha' })
    expect(weibo?.errors[0]).toMatch(/captcha/)
    expect(requests()).toHaveLength(1)
    expect(summary.sources.find((s) => s.id === 'local-news')?.status).toBe('ok')
    // Backed off afterwards: the next run does not ask Weibo at all.
    replica.log.length = 0
    const next = await crawl()
    expect(next.sources[0]?.status).toBe('backed-off')
    expect(requests()).toHaveLength(0)
  })

  it('is blocked by HTTP 432 and 418', async () => {
    replica.setMode('/weibo', { kind: 'block', signal: 'http432' })
    expect((await crawl()).sources[0]).toMatchObject({ status: 'blocked', blockedBy: 'http-432' })
    replica.setMode('/weibo', { kind: 'block', signal: 'http418' })
    expect((await crawl(undefined, { ignoreBackoff: true })).sources[0]).toMatchObject({ status: 'blocked', blockedBy: 'http-418' })
  })

  it('retries a 503 and succeeds', async () => {
    replica.setMode('/weibo/api', { kind: 'status', status: 503, times: 2 })
    const summary = await crawl()
    expect(summary.sources[0]).toMatchObject({ status: 'ok', retries: 2 })
    expect(await storedIds()).toEqual(expectedIds())
  })

  it('reports a broken answer clearly, crawls the other scopes, and recovers on the next run', async () => {
    replica.setMode('/weibo/api', { kind: 'malformed', times: 1 })
    const summary = await crawl()
    const run = summary.sources[0]
    expect(run?.status).toBe('failed')
    expect(run?.errors[0]).toMatch(/weibo-pf: 1 of 4 Weibo scopes failed — user:6000000001: .*getIndex/)
    // The other users were stored.
    expect((await listPosts(store, { sourceId: 'weibo-pf' })).some((p) => p.author === '哈尔滨平房发布')).toBe(true)
    const again = await crawl()
    expect(again.sources[0]?.status).toBe('ok')
    expect(await storedIds()).toEqual(expectedIds())
  })

  it('treats a search without results as empty and an empty page as the end', async () => {
    const summary = await crawl([weiboSource({ users: [], keywords: ['没有这个词'] })])
    expect(summary.sources[0]).toMatchObject({ status: 'ok', new: 0 })
    expect(await getCheckpoint(store, 'weibo-pf', 'search:没有这个词')).toEqual({ watermark: null })
  })

  it('sends the configured cookie from the environment', async () => {
    process.env.LIANXIN_TEST_WEIBO_COOKIE = 'SUB=abc; _T_WM=42'
    try {
      const summary = await crawl([weiboSource({ users: ['6000000003'], keywords: [], cookieEnv: 'LIANXIN_TEST_WEIBO_COOKIE' })])
      expect(summary.sources[0]?.status).toBe('ok')
      const missing = await crawl([weiboSource({ users: ['6000000003'], keywords: [], cookieEnv: 'LIANXIN_TEST_NOT_SET' })])
      expect(missing.sources[0]?.status).toBe('failed')
      expect(missing.sources[0]?.errors[0]).toMatch(/LIANXIN_TEST_NOT_SET/)
    } finally {
      delete process.env.LIANXIN_TEST_WEIBO_COOKIE
    }
  })
})

async function countVersions(): Promise<number> {
  const row = await store.db.selectFrom('post_versions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}
