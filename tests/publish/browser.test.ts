import { execFileSync } from 'node:child_process'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import { backofficeState } from '../../fixtures/replica/sites/backoffice.js'
import type { LiuyanThread } from '../../fixtures/replica/content/types.js'
import { parseConfig } from '../../src/config/load.js'
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM } from '../../src/crawl/adapters/browser/chromium.js'
import { htmlToText } from '../../src/crawl/html-text.js'
import { runCrawl } from '../../src/crawl/run.js'
import { NotFoundError, RefusedError, UsageError } from '../../src/errors.js'
import { BrowserChannel, compareShownText, type BrowserChannelOptions } from '../../src/publish/channels/browser.js'
import type { PublishItem } from '../../src/publish/types.js'
import { findPost } from '../../src/store/posts.js'
import { readProfile } from '../helpers/config.js'
import { rejection } from '../helpers/rejection.js'
import { sqliteBackend, type TestStore } from '../helpers/stores.js'
import { makeItem } from './helpers.js'

const PINGFANG = [91001, 91002]
const NANGANG = 91011
const REPLY = [
  '曹先生您好：',
  '您反映的碧水湾小区垃圾站异味问题，区城管局已于11月3日现场核查，垃圾站已向北迁移50米，并每日清洗两次。',
  '',
  '如仍有异味，请拨打 0451-86512345（工作日 8:30–17:00）。  “谢谢”您的监督 <和> 支持 & 理解。',
  '哈尔滨市平房区城市管理局',
].join('\n')

let replica: Replica
/** One Chromium for the file; each channel gets its own context (its own cookies) in it. */
let browser: Browser
const channels: BrowserChannel[] = []

beforeAll(async () => {
  replica = await startReplica({ port: 0, crawlDelay: 0 })
  browser = await chromium.launch({ executablePath: process.env.LIANXIN_CHROMIUM ?? DEFAULT_CHROMIUM, headless: true, args: CHROMIUM_ARGS })
})
afterAll(async () => {
  await browser.close()
  await replica.close()
})
beforeEach(() => {
  replica.reset()
})
afterEach(async () => {
  for (const c of channels.splice(0)) await c.close()
})

function channel(options: Partial<BrowserChannelOptions> = {}): BrowserChannel {
  const c = new BrowserChannel({ id: 'board', url: `${replica.url}/backoffice`, username: 'pingfang', password: 'replica-pass', timeoutMs: 10_000, browser, ...options })
  channels.push(c)
  return c
}

/** Open threads of the 平房 boards (待回复 or 办理中), oldest first. */
const openThreads = (): LiuyanThread[] => replica.corpus.threads.map((r) => r.data).filter((t) => PINGFANG.includes(t.fid) && t.answerContent === null).sort((a, b) => a.tid - b.tid)
const thread = (tid: number): LiuyanThread => replica.corpus.threads.find((r) => r.data.tid === tid)!.data
const itemFor = (t: LiuyanThread, overrides: Partial<PublishItem> = {}): PublishItem =>
  makeItem({ text: REPLY, target: { sourceKind: 'liuyan', sourceId: 'renmin-liuyan', itemId: String(t.tid), url: `${replica.url}/liuyan/threads/content?tid=${t.tid}` }, ...overrides })
const replyPosts = () => replica.log.filter((e) => e.method === 'POST' && e.path === '/backoffice/reply')
const logins = () => replica.log.filter((e) => e.method === 'POST' && e.path === '/backoffice/login')

