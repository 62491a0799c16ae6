/**
 * Issue #5, the board's side of publishing: staff post the approved reply on the message board
 * themselves (export channel), `confirm-published` checks the text the crawler read back from the
 * thread, and the citizen's grade on the thread becomes the case's rating — only a grade on this
 * reply, recorded as the stars the board shows. Real replica, real crawler, a SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LiuyanThread } from '../../fixtures/replica/content/types.js'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import type { LianxinConfig } from '../../src/config/index.js'
import { boardStars } from '../../src/crawl/adapters/liuyan/parse.js'
import { runCrawl } from '../../src/crawl/run.js'
import { RefusedError } from '../../src/errors.js'
import { createPublishChannel } from '../../src/publish/index.js'
import { collectBoardRatings, confirmPublished, publishReply } from '../../src/replies/publish.js'
import { findPost } from '../../src/store/posts.js'
import { loadCase, openCase, type CaseContext } from '../../src/tickets/service.js'
import { satisfied } from '../../src/tickets/workflow/index.js'
import { bureau, pingfangConfig, type Signer } from '../helpers/bureau.js'
import { REPLY, approveOneTicket } from '../helpers/daemon-signoff.js'
import { rejection } from '../helpers/rejection.js'
import { startReplyReceiver, type ReplyReceiver } from '../helpers/reply-receiver.js'
import { sqliteBackend, type TestStore } from '../helpers/stores.js'

const PINGFANG_BOARDS = [91001, 91002]
const ORGANIZATION = '哈尔滨市平房区人民政府'

describe('the message board: a reply staff posted, confirmed, and the citizen’s grade on it', () => {
  let replica: Replica
  let receiver: ReplyReceiver
  let dir: string
  let t: TestStore
  let config: LianxinConfig
  let ctx: CaseContext
  let keys: Record<'liuju' | 'wangqu', Signer>
  const done: number[] = []

  beforeAll(async () => {
    replica = await startReplica({ port: 0, crawlDelay: 0 })
    receiver = await startReplyReceiver('reply-secret')
    dir = mkdtempSync(join(tmpdir(), 'lianxin-board-'))
    config = pingfangConfig((doc) => {
      doc.sources = [{ id: 'renmin-liuyan', kind: 'liuyan', name: '人民网领导留言板（复制站）', schedule: '*/30 * * * *', baseUrl: `${replica.url}/liuyan`, options: { boards: ['平房区委书记', '平房区长'] } }]
      doc.crawl = { ...(doc.crawl as object), minIntervalMs: 0 }
      doc.publish = {
        channels: [
          { id: 'export', kind: 'export', dir: join(dir, 'outbox') },
          { id: 'portal', kind: 'webhook', url: receiver.url, secret: 'reply-secret' },
        ],
        default: 'export',
      }
    })
    t = await sqliteBackend.open()
    ;({ ctx, keys } = await bureau(t.store, config))
    await crawl()
  }, 60_000)
  afterAll(async () => {
    await t?.cleanup()
    await Promise.all([replica?.close(), receiver?.close()])
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const crawl = () => runCrawl(t.store, config, { fetcher: { backoffBaseMs: 5 } })
  const channel = (id: string) => createPublishChannel(config.publish.channels.find((c) => c.id === id)!, { configDir: dir })
  const threads = (): LiuyanThread[] => replica.corpus.threads.map((r) => r.data).filter((d) => PINGFANG_BOARDS.includes(d.fid))
  /** The newest unanswered thread of the district's boards not used yet (the crawler re-checks the newest open ones). */
  const openThread = (): LiuyanThread => threads().filter((d) => d.answerContent === null && !used.has(d.tid)).sort((a, b) => b.tid - a.tid)[0]!
  const used = new Set<number>()
  /** A case for the crawled thread, taken to a reply both leaders signed (the helper's REPLY). */
  const signedCase = async (thread: LiuyanThread): Promise<{ id: number; url: string }> => {
    used.add(thread.tid)
    const post = (await findPost(t.store, 'renmin-liuyan', String(thread.tid)))!
    const { ticket } = await openCase(t.store, {
      title: post.title,
      postIds: [post.id],
      actor: 'zhangwei',
      topic: '城乡建设',
      urgency: '一般',
      zoneId: 'xingjian',
      lead: 'xingjian',
      assist: [],
      reasons: ['opened by zhangwei: board test'],
      key: `ticket.opened:post:${post.id}`,
    })
    expect(await approveOneTicket(t.store, config, keys, done)).toBe(ticket.id)
    done.push(ticket.id)
    return { id: ticket.id, url: post.url! }
  }
  const refusal = (p: Promise<unknown>) => rejection(p, RefusedError)

  it('confirms the reply only once the board shows its text, then takes the citizen’s later grade as stars, once', async () => {
    const thread = openThread()
    const { id, url } = await signedCase(thread)
    expect((await publishReply(t.store, ctx, { ticketId: id, actor: 'zhangwei', channel: channel('export') })).outcome).toBe('exported')

    // Exported, not yet posted: the crawled thread has no reply.
    expect((await refusal(confirmPublished(t.store, ctx, { ticketId: id, actor: 'zhangwei', url }))).code).toBe('NOT_ON_BOARD')
    // Staff post it; the board wraps the lines its own way.
    replica.corpus.postAnswer(thread.tid, { organization: ORGANIZATION, content: REPLY.replaceAll('。', '。\n') })
    await crawl()
    const confirmed = await confirmPublished(t.store, ctx, { ticketId: id, actor: 'zhangwei', url })
    expect([confirmed.match, confirmed.state.status]).toEqual(['whitespace', 'published'])

    expect(await collectBoardRatings(t.store, ctx)).toEqual([]) // not graded yet
    replica.corpus.gradeThread(thread.tid, { level: 2, manner: 1, speed: 2 }) // shown as 1.7: 不满意
    await crawl()
    expect(await collectBoardRatings(t.store, ctx)).toEqual([id])
    const { state } = await loadCase(t.store, id)
    expect(state.ratings.map((r) => [r.round, r.grade, r.source, r.by, r.comment])).toEqual([[1, 2, 'board', 'system:crawl', `留言板评价 1.7（解决程度 2，办理态度 1，办理速度 2） ${url}`]])
    expect(satisfied(state.ratings[0]!.grade)).toBe(false)
    expect(await collectBoardRatings(t.store, ctx)).toEqual([]) // once per round
  }, 60_000)

  it('takes a grade given before staff confirmed, because it is on this reply', async () => {
    const thread = openThread()
    const { id, url } = await signedCase(thread)
    replica.corpus.postAnswer(thread.tid, { organization: ORGANIZATION, content: REPLY })
    replica.corpus.gradeThread(thread.tid, { level: 5, manner: 4, speed: 4 }) // 4.3: 满意
    await crawl()
    expect((await confirmPublished(t.store, ctx, { ticketId: id, actor: 'zhangwei', url })).match).toBe('exact')
    expect(await collectBoardRatings(t.store, ctx)).toEqual([id])
    expect((await loadCase(t.store, id)).state.ratings.map((r) => r.grade)).toEqual([4])
  }, 60_000)

  it('refuses to confirm a reply the board shows changed, naming where the texts part', async () => {
    const thread = openThread()
    const { id, url } = await signedCase(thread)
    replica.corpus.postAnswer(thread.tid, { organization: ORGANIZATION, content: REPLY.replace('12月5日', '12月15日') })
    await crawl()
    const err = await refusal(confirmPublished(t.store, ctx, { ticketId: id, actor: 'zhangwei', url }))
    expect(err.code).toBe('TEXT_MISMATCH')
    expect(err.message).toMatch(/the reply on the board is not the approved text of version 1: they differ from character \d+ \("…15日前/)
    expect((await loadCase(t.store, id)).state.status).toBe('approved')
  }, 60_000)

  it('does not take a grade the thread had before this reply, on another answer', async () => {
    const graded = threads().find((d) => d.grade !== null && !used.has(d.tid))!
    const { id } = await signedCase(graded)
    expect((await publishReply(t.store, ctx, { ticketId: id, actor: 'zhangwei', channel: channel('portal') })).outcome).toBe('published')
    expect(await collectBoardRatings(t.store, ctx)).toEqual([])
    expect((await loadCase(t.store, id)).state.ratings).toEqual([])
  }, 60_000)

  it('reads the board’s mean grade as the stars it shows', () => {
    expect([5, 4.6, 4.5, 3.6, 3.5, 2.6, 2.5, 1.6, 1.5, 1].map(boardStars)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1])
  })
})
