import { readFileSync } from 'node:fs'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.js'
import type { LianxinConfig } from '../../src/config/schema.js'
import { packagePath } from '../../src/paths.js'
import { listEvents } from '../../src/store/events.js'
import { listPosts, upsertPost } from '../../src/store/posts.js'
import { ensureSource } from '../../src/store/sources.js'
import { listTickets, ticketPosts } from '../../src/store/tickets.js'
import type { TriageEngine } from '../../src/triage/engine.js'
import { createEngine, createMatcher } from '../../src/triage/factory.js'
import { triagePending } from '../../src/triage/run.js'
import { openTicketForPost } from '../../src/tickets/actions.js'
import { syncConfigUsers } from '../../src/people/roster.js'
import { LianxinError } from '../../src/errors.js'
import { backends, manualClock, type TestStore } from '../helpers/stores.js'

const profile = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
const config: LianxinConfig = {
  ...profile,
  sources: [
    { id: 'board', kind: 'liuyan', name: '留言板', enabled: true, schedule: '*/30 * * * *', options: {} },
    { id: 'weibo', kind: 'weibo', name: '微博', enabled: true, schedule: '*/30 * * * *', options: {} },
    { id: 'news', kind: 'rss', name: '新闻', enabled: true, schedule: '0 * * * *', url: 'http://127.0.0.1/rss.xml', options: {} },
    { id: 'official', kind: 'weibo', name: '平房发布', enabled: true, schedule: '*/30 * * * *', tickets: true, options: {} },
  ],
}

const complaint = {
  title: '北厂文化小区暖气不热',
  body: '兴建街道北厂文化小区5号楼从11月起暖气一直不热，家里只有十二度，独居老人冻病了，多次反映无果，请尽快解决供热问题。',
}