describe('browser channel against the replica back office', () => {
  it('logs in, posts the reply through the form and reads back exactly the text sent', async () => {
    const t = openThreads()[0]!
    const item = itemFor(t)
    const board = channel()
    expect(await board.find(item)).toBeUndefined()
    const receipt = await board.send(item)

    const answered = thread(t.tid)
    expect(receipt).toEqual({ channel: 'board', kind: 'browser', at: expect.any(String), url: `${replica.url}/liuyan/threads/content?tid=${t.tid}`, remoteId: String(answered.answerId) })
    expect(answered).toMatchObject({ stateInfo: '已办理', traceInfo: '已回复', answerContent: REPLY, answerOrganization: '哈尔滨市平房区人民政府', answerDateline: replica.corpus.now })
    // It went through the real form: the browser sent the textarea's line breaks as CRLF.
    const [posted] = backofficeState(replica.corpus).replies
    expect(posted).toMatchObject({ tid: t.tid, content: REPLY, submitted: REPLY.replace(/\n/g, '\r\n'), username: 'pingfang' })
    expect(logins()).toHaveLength(1)
    expect(replyPosts()).toHaveLength(1)
  })

  it('finds the reply afterwards, so publishing again (even from a fresh run with its own Chromium) posts nothing', async () => {
    const t = openThreads()[1]!
    const item = itemFor(t)
    const board = channel()
    await board.send(item)
    expect(await board.find(item)).toMatchObject({ alreadyThere: true, url: `${replica.url}/liuyan/threads/content?tid=${t.tid}` })
    expect(await board.send(item)).toMatchObject({ alreadyThere: true })

    // A run resumed after a crash: a new process, its own browser (not the shared one), closed afterwards.
    const before = liveChromium()
    const resumed = new BrowserChannel({ id: 'board', url: `${replica.url}/backoffice`, username: 'pingfang', password: 'replica-pass' })
    try {
      expect(await resumed.find(item)).toMatchObject({ alreadyThere: true })
      expect(await resumed.send(item)).toMatchObject({ alreadyThere: true })
    } finally {
      await resumed.close()
    }
    expect(liveChromium()).toEqual(before)
    expect(replyPosts()).toHaveLength(1)
    expect(backofficeState(replica.corpus).replies).toHaveLength(1)
  })

  it('reports a wrong password clearly and posts nothing', async () => {
    const t = openThreads()[0]!
    const err = await rejection(channel({ password: 'wrong-pass' }).send(itemFor(t)))
    expect(err).toBeInstanceOf(RefusedError)
    expect((err as RefusedError).code).toBe('PUBLISH_LOGIN_FAILED')
    expect(err.message).toBe('board: the back office refused the login of pingfang: 用户名或密码错误')
    expect(err.message).not.toContain('wrong-pass')
    expect(replyPosts()).toHaveLength(0)
    expect(thread(t.tid).answerContent).toBeNull()
  })

  it('says a thread was not found: an unknown tid, or one on another unit\'s board', async () => {
    const board = channel()
    const unknown = await rejection(board.find(itemFor({ ...openThreads()[0]!, tid: 99_999_999 })))
    expect(unknown).toBeInstanceOf(NotFoundError)
    expect(unknown.message).toBe('board: thread 99999999 was not found in the back office (HTTP 404): 留言 99999999 不存在或不属于本单位办理。')
    const nangang = replica.corpus.threads.map((r) => r.data).find((t) => t.fid === NANGANG)!
    await expect(board.send(itemFor(nangang))).rejects.toBeInstanceOf(NotFoundError)
    expect(replyPosts()).toHaveLength(0)
  })

  it('refuses a thread that already has another official reply, without touching it', async () => {
    const t = replica.corpus.threads.map((r) => r.data).find((x) => PINGFANG.includes(x.fid) && x.answerContent !== null)!
    const before = t.answerContent
    const board = channel()
    // One at a time: both calls drive the same browser, and an early one would reject unawaited.
    for (const attempt of [() => board.find(itemFor(t)), () => board.send(itemFor(t))]) {
      const err = await rejection(attempt())
      expect(err).toBeInstanceOf(RefusedError)
      expect((err as RefusedError).code).toBe('PUBLISH_ALREADY_ANSWERED')
      expect(err.message).toMatch(new RegExp(`^board: thread ${t.tid} \\(.*\\) already has an official reply that is not ticket 12 v2: ".+"; the board takes one reply per thread$`))
    }
    expect(thread(t.tid).answerContent).toBe(before)
    expect(replyPosts()).toHaveLength(0)
  })

  it('says so when the board changed the whitespace, and never posts the reply twice', async () => {
    const t = openThreads()[2]!
    const item = itemFor(t, { text: `\n${REPLY}\n\n` })
    const board = channel()
    const err = await rejection(board.send(item))
    expect(err).toBeInstanceOf(RefusedError)
    expect((err as RefusedError).code).toBe('PUBLISH_WHITESPACE_CHANGED')
    expect(err.message).toMatch(new RegExp(`^board: ticket 12 v2 was posted to thread ${t.tid} \\(.*\\), but the board changed its whitespace: leading or trailing whitespace removed; line breaks changed \\(7 sent, 4 shown\\)\\. The page shows \\d+ characters, \\d+ were sent; the words are identical\\.$`))
    expect((err as RefusedError).suggestions.join(' ')).toContain(`lianxin replies confirm-published 12 --url ${replica.url}/liuyan/threads/content?tid=${t.tid}`)
    // Publishing again finds the same reply and stops with the same explanation instead of posting again.
    const again = await rejection(board.find(item))
    expect((again as RefusedError).code).toBe('PUBLISH_WHITESPACE_CHANGED')
    expect(again.message).toContain('already shows a reply that differs from ticket 12 v2 only in whitespace')
    await expect(board.send(item)).rejects.toThrow(/only in whitespace/)
    expect(replyPosts()).toHaveLength(1)
  })

  it('says so when the board changed the words (its sensitive-word filter)', async () => {
    backofficeState(replica.corpus).sensitiveWords = ['上访']
    const t = openThreads()[3]!
    const err = await rejection(channel().send(itemFor(t, { text: '关于您提到的进京上访一事，区信访局已安排专人接待。' })))
    expect((err as RefusedError).code).toBe('PUBLISH_TEXT_MISMATCH')
    expect(err.message).toBe(
      `board: ticket 12 v2 was posted to thread ${t.tid} (${replica.url}/liuyan/threads/content?tid=${t.tid}), but the page shows a different text: from character 9 it sent "关于您提到的进京上访一事，区信访局已安排专人接待。" and shows "关于您提到的进京**一事，区信访局已安排专人接待。"`,
    )
  })

  it('refuses a text longer than the form takes, without submitting it', async () => {
    const t = openThreads()[5]!
    const err = await rejection(channel().send(itemFor(t, { text: '答复'.repeat(2600) })))
    expect((err as RefusedError).code).toBe('PUBLISH_REFUSED')
    expect(err.message).toBe(`board: the reply form of thread ${t.tid} did not take the whole text of ticket 12 v2: it holds 5000 of 5200 characters (the textarea allows at most 5000); nothing was submitted`)
    expect(replyPosts()).toHaveLength(0)
  })

  it('logs in again when the back-office session has expired', async () => {
    const board = channel()
    const [a, b] = openThreads()
    await board.find(itemFor(a!))
    backofficeState(replica.corpus).sessions.clear()
    await board.send(itemFor(b!))
    expect(logins()).toHaveLength(2)
    expect(thread(b!.tid).answerContent).toBe(REPLY)
  })

  it('refuses items it cannot place before starting anything', async () => {
    const board = channel()
    await expect(board.send(makeItem({ target: undefined }))).rejects.toThrow(/has no linked post \(target\.itemId\).*export channel/)
    await expect(board.send(makeItem({ target: { sourceKind: 'weibo', sourceId: 'weibo-pingfang', itemId: '5300000000000001' } }))).rejects.toBeInstanceOf(UsageError)
    expect(replica.log).toHaveLength(0)
  })

  it('publishes a reply the liuyan crawler then sees when it re-checks the open thread', async () => {
    const t: TestStore = await sqliteBackend.open()
    try {
      const base = readProfile()
      base.sources = [{ id: 'renmin-liuyan', kind: 'liuyan', name: '人民网领导留言板（复制站）', schedule: '*/30 * * * *', baseUrl: `${replica.url}/liuyan`, options: { boards: ['平房区委书记', '平房区长'] } }]
      base.crawl = { ...(base.crawl as object), minIntervalMs: 0 }
      const config = parseConfig(stringify(base), 'lianxin.yaml')
      await runCrawl(t.store, config, { fetcher: { backoffBaseMs: 5 } })
      const open = openThreads()[4]!
      const stored = await findPost(t.store, 'renmin-liuyan', String(open.tid))
      expect(stored?.meta.reply).toBeNull()

      const receipt = await channel().send(itemFor(open))
      await runCrawl(t.store, config, { fetcher: { backoffBaseMs: 5 } })
      const post = await findPost(t.store, 'renmin-liuyan', String(open.tid))
      expect(post?.version).toBe(2)
      expect(post?.url).toBe(receipt.url)
      expect(post?.meta.state).toBe('已办理')
      expect(post?.meta.reply).toEqual({ organization: '哈尔滨市平房区人民政府', content: htmlToText(REPLY), time: new Date(replica.corpus.now * 1000).toISOString() })
    } finally {
      await t.cleanup()
    }
  })
})

describe('compareShownText', () => {
  it('treats the form\'s CRLF → LF as the same text, and names whitespace changes', () => {
    expect(compareShownText('a\r\nb', 'a\nb')).toEqual({ kind: 'same' })
    expect(compareShownText('a  b', 'a b')).toEqual({ kind: 'whitespace', changes: ['runs of spaces collapsed'] })
    expect(compareShownText('a\n\nb', 'a\nb')).toEqual({ kind: 'whitespace', changes: ['blank lines removed', 'line breaks changed (2 sent, 1 shown)'] })
    expect(compareShownText('甲乙丙', '甲*丙')).toEqual({ kind: 'different', index: 1, sent: '"甲乙丙"', shown: '"甲*丙"' })
  })
})

/** Chromium processes started by playwright (fresh profile) that are still alive. */
function liveChromium(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
  const pids = out
    .split('\n')
    .filter((line) => /chrom/.test(line) && line.includes('playwright_chromiumdev_profile'))
    .filter((line) => !/^\s*\d+\s+Z/.test(line))
    .map((line) => line.trim().split(/\s+/)[0]!)
  return pids.sort()
}
