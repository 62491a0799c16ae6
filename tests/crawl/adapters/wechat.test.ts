import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { WECHAT_ACCOUNTS } from '../../../fixtures/replica/content/accounts.js'
import type { WechatArticle } from '../../../fixtures/replica/content/types.js'
import { startReplica, type Replica } from '../../../fixtures/replica/server.js'
import { parseConfig } from '../../../src/config/load.js'
import type { LianxinConfig } from '../../../src/config/schema.js'
import { parseArticle } from '../../../src/crawl/adapters/wechat/article.js'
import { wechatOptions } from '../../../src/crawl/adapters/wechat/index.js'
import { keyOf, linkForm, normalizeArticleUrl } from '../../../src/crawl/adapters/wechat/url.js'
import { runCrawl, type CrawlOptions } from '../../../src/crawl/run.js'
import { findPost, listPosts, postVersions } from '../../../src/store/posts.js'
import { getCheckpoint } from '../../../src/store/sources.js'
import type { Store } from '../../../src/store/store.js'
import { readProfile } from '../../helpers/config.js'
import { sqliteBackend, type TestStore } from '../../helpers/stores.js'

const [DAXIAOSHI, TIANDA] = WECHAT_ACCOUNTS
if (!DAXIAOSHI || !TIANDA) throw new Error('replica accounts missing')

let replica: Replica
let testStore: TestStore
let store: Store

function config(sources: Array<Record<string, unknown>>): LianxinConfig {
  const base = readProfile()
  base.sources = sources
  base.crawl = { ...(base.crawl as object), minIntervalMs: 0 }
  return parseConfig(stringify(base), 'lianxin.yaml')
}

function feedSource(options: Record<string, unknown> = {}, id = 'wx-daxiaoshi', feed = 'pingfangdaxiaoshi.atom'): Record<string, unknown> {
  return { id, kind: 'wechat', name: '平房大小事（复制站）', schedule: '*/30 * * * *', url: `${replica.url}/wechat/feeds/${feed}`, options: { account: '平房大小事', ...options } }
}

function mpSource(options: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'wx-mp', kind: 'wechat', name: '天大小事（后台）', schedule: '0 * * * *', baseUrl: `${replica.url}/wechat`, options: { transport: 'mp', fakeid: TIANDA?.biz, token: 'replica-token', ...options } }
}

function crawl(sources = [feedSource()], options: CrawlOptions = {}) {
  return runCrawl(store, config(sources), { fetcher: { backoffBaseMs: 5 }, ...options })
}

/** Article-page requests (`/wechat/s…`) since the log was last cleared. */
function articleRequests(): string[] {
  return replica.log.map((e) => e.path).filter((p) => p.startsWith('/wechat/s'))
}

function idOf(a: WechatArticle): string {
  const biz = WECHAT_ACCOUNTS.find((acc) => acc.feedId === a.feedId)?.biz ?? '?'
  return `${biz}:${a.mid}:${a.idx}`
}

function expected(feedId: string): string[] {
  return replica.corpus.wechat.filter((a) => a.feedId === feedId).map(idOf).sort()
}

async function storedIds(sourceId = 'wx-daxiaoshi'): Promise<string[]> {
  return (await listPosts(store, { sourceId })).map((p) => p.externalId).sort()
}

