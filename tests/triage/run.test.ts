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
import { backends, manualClock, type TestStore } from '../helpers/stores.js'

const profile = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
const config: LianxinConfig = {
  ...profile,
  sources: [
    { id: 'board', kind: 'liuyan', name: '留言板', enabled: true, schedule: '*/30 * * * *', options: {} },
    { id: 'weibo', kind: 'weibo', name: '微博', enabled: true, schedule: '*/30 * * * *', options: {} },
    { id: 'news', kind: 'rss', name: '新闻', enabled: true, schedule: '0 * * * *', url: 'http://127.0.0.1/rss.xml', options: {} },
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
})
