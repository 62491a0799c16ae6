import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startReplica, type Replica } from '../../../fixtures/replica/server.js'
import type { LiuyanThread } from '../../../fixtures/replica/content/types.js'
import { parseConfig } from '../../../src/config/load.js'
import { liuyanOptions } from '../../../src/crawl/adapters/liuyan/index.js'
import { boardTime, needsRecheck, parseDetail, toPost } from '../../../src/crawl/adapters/liuyan/parse.js'
import { htmlToText } from '../../../src/crawl/html-text.js'
import { runCrawl, testSource, type CrawlOptions, type CrawlSummary } from '../../../src/crawl/run.js'
import { findPost, listPosts, postVersions } from '../../../src/store/posts.js'
import { getCheckpoint } from '../../../src/store/sources.js'
import type { Store } from '../../../src/store/store.js'
import { readProfile } from '../../helpers/config.js'
import { manualClock, sqliteBackend, type TestStore } from '../../helpers/stores.js'

const ID = 'renmin-liuyan'
const FIDS = { 平房区委书记: 91001, 平房区长: 91002 }

let replica: Replica
const stores: TestStore[] = []

beforeAll(async () => {
  replica = await startReplica({ port: 0, crawlDelay: 0 })
})
afterAll(async () => {
  await replica.close()
})
beforeEach(() => {
  replica.reset()
})
afterEach(async () => {
  for (const s of stores.splice(0)) await s.cleanup()
})

async function openStore(options: { now?: () => Date } = {}): Promise<Store> {
  const opened = await sqliteBackend.open(options)
  stores.push(opened)
  return opened.store
}

/** The Pingfang profile with the liuyan source (and any others) pointed at the replica. */
function config(options: Record<string, unknown> = {}, others: Array<Record<string, unknown>> = []) {
  const base = readProfile()
  base.sources = [
    { id: ID, kind: 'liuyan', name: '人民网领导留言板（复制站）', schedule: '*/30 * * * *', baseUrl: `${replica.url}/liuyan`, options: { boards: ['平房区委书记', '平房区长'], ...options } },
    ...others,
  ]
  base.crawl = { ...(base.crawl as object), minIntervalMs: 0 }
  return parseConfig(stringify(base), 'lianxin.yaml')
}

const crawl = (store: Store, cfg: ReturnType<typeof config>, options: CrawlOptions = {}) => runCrawl(store, cfg, { fetcher: { backoffBaseMs: 5 }, ...options })
const summaryOf = (summary: CrawlSummary, id = ID) => summary.sources.find((s) => s.id === id)!
const hits = (path: string, method = 'POST') => replica.log.filter((e) => e.method === method && e.path.split('?')[0] === `/liuyan${path}`)
const paths = () => replica.log.map((e) => `${e.method} ${e.path.split('?')[0]}`)
/** The replica's threads of the two 平房 boards (ground truth). */
const truth = (): LiuyanThread[] => replica.corpus.threads.map((r) => r.data).filter((t) => t.fid === FIDS.平房区委书记 || t.fid === FIDS.平房区长)
const iso = (s: number) => new Date(s * 1000).toISOString()
const isOpen = (t: LiuyanThread) => !(t.stateInfo === '已办理' && t.answerContent !== null && t.grade !== null)
const storedIds = async (store: Store) => (await listPosts(store, { sourceId: ID })).map((p) => p.externalId).sort()
const expectedIds = () => truth().map((t) => String(t.tid)).sort()