async function countVersions(): Promise<number> {
  const row = await store.db.selectFrom('post_versions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
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

describe('wechat adapter: links, pages and options', () => {
  it('normalises permanent links and recognises short and temporary ones', () => {
    const link = 'http://mp.weixin.qq.com/s?__biz=MzA3MDAwMDAwMQ==&mid=2247484911&idx=2&sn=abc&chksm=ff00&scene=27#wechat_redirect'
    expect(normalizeArticleUrl(link)).toBe('https://mp.weixin.qq.com/s?__biz=MzA3MDAwMDAwMQ%3D%3D&mid=2247484911&idx=2&sn=abc')
    const alias = 'https://mp.weixin.qq.com/mp/appmsg/show?__biz=MzA3MDAwMDAwMQ==&appmsgid=2247484911&itemidx=1&sign=abc#wechat_redirect'
    expect(normalizeArticleUrl(alias)).toBe('https://mp.weixin.qq.com/s?__biz=MzA3MDAwMDAwMQ%3D%3D&mid=2247484911&idx=1&sn=abc')
    expect(keyOf(alias)).toEqual({ biz: 'MzA3MDAwMDAwMQ==', mid: '2247484911', idx: '1', sn: 'abc' })
    expect(linkForm('https://mp.weixin.qq.com/s/FuC9BBLw9Uk')).toBe('short')
    expect(linkForm('https://mp.weixin.qq.com/s?src=11&timestamp=1793000000&ver=5123&signature=a*b&new=1')).toBe('temporary')
    expect(normalizeArticleUrl('https://mp.weixin.qq.com/s/FuC9BBLw9Uk')).toBeNull()
  })

  it('parses the fields of an article page', () => {
    const html = `<html><head><meta property="og:title" content="停水通知" /><meta name="author" content="小编" /><meta name="description" content="摘要" /></head>
<body><div class="wx_follow_nickname">平房大小事</div><div id="js_content"><p>第一段</p><p><img data-src="https://mmbiz.qpic.cn/a.jpeg" src="data:image/gif;base64,x"></p><p>第二段</p></div>
<script>var msg_link = "http://mp.weixin.qq.com/s?__biz=QQ==&amp;mid=1&amp;idx=1&amp;sn=s1&amp;chksm=9#rd"; var ct = "1793290065"; var item_show_type = "0";
var msg_source_url = 'https://example.cn/a'; window.ip_wording = { provinceName: '黑龙江', cityName: '' };</script></body></html>`
    const page = parseArticle(html, 'https://mp.weixin.qq.com/s/abc')
    expect(page).toMatchObject({
      key: { biz: 'QQ==', mid: '1', idx: '1', sn: 's1' },
      title: '停水通知',
      writer: '小编',
      description: '摘要',
      account: '平房大小事',
      publishedAt: new Date(1793290065 * 1000).toISOString(),
      body: '第一段\n第二段',
      images: ['https://mmbiz.qpic.cn/a.jpeg'],
      itemShowType: 0,
      region: '黑龙江',
      sourceUrl: 'https://example.cn/a',
    })
  })

  it('validates options with clear messages', () => {
    expect(wechatOptions.parse({})).toMatchObject({ transport: 'feed', fetchArticles: true, batchSize: 5 })
    const mp = wechatOptions.safeParse({ transport: 'mp' })
    expect(mp.error?.issues.map((i) => i.message).join('; ')).toMatch(/fakeid.*token/s)
    expect(wechatOptions.safeParse({ transport: 'rss' }).error?.issues[0]?.message).toBe('must be feed or mp')
    expect(wechatOptions.safeParse({ extra: 1 }).success).toBe(false)
  })
})

describe('wechat adapter, feed transport, against the replica', () => {
  it('stores every article of the feed under its permanent link with the page fields', async () => {
    const summary = await crawl()
    expect(summary.sources[0]).toMatchObject({ status: 'ok', errors: [] })
    expect(await storedIds()).toEqual(expected(DAXIAOSHI.feedId))
    const articles = replica.corpus.wechat.filter((a) => a.feedId === DAXIAOSHI.feedId)
    // Pages of at most 5 articles (the first also carries the feed).
    expect(summary.sources[0]?.pages).toBe(Math.ceil(articles.length / 5))

    for (const form of ['permanent', 'short', 'temporary'] as const) {
      const a = articles.find((x) => x.linkForm === form && x.itemShowType === 0 && !x.deleted)
      if (!a) throw new Error(`no ${form} article`)
      const post = await findPost(store, 'wx-daxiaoshi', idOf(a))
      expect(post?.url).toBe(`${replica.url}/wechat/s?__biz=${encodeURIComponent(DAXIAOSHI.biz)}&mid=${a.mid}&idx=${a.idx}&sn=${a.sn}`)
      expect(post).toMatchObject({ title: a.title, author: '平房大小事', publishedAt: new Date(a.ct * 1000).toISOString() })
      expect(post?.body).toContain(a.paragraphs[0] ?? '?')
      expect(post?.body).toContain(a.paragraphs.at(-1) ?? '?')
      expect(post?.meta).toMatchObject({ region: a.provinceName, itemShowType: 0, account: '平房大小事', mid: String(a.mid), idx: a.idx })
      expect((post?.meta.images as string[] | undefined)?.length ?? 0).toBe(a.images)
      if (a.author) expect(post?.meta.writer).toBe(a.author)
    }
    const picture = articles.find((a) => a.itemShowType === 8)
    const picturePost = await findPost(store, 'wx-daxiaoshi', picture ? idOf(picture) : '?')
    expect(picturePost?.meta.itemShowType).toBe(8)
    expect((picturePost?.meta.images as string[]).some((u) => u.includes('mmbiz_pic_'))).toBe(true)
    const second = articles.find((a) => a.idx === 2)
    expect(await findPost(store, 'wx-daxiaoshi', second ? idOf(second) : '?')).toBeDefined()
    const cursor = await getCheckpoint<{ etag?: string; newest: string; seen: object }>(store, 'wx-daxiaoshi', 'feed')
    expect(cursor?.etag).toBeDefined()
    expect(cursor?.newest).toBe(new Date(Math.max(...articles.map((a) => a.ct)) * 1000).toISOString())
    expect(Object.keys(cursor?.seen ?? {})).toHaveLength(articles.length)
  })

  it('asks only the feed on a second run (304) and stores nothing twice', async () => {
    await crawl()
    const versions = await countVersions()
    replica.log.length = 0
    const summary = await crawl()
    expect(summary.sources[0]).toMatchObject({ status: 'ok', new: 0, updated: 0, pages: 0 })
    expect(replica.log.filter((e) => e.path.startsWith('/wechat/')).map((e) => e.status)).toEqual([304])
    expect(await countVersions()).toBe(versions)
  })

  it('opens only the new articles after the account publishes', async () => {
    await crawl()
    replica.addItems(6, 'wechat')
    const fresh = replica.corpus.wechat.filter((a) => a.feedId === DAXIAOSHI.feedId)
    const added = fresh.length - (await storedIds()).length
    expect(added).toBeGreaterThan(0)
    replica.log.length = 0
    const summary = await crawl()
    expect(summary.sources[0]).toMatchObject({ status: 'ok', new: added, updated: 0 })
    expect(await storedIds()).toEqual(expected(DAXIAOSHI.feedId))
    // Temporary links cost two requests (the link and its redirect target).
    const fetched = new Set(articleRequests().filter((p) => !p.includes('signature=')))
    expect(fetched.size).toBe(added)
  })

  it('stores a changed article as version 2, and a deleted one with meta.deleted, keeping version 1', async () => {
    await crawl()
    const articles = replica.corpus.wechat.filter((a) => a.feedId === DAXIAOSHI.feedId && a.linkForm === 'permanent' && a.idx === 1)
    const [edited, removed] = articles
    if (!edited || !removed) throw new Error('corpus too small')
    edited.title = `${edited.title}（更新）`
    removed.deleted = true
    removed.digest = `${removed.digest}（已删除）` // the bridge refreshes the entry
    replica.log.length = 0
    const summary = await crawl()
    expect(summary.sources[0]).toMatchObject({ status: 'ok', new: 0, updated: 2 })
    expect(articleRequests()).toHaveLength(2)

    const post = await findPost(store, 'wx-daxiaoshi', idOf(edited))
    expect(post).toMatchObject({ version: 2, title: edited.title })
    const versions = await postVersions(store, post?.id ?? 0)
    expect(versions.map((v) => v.title)).toEqual([edited.title.replace('（更新）', ''), edited.title])

    const gone = await findPost(store, 'wx-daxiaoshi', idOf(removed))
    expect(gone).toMatchObject({ version: 2, meta: { deleted: true, notice: '该内容已被发布者删除' } })
    expect((await postVersions(store, gone?.id ?? 0))[0]?.body).toContain(removed.paragraphs[0] ?? '?')
  })

  it('records an article deleted before it was first seen, from an RSS feed', async () => {
    const summary = await crawl([feedSource({ account: '天大小事' }, 'wx-tianda', 'tiandaxiaoshi.rss')])
    expect(summary.sources[0]).toMatchObject({ status: 'ok', errors: [] })
    const posts = await listPosts(store, { sourceId: 'wx-tianda' })
    expect(posts).toHaveLength(replica.corpus.wechat.filter((a) => a.feedId === TIANDA.feedId).length)
    const deleted = posts.filter((p) => p.meta.deleted === true)
    const truth = replica.corpus.wechat.find((a) => a.deleted)
    expect(deleted).toHaveLength(1)
    expect(deleted[0]).toMatchObject({ title: truth?.title, author: '天大小事', publishedAt: new Date((truth?.ct ?? 0) * 1000).toISOString() })
  })

  it('resumes an interrupted crawl without fetching the stored articles again', async () => {
    const reference = expected(DAXIAOSHI.feedId)
    let pages = 0
    const crashed = await crawl(undefined, {
      onProgress: (p) => {
        if (p.note === undefined && ++pages === 1) throw new Error('simulated crash')
      },
    })
    expect(crashed.sources[0]).toMatchObject({ status: 'failed', pages: 1 })
    expect(await storedIds()).toHaveLength(5)
    const firstBatch = new Set(articleRequests())
    replica.log.length = 0
    const rest = await crawl()
    expect(rest.sources[0]).toMatchObject({ status: 'ok', new: reference.length - 5 })
    expect(articleRequests().filter((p) => firstBatch.has(p) && !p.includes('signature='))).toEqual([])
    expect(await storedIds()).toEqual(reference)
    expect(await countVersions()).toBe(reference.length)
  })

  it('is blocked by the 环境异常 page while other sources go on, and retries a 503', async () => {
    replica.setMode('/wechat/s', { kind: 'block', signal: 'wechat-verify' })
    const summary = await crawl([feedSource(), { id: 'local-news', kind: 'rss', name: '新闻', schedule: '0 * * * *', url: `${replica.url}/news/rss.xml` }])
    expect(summary.sources.find((s) => s.id === 'wx-daxiaoshi')).toMatchObject({ status: 'blocked', blockedBy: 'wechat-captcha' })
    expect(summary.sources.find((s) => s.id === 'local-news')?.status).toBe('ok')
    expect(await storedIds()).toEqual([])
    expect(articleRequests()).toHaveLength(1)

    replica.setMode('/wechat/s', { kind: 'status', status: 503, times: 2 })
    const retried = await crawl(undefined, { ignoreBackoff: true })
    expect(retried.sources[0]).toMatchObject({ status: 'ok', retries: 2 })
    expect(await storedIds()).toEqual(expected(DAXIAOSHI.feedId))
  })

  it('stores feed entries alone with fetchArticles: false', async () => {
    const summary = await crawl([feedSource({ fetchArticles: false })])
    expect(summary.sources[0]?.status).toBe('ok')
    expect(articleRequests()).toHaveLength(0)
    const posts = await listPosts(store, { sourceId: 'wx-daxiaoshi' })
    expect(posts).toHaveLength(replica.corpus.wechat.filter((a) => a.feedId === DAXIAOSHI.feedId).length)
    const permanent = replica.corpus.wechat.find((a) => a.feedId === DAXIAOSHI.feedId && a.linkForm === 'permanent')
    expect(posts.some((p) => p.externalId === (permanent ? idOf(permanent) : '?'))).toBe(true)
  })
})

describe('wechat adapter, back-office transport, against the replica', () => {
  const listRequests = () => replica.log.filter((e) => e.path.startsWith('/wechat/cgi-bin/appmsgpublish'))

  it('stores every article of the account, then lists only the first page', async () => {
    const summary = await crawl([mpSource()])
    expect(summary.sources[0]).toMatchObject({ status: 'ok', errors: [] })
    expect(await storedIds('wx-mp')).toEqual(expected(TIANDA.feedId))
    const truth = replica.corpus.wechat.find((a) => a.deleted)
    expect((await findPost(store, 'wx-mp', truth ? idOf(truth) : '?'))?.meta.deleted).toBe(true)
    expect(articleRequests()).toHaveLength(expected(TIANDA.feedId).length - 1)
    const newest = Math.max(...replica.corpus.wechat.filter((a) => a.feedId === TIANDA.feedId).map((a) => a.ct))
    expect(await getCheckpoint(store, 'wx-mp', `mp:${TIANDA.biz}`)).toEqual({ watermark: newest })

    replica.addItems(4, 'wechat')
    replica.log.length = 0
    const again = await crawl([mpSource()])
    expect(again.sources[0]?.status).toBe('ok')
    expect(listRequests()).toHaveLength(1)
    expect(await storedIds('wx-mp')).toEqual(expected(TIANDA.feedId))
  })

  it('respects maxPages and resumes the walk to the full set', async () => {
    const first = await crawl([mpSource()], { maxPages: 1 })
    expect(first.sources[0]?.status).toBe('ok')
    expect(listRequests()).toHaveLength(1)
    const cursor = await getCheckpoint<{ watermark: number | null; walk?: { begin: number } }>(store, 'wx-mp', `mp:${TIANDA.biz}`)
    expect(cursor).toMatchObject({ watermark: null, walk: { begin: 5 } })
    await crawl([mpSource()])
    expect(await storedIds('wx-mp')).toEqual(expected(TIANDA.feedId))
    expect(await countVersions()).toBe(expected(TIANDA.feedId).length)
  })

  it('is blocked by ret 200013 (frequency control) and 200003 (invalid session)', async () => {
    replica.setMode('/wechat/cgi-bin', { kind: 'block', signal: 'wechat-200013' })
    expect((await crawl([mpSource()])).sources[0]).toMatchObject({ status: 'blocked', blockedBy: 'wechat-200013' })
    replica.setMode('/wechat/cgi-bin', { kind: 'block', signal: 'wechat-200003' })
    const run = (await crawl([mpSource()], { ignoreBackoff: true })).sources[0]
    expect(run).toMatchObject({ status: 'blocked', blockedBy: 'wechat-200003' })
    expect(run?.errors[0]).toMatch(/invalid session/)
  })

  it('names the missing token variable', async () => {
    const run = (await crawl([mpSource({ token: undefined, tokenEnv: 'LIANXIN_TEST_NO_TOKEN' })])).sources[0]
    expect(run?.status).toBe('failed')
    expect(run?.errors[0]).toMatch(/LIANXIN_TEST_NO_TOKEN/)
  })
})