describe.each(backends)('triage run on $name', (backend) => {
  let t: TestStore
  let engine: TriageEngine
  const clock = manualClock('2026-12-01T02:00:00.000Z')
  beforeAll(async () => {
    engine = await createEngine(config)
  })
  beforeEach(async () => {
    t = await backend.open({ now: clock.now })
    for (const s of config.sources) await ensureSource(t.store, { id: s.id, kind: s.kind, name: s.name })
  })
  afterEach(async () => {
    await t.cleanup()
  })

  it('opens a routed ticket for a citizen post, with the reasons kept', async () => {
    await upsertPost(t.store, { sourceId: 'board', externalId: '1', ...complaint, publishedAt: '2026-12-01T01:00:00.000Z' })
    const summary = await triagePending(t.store, engine, createMatcher(engine))
    expect(summary).toMatchObject({ triaged: 1, ticketsOpened: 1 })
    const [ticket] = await listTickets(t.store)
    expect(ticket).toMatchObject({ topic: '供暖与公用事业', urgency: '特急', zoneId: 'xingjian' })
    const triaged = (await listEvents(t.store, { types: ['post.triaged'] }))[0]?.payload as { cues: string[]; community: string }
    expect(triaged.cues).toEqual(expect.arrayContaining(['独居老人']))
    expect(triaged.community).toBe('和平社区')
    const opened = (await listEvents(t.store, { types: ['ticket.opened'] }))[0]?.payload as { reasons: string[] }
    expect(opened.reasons.join(' ')).toMatch(/北厂文化小区/)
  })

  it('links the same complaint from another source to the same case, and only watches news', async () => {
    await upsertPost(t.store, { sourceId: 'board', externalId: '1', ...complaint, publishedAt: '2026-12-01T01:00:00.000Z' })
    await upsertPost(t.store, { sourceId: 'weibo', externalId: 'w1', title: complaint.title, body: `${complaint.body}！`, publishedAt: '2026-12-01T03:00:00.000Z' })
    await upsertPost(t.store, { sourceId: 'news', externalId: 'n1', title: '平房区召开供热工作会议', body: '区住建局部署今冬供热保障工作，要求各供热企业确保室温达标。', publishedAt: '2026-12-01T04:00:00.000Z' })
    const summary = await triagePending(t.store, engine, createMatcher(engine))
    expect(summary).toMatchObject({ triaged: 3, ticketsOpened: 1, duplicates: 1, watched: 1 })
    const [ticket] = await listTickets(t.store)
    expect((await ticketPosts(t.store, ticket!.id)).map((l) => l.reason)).toEqual(['opened', expect.stringMatching(/near-duplicate of post/)])
  })

  it('keeps two complaints about one estate apart when they are about different things', async () => {
    await upsertPost(t.store, { sourceId: 'board', externalId: 'light', title: '北厂文化小区没有路灯', body: '北厂文化小区院里一直没有路灯，晚上回家一路摸黑，老人摔倒过好几次。', publishedAt: '2026-12-01T01:00:00.000Z' })
    await upsertPost(t.store, { sourceId: 'board', externalId: 'water', title: '北厂文化小区水压低', body: '北厂文化小区高层住户一到用水高峰就没水，水龙头只能滴答滴答。', publishedAt: '2026-12-01T02:00:00.000Z' })
    await upsertPost(t.store, { sourceId: 'weibo', externalId: 'w-light', title: '北厂文化小区路灯', body: '网友爆料：北厂文化小区院里连个路灯都没有，晚上回家全靠手机手电筒', publishedAt: '2026-12-01T03:00:00.000Z' })
    const summary = await triagePending(t.store, engine, createMatcher(engine))
    expect(summary).toMatchObject({ triaged: 3, ticketsOpened: 2, duplicates: 1 })
    const water = summary.posts[1]!
    expect(water.outcome).toBe('opened')
    const detail = (await t.store.db.selectFrom('triage_results').select('detail').where('post_id', '=', water.postId).executeTakeFirstOrThrow()).detail
    // SimHash found the street-light post near (the estate's name weighs much); its words told them apart.
    expect(JSON.parse(detail).notDuplicates).toEqual([expect.objectContaining({ postId: summary.posts[0]!.postId, reason: expect.stringMatching(/shares \d+% of its content words/) })])
    expect(summary.posts[2]).toMatchObject({ outcome: 'duplicate', duplicateOf: summary.posts[0]!.postId })
  })

  it('is idempotent, and triages a revised post again without a second ticket', async () => {
    await upsertPost(t.store, { sourceId: 'board', externalId: '1', ...complaint })
    await triagePending(t.store, engine, createMatcher(engine))
    expect((await triagePending(t.store, engine, createMatcher(engine))).triaged).toBe(0)
    await upsertPost(t.store, { sourceId: 'board', externalId: '1', ...complaint, body: `${complaint.body}（补充：今天又停暖了）` })
    const again = await triagePending(t.store, engine, createMatcher(engine))
    expect(again).toMatchObject({ triaged: 1, attached: 1, ticketsOpened: 0 })
    expect(await listTickets(t.store)).toHaveLength(1)
    expect(await listPosts(t.store, { untriaged: true })).toHaveLength(0)
  })

  it("opens tickets for self-media appeals only (and 特急 posts); notices and thanks are watched, and staff can open one by hand", async () => {
    const posts = [
      { externalId: 'w-notice', title: '平房今天初雪啦', body: '平房今天初雪啦[雪人] 出门注意防滑，开车的朋友慢点！#平房大小事#' },
      { externalId: 'w-thanks', title: '给网格员点赞', body: '#百姓谈# 给哈南社区的网格员点赞！哈南人才公寓的问题一周就解决了[赞]' },
      { externalId: 'w-appeal', title: '兴建小区楼顶盖起了空中别墅', body: '网友爆料：兴建小区楼顶盖起了“空中别墅”，城管管不管？' },
      { externalId: 'w-gas', title: '楼道煤气味', body: '【温馨提示】兴建小区18号楼楼道一股煤气味，已经好几个小时了，燃气公司的人还没到！' },
    ]
    for (const p of posts) await upsertPost(t.store, { sourceId: 'weibo', ...p, publishedAt: '2026-12-01T01:00:00.000Z' })
    // The same kind of notice from a source configured with tickets: true opens a ticket.
    await upsertPost(t.store, { sourceId: 'official', externalId: 'o-notice', title: '【停水通知】保国小区明日停水', body: '因管线改造，保国小区明日8:00至18:00停水，请居民提前储水，敬请谅解。', publishedAt: '2026-12-01T01:00:00.000Z' })
    const summary = await triagePending(t.store, engine, createMatcher(engine))
    const outcome = new Map(summary.posts.map((p) => [String(p.postId), p]))
    const byExternal = new Map((await listPosts(t.store)).map((p) => [p.externalId, p.id]))
    const of = (ext: string) => outcome.get(String(byExternal.get(ext)))!
    expect(of('w-notice')).toMatchObject({ outcome: 'watched', ticketId: null })
    expect(of('w-notice').result.appeal).toMatchObject({ appeal: false, cues: [expect.objectContaining({ group: 'notice', cue: '初雪' })] })
    expect(of('w-thanks')).toMatchObject({ outcome: 'watched' })
    expect(of('w-appeal')).toMatchObject({ outcome: 'opened' })
    expect(of('w-gas').result.urgency.level).toBe('特急')
    expect(of('w-gas')).toMatchObject({ outcome: 'opened' }) // a notice's words, but 特急: never left without a case
    expect(of('o-notice')).toMatchObject({ outcome: 'opened' })
    expect(summary).toMatchObject({ triaged: 5, ticketsOpened: 3, watched: 2 })
    const triaged = (await listEvents(t.store, { types: ['post.triaged'] })).map((e) => e.payload as { postId: number; appeal: boolean })
    expect(triaged.find((p) => p.postId === byExternal.get('w-notice'))?.appeal).toBe(false)

    // The thanks post hides a complaint after all: staff open its case by hand, once.
    await syncConfigUsers(t.store, config)
    const thanks = byExternal.get('w-thanks')!
    const refusal = (fn: () => Promise<unknown>) => fn().then(() => undefined, (err: unknown) => err)
    expect(await refusal(() => openTicketForPost(t.store, thanks, 'zhangwei', '  '))).toBeInstanceOf(LianxinError)
    expect(String(await refusal(() => openTicketForPost(t.store, thanks, 'lina', '评论区反映')))).toMatch(/lina.*open cases|may not|role/i)
    const opened = await openTicketForPost(t.store, thanks, 'zhangwei', '评论区有居民反映公寓仍在漏水')
    expect(opened).toMatchObject({ created: true, ticket: { status: 'received', lead: of('w-thanks').result.routing.lead.id } })
    const err = await refusal(() => openTicketForPost(t.store, thanks, 'zhangwei', '再开一次'))
    expect(err).toMatchObject({ code: 'ALREADY_OPEN', message: `post ${thanks} is already in case #${opened.ticket.id}` })
    const event = (await listEvents(t.store, { types: ['ticket.opened'] })).find((e) => (e.payload as { ticketId?: number }).ticketId === opened.ticket.id || e.stream === `ticket:${opened.ticket.id}`)
    expect(JSON.stringify(event?.payload)).toContain('opened by zhangwei: 评论区有居民反映公寓仍在漏水')
  })
})