describe('liuyan adapter against the replica', () => {
  it('stores every thread of the named boards with its full text, reply, grades and times', async () => {
    const store = await openStore()
    const run = summaryOf(await crawl(store, config()))
    expect(run).toMatchObject({ status: 'ok', errors: [] })
    const threads = truth()
    expect(threads.length).toBeGreaterThan(40)
    expect(await storedIds(store)).toEqual(expectedIds())
    expect(run.new).toBe(threads.length)

    for (const t of threads) {
      const post = (await findPost(store, ID, String(t.tid)))!
      expect(post.title).toBe(t.subject)
      expect(post.body).toBe(htmlToText(t.content))
      expect(post.body.endsWith('…')).toBe(false)
      expect(post.author).toBe(t.nickName)
      expect(post.publishedAt).toBe(iso(t.dateline))
      expect(post.url).toBe(`${replica.url}/liuyan/threads/content?tid=${t.tid}`)
      expect(post.metrics).toEqual({ favNum: t.favNum })
      expect(post.meta).toEqual({
        fid: t.fid,
        board: t.forumName,
        domain: t.domainName,
        type: t.typeName,
        state: t.stateInfo,
        checkedAt: iso(t.threadsCheckTime),
        reply: t.answerContent === null ? null : { organization: t.answerOrganization, content: htmlToText(t.answerContent), time: iso(t.answerDateline!) },
        grades: t.grade === null ? null : { grade: t.grade, gradeLevel: t.gradeLevel, gradeManner: t.gradeManner, gradeSpeed: t.gradeSpeed },
      })
    }
    // Warm-up first (WAF cookie + appCode), then the signed API only; one content request per thread.
    expect(paths().filter((p) => !p.endsWith('/robots.txt'))[0]).toBe('GET /liuyan/messageSearch')
    expect(hits('/v1/threads/content')).toHaveLength(threads.length)
    expect(hits('/threads/queryThreadsList')).toHaveLength(0)
    const cursor = await getCheckpoint<{ watermark: number; walk?: unknown; open: number[] }>(store, ID, `board:${FIDS.平房区委书记}`)
    const board = threads.filter((t) => t.fid === FIDS.平房区委书记)
    expect(cursor).toEqual({ watermark: Math.max(...board.map((t) => t.tid)), open: board.filter(isOpen).map((t) => t.tid).sort((a, b) => b - a) })
  })

  it('on the next run asks one list page per board and re-checks only the open threads', async () => {
    const store = await openStore()
    await crawl(store, config())
    replica.log.length = 0
    const run = summaryOf(await crawl(store, config()))
    expect(run).toMatchObject({ status: 'ok', new: 0, updated: 0 })
    expect(hits('/v1/threads/list/df')).toHaveLength(2)
    expect(hits('/v1/threads/content')).toHaveLength(truth().filter(isOpen).length)
    expect(hits('/v1/forum/getTopForums')).toHaveLength(0)
    for (const post of await listPosts(store, { sourceId: ID })) expect(post.version).toBe(1)
  })

  it('picks up new threads, and a reply or rating that appears later makes version 2', async () => {
    const store = await openStore()
    await crawl(store, config())
    const before = new Set(await storedIds(store))
    const advance = replica.addItems(12, 'liuyan')
    const answered = advance.updated.filter((u) => u.to === '已办理' && u.from !== '已办理').map((u) => u.tid)
    const graded = advance.updated.filter((u) => u.graded).map((u) => u.tid)
    expect(answered.length).toBeGreaterThan(0)
    replica.log.length = 0

    const run = summaryOf(await crawl(store, config()))
    expect(run.status).toBe('ok')
    expect(await storedIds(store)).toEqual(expectedIds())
    const added = (advance.added.liuyan ?? []).filter((tid) => truth().some((t) => String(t.tid) === tid))
    expect(run.new).toBe(added.length)
    for (const tid of added) expect(before.has(tid)).toBe(false)

    for (const tid of [...answered, ...graded]) {
      const post = (await findPost(store, ID, String(tid)))!
      const t = truth().find((x) => x.tid === tid)!
      expect(post.version).toBe(2)
      expect(post.meta.state).toBe('已办理')
      expect(post.meta.reply).toEqual({ organization: t.answerOrganization, content: htmlToText(t.answerContent!), time: iso(t.answerDateline!) })
      const versions = await postVersions(store, post.id)
      expect(versions.map((v) => v.version)).toEqual([1, 2])
      expect(JSON.parse(versions[0]!.meta)).not.toEqual(JSON.parse(versions[1]!.meta))
    }
    for (const tid of graded) expect((await findPost(store, ID, String(tid)))!.meta.grades).not.toBeNull()
    // Threads now closed (已办理 + reply + grades) leave the open list.
    for (const fid of Object.values(FIDS)) {
      const cursor = await getCheckpoint<{ open: number[] }>(store, ID, `board:${fid}`)
      expect(cursor!.open).toEqual(truth().filter((t) => t.fid === fid && isOpen(t)).map((t) => t.tid).sort((a, b) => b - a))
    }
  })

  it('blocks the source on SN0006 (bad signature) without falling back to the form API', async () => {
    const store = await openStore()
    const summary = await crawl(store, config({ appCode: 'PC0000000000bad0', fids: FIDS }))
    expect(summaryOf(summary)).toMatchObject({ status: 'blocked', blockedBy: 'sn0006' })
    expect(summaryOf(summary).errors[0]).toMatch(/renmin-liuyan: \/v1\/threads\/list\/df answered SN0006/)
    expect(summaryOf(summary).backoffUntil).toBeTruthy()
    expect(hits('/v1/threads/list/df')).toHaveLength(1)
    expect(hits('/threads/queryThreadsList')).toHaveLength(0)
    expect(await listPosts(store, { sourceId: ID })).toHaveLength(0)
  })

  it('keeps other sources going while liuyan is blocked', async () => {
    const store = await openStore()
    const news = { id: 'local-news', kind: 'rss', name: '平房区融媒体中心（复制站）', schedule: '0 */2 * * *', url: `${replica.url}/news/rss.xml` }
    const summary = await crawl(store, config({ appCode: 'PC0000000000bad0' }, [news]))
    expect(summaryOf(summary)).toMatchObject({ status: 'blocked', blockedBy: 'sn0006' })
    expect(summaryOf(summary, 'local-news')).toMatchObject({ status: 'ok' })
    expect((await listPosts(store, { sourceId: 'local-news' })).length).toBeGreaterThan(0)
  })

  it('gets through waf-strict because the warm-up obtains the __jsluid_s cookie', async () => {
    replica.setMode('/liuyan/v1', { kind: 'waf-strict' })
    const bare = await fetch(`${replica.url}/liuyan/v1/forum/getTopForums`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    expect(bare.status).toBe(403)
    const store = await openStore()
    const run = summaryOf(await crawl(store, config()))
    expect(run).toMatchObject({ status: 'ok', errors: [] })
    expect(await storedIds(store)).toEqual(expectedIds())
    expect(replica.log.filter((e) => e.path.startsWith('/liuyan/v1') && e.status === 403)).toHaveLength(1) // only the bare probe
  })

  it.each([
    ['form', '/threads/queryThreadsList'],
    ['pro-form', '/pro-dfbbs-front/threads/queryThreadsList'],
  ])('transport %s POSTs %s (a GET answers 405) and still stores full texts', async (transport, path) => {
    expect((await fetch(`${replica.url}/liuyan${path}?fid=91001`)).status).toBe(405)
    replica.log.length = 0
    const store = await openStore()
    const run = summaryOf(await crawl(store, config({ transport, fids: FIDS, pageSize: 10 })))
    expect(run).toMatchObject({ status: 'ok' })
    expect(await storedIds(store)).toEqual(expectedIds())
    expect(hits(path).length).toBeGreaterThanOrEqual(2)
    expect(hits(path, 'GET')).toHaveLength(0)
    expect(hits('/v1/threads/list/df')).toHaveLength(0)
    const long = truth().find((t) => t.content.length > 80)!
    expect((await findPost(store, ID, String(long.tid)))!.body).toBe(htmlToText(long.content))
  })

  it('falls back to the form API when the signed list answers something unusable', async () => {
    replica.setMode('/liuyan/v1/threads/list', { kind: 'malformed' })
    const store = await openStore()
    const run = summaryOf(await crawl(store, config({ fids: FIDS })))
    expect(run).toMatchObject({ status: 'ok' })
    expect(hits('/v1/threads/list/df')).toHaveLength(1)
    expect(hits('/threads/queryThreadsList').length).toBeGreaterThanOrEqual(2)
    expect(await storedIds(store)).toEqual(expectedIds())
  })

  it('stores list texts marked truncated when the content API is unusable, and completes them later', async () => {
    replica.setMode('/liuyan/v1/threads/content', { kind: 'malformed' })
    const store = await openStore()
    expect(summaryOf(await crawl(store, config({ fids: FIDS }))).status).toBe('ok')
    expect(hits('/v1/threads/content')).toHaveLength(1) // given up after the first unusable answer
    const long = truth().find((t) => t.content.length > 80 && !isOpen(t))!
    const cut = (await findPost(store, ID, String(long.tid)))!
    expect(cut.body.endsWith('…')).toBe(true)
    expect(cut.meta.truncated).toBe(true)
    replica.setMode('/liuyan/v1/threads/content', null)
    expect(summaryOf(await crawl(store, config({ fids: FIDS }))).status).toBe('ok')
    const full = (await findPost(store, ID, String(long.tid)))!
    expect(full.body).toBe(htmlToText(long.content))
    expect(full.meta.truncated).toBeUndefined()
    expect(full.version).toBe(2)
  })

  it('finds the boards by name through the forum APIs and caches their fids', async () => {
    const store = await openStore()
    await crawl(store, config())
    expect(hits('/v1/forum/getTopForums')).toHaveLength(1)
    expect(hits('/v1/forum/getChildForums').length).toBeGreaterThan(0)
    expect(await getCheckpoint(store, ID, 'boards')).toEqual({ fids: FIDS })
    replica.log.length = 0
    await crawl(store, config())
    expect(hits('/v1/forum/getTopForums')).toHaveLength(0)
    expect(hits('/v1/forum/getChildForums')).toHaveLength(0)
  })

  it('shows threads of the first board in a one-page test, discovery included', async () => {
    const store = await openStore()
    const result = await testSource(store, config({ pageSize: 5 }), ID, { fetcher: { backoffBaseMs: 5 } })
    expect(result.scope).toBe(`board:${FIDS.平房区委书记}`)
    expect(result.posts).toHaveLength(5)
    expect(await listPosts(store)).toHaveLength(0)
  })

  it('opens only the areas named in region', async () => {
    const store = await openStore()
    await crawl(store, config({ region: ['黑龙江省', '哈尔滨市', '平房区'] }))
    expect(hits('/v1/forum/getChildForums')).toHaveLength(3)
    expect(await getCheckpoint(store, ID, 'boards')).toEqual({ fids: FIDS })
  })

  it('crawls the boards it found and fails clearly on a board name that does not exist', async () => {
    const store = await openStore()
    const run = summaryOf(await crawl(store, config({ boards: ['平房区委书记', '平房区区长'], region: ['黑龙江省', '哈尔滨市', '平房区'] })))
    expect(run.status).toBe('failed')
    expect(run.errors.join('\n')).toMatch(/board 平房区区长 not found/)
    expect(run.errors.join('\n')).toMatch(/similar names: .*平房区长/)
    expect(await storedIds(store)).toEqual(truth().filter((t) => t.fid === FIDS.平房区委书记).map((t) => String(t.tid)).sort())
  })

  it('respects maxPages and finishes the walk on the next run', async () => {
    const store = await openStore()
    const cfg = config({ fids: FIDS, pageSize: 5 })
    const first = summaryOf(await crawl(store, cfg, { maxPages: 1 }))
    expect(first.status).toBe('ok')
    expect(hits('/v1/threads/list/df')).toHaveLength(2)
    expect(await listPosts(store, { sourceId: ID })).toHaveLength(10)
    const cursor = await getCheckpoint<{ watermark: number; walk?: { high: number; after: number } }>(store, ID, `board:${FIDS.平房区委书记}`)
    expect(cursor!.watermark).toBe(0)
    expect(cursor!.walk).toBeDefined()
    await crawl(store, cfg)
    expect(await storedIds(store)).toEqual(expectedIds())
  })

  it('ends with exactly the full set after a crawl interrupted mid-walk, with new threads in between', async () => {
    const store = await openStore()
    const cfg = config({ fids: FIDS, pageSize: 4 })
    await crawl(store, cfg)
    replica.addItems(30, 'liuyan')
    let pages = 0
    const broken = summaryOf(
      await crawl(store, cfg, {
        onProgress: (p) => {
          if (p.note === undefined && ++pages === 4) throw new Error('simulated crash after page 4')
        },
      }),
    )
    expect(broken.status).toBe('failed')
    expect((await storedIds(store)).length).toBeLessThan(expectedIds().length)
    replica.addItems(3, 'liuyan')
    expect(summaryOf(await crawl(store, cfg)).status).toBe('ok')
    expect(await storedIds(store)).toEqual(expectedIds())
    // Nothing stored twice: every thread once, and a version only where the replica changed the thread.
    const posts = await listPosts(store, { sourceId: ID })
    expect(new Set(posts.map((p) => p.externalId)).size).toBe(posts.length)
    for (const post of posts) {
      const t = truth().find((x) => String(x.tid) === post.externalId)!
      expect(post.meta.state).toBe(t.stateInfo)
      expect((await postVersions(store, post.id)).length).toBe(post.version)
    }
    // The resumed walk looked once more from the top, so the last three are not left for a later run.
    const cursor = await getCheckpoint<{ watermark: number; walk?: unknown }>(store, ID, `board:${FIDS.平房区委书记}`)
    expect(cursor!.walk).toBeUndefined()
  })

  it('with backfillDays, leaves older threads out of the first crawl', async () => {
    const clock = manualClock('2026-10-31T16:00:00.000Z') // the replica's epoch, 2026-11-01 00:00 in Shanghai
    const store = await openStore({ now: clock.now })
    const floor = Date.parse('2026-10-21T16:00:00.000Z') / 1000
    const recent = truth().filter((t) => t.dateline >= floor)
    expect(recent.length).toBeGreaterThan(0)
    expect(recent.length).toBeLessThan(truth().length)
    expect(summaryOf(await crawl(store, config({ fids: FIDS, backfillDays: 10 }))).status).toBe('ok')
    expect(await storedIds(store)).toEqual(recent.map((t) => String(t.tid)).sort())
  })

  it('asks again when the WAF answers an empty body, and rides out a 503', async () => {
    replica.setMode('/liuyan/v1/threads/list', { kind: 'empty', times: 1 })
    replica.setMode('/liuyan/v1/threads/content', { kind: 'status', status: 503, times: 2 })
    const store = await openStore()
    const run = summaryOf(await crawl(store, config({ fids: FIDS })))
    expect(run).toMatchObject({ status: 'ok' })
    expect(run.retries).toBeGreaterThanOrEqual(2)
    expect(await storedIds(store)).toEqual(expectedIds())
    expect(hits('/threads/queryThreadsList')).toHaveLength(0)
  })

  it('stops at an HTTP 403 from the WAF and is backed off', async () => {
    replica.setMode('/liuyan/v1/threads/list', { kind: 'block', signal: 'http403' })
    const store = await openStore()
    const run = summaryOf(await crawl(store, config({ fids: FIDS })))
    expect(run).toMatchObject({ status: 'blocked', blockedBy: 'http-403' })
    expect(hits('/threads/queryThreadsList')).toHaveLength(0)
    replica.setMode('/liuyan/v1/threads/list', null)
    expect(summaryOf(await crawl(store, config({ fids: FIDS }))).status).toBe('backed-off')
  })

  it('reports invalid options by key', async () => {
    const store = await openStore()
    const run = summaryOf(await crawl(store, config({ boards: [], transport: 'ftp', fids: { 南岗区委书记: 91011 } })))
    expect(run.status).toBe('failed')
    expect(run.errors[0]).toMatch(/boards: list at least one board/)
    expect(run.errors[0]).toMatch(/transport: must be signed, form or pro-form/)
    expect(replica.log).toHaveLength(0)
  })
})

describe('liuyan records', () => {
  it('reads Unix seconds and Shanghai wall-clock strings as UTC', () => {
    expect(boardTime(1790000000)).toBe('2026-09-21T14:13:20.000Z')
    expect(boardTime('1790000000')).toBe('2026-09-21T14:13:20.000Z')
    expect(boardTime('2026-11-01 08:00')).toBe('2026-11-01T00:00:00.000Z')
    expect(boardTime(null)).toBeNull()
    expect(boardTime(0)).toBeNull()
  })

  it('keeps open what has no reply or no rating yet', () => {
    const board = { fid: 91001, name: '平房区委书记' }
    const detail = parseDetail({
      tid: 1,
      subject: '供暖不热',
      stateInfo: '已办理',
      contentList: [
        { dataType: 1, content: '<p>家里只有<b>十五度</b></p>' },
        { dataType: 4, content: '已协调热力公司。', organization: '平房区住建局', dateline: 1790500000 },
      ],
    })
    const answered = toPost({ tid: 1, detail, baseUrl: 'https://liuyan.people.com.cn', board })
    expect(answered.body).toBe('家里只有十五度')
    expect(answered.meta?.reply).toEqual({ organization: '平房区住建局', content: '已协调热力公司。', time: boardTime(1790500000) })
    expect(needsRecheck(answered)).toBe(true)
    const graded = toPost({ tid: 1, detail: { ...detail, header: { ...detail.header, grade: 5, gradeLevel: 5, gradeManner: 5, gradeSpeed: 5 } }, baseUrl: 'https://liuyan.people.com.cn', board })
    expect(needsRecheck(graded)).toBe(false)
  })

  it('validates options with readable messages', () => {
    const bad = liuyanOptions.safeParse({ boards: ['平房区委书记'], fids: { 平房区长: 91002 }, pageSize: 0, surprise: 1 })
    expect(bad.success).toBe(false)
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    expect(messages.join('\n')).toMatch(/pageSize: at least 1/)
    expect(messages.join('\n')).toMatch(/Unrecognized key|surprise/)
    expect(liuyanOptions.parse({ boards: ['平房区委书记'] })).toMatchObject({ transport: 'signed', pageSize: 20, openLimit: 200 })
  })
})
