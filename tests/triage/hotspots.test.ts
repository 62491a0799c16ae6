import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTokenizer, type Tokenizer } from '../../classifiers/tokenize.js'
import { upsertPost } from '../../src/store/posts.js'
import { ensureSource } from '../../src/store/sources.js'
import { StoreDuplicateIndex } from '../../src/triage/dedup/index.js'
import { HOTSPOT_WEIGHTS, engagementOf, findHotspots, findHotspotsIn, type HotspotPost } from '../../src/triage/hotspots.js'
import { Store } from '../../src/store/store.js'
import type { HotspotsResult } from '../../commands/hotspots.js'
import { runCli } from '../helpers/cli.js'
import { sqliteBackend, type TestStore } from '../helpers/stores.js'

const NOW = new Date('2026-11-28T08:00:00.000Z')
const DAY = 86_400_000
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString()

let tokenizer: Tokenizer
beforeAll(() => {
  tokenizer = createTokenizer({ userWords: ['北厂文化小区', '宝融福园小区', '碧水湾小区', '和平社区', '新伟社区'].map((word) => ({ word })) })
})

let nextId = 1
/** A post with distinct wording (so that only topic and place can join it to others). */
function post(fields: Partial<HotspotPost> & { topic: string; community: string | null }, n = nextId): HotspotPost {
  nextId = Math.max(nextId, n) + 1
  const words = ['暖气', '漏雨', '路灯', '垃圾', '噪音', '停车', '物业', '积水', '井盖', '电梯', '外墙', '绿化', '健身', '广场舞', '快递', '充电']
  const pick = (k: number) => words[(n * 7 + k * 3) % words.length]!
  return {
    id: n,
    title: `第${n}号反映：${pick(0)}${pick(1)}`,
    body: `编号${n}，${pick(2)}问题和${pick(3)}问题，住户${n * 13}号的情况说明${n * 31}。`,
    at: ago(1),
    zoneId: 'xingjian',
    urgency: '一般',
    metrics: {},
    source: 'liuyan',
    ...fields,
  }
}
const many = (count: number, fields: Partial<HotspotPost> & { topic: string; community: string | null }) => Array.from({ length: count }, () => post(fields))

describe('findHotspotsIn (pure)', () => {
  it('ranks by size, growth, engagement and urgency, and reports the parts of the score', () => {
    const posts = [
      ...many(5, { topic: '供暖', community: 'A-big' }),
      ...many(2, { topic: '供暖', community: 'B-small' }),
      ...many(3, { topic: '物业', community: 'C-growing' }),
      ...many(3, { topic: '物业', community: 'D-steady' }),
      ...many(3, { topic: '物业', community: 'D-steady', at: ago(10) }),
      ...many(2, { topic: '噪音', community: 'E-engaged', metrics: { reposts: 400, comments: 300, likes: 290, favNum: 9 } }),
      ...many(2, { topic: '噪音', community: 'F-quiet' }),
      post({ topic: '燃气', community: 'G-urgent', urgency: '特急' }),
      post({ topic: '燃气', community: 'G-urgent' }),
      ...many(2, { topic: '燃气', community: 'H-calm' }),
    ]
    const hotspots = findHotspotsIn(posts, { days: 7, now: NOW, tokenizer })
    const rank = (c: string) => hotspots.findIndex((h) => h.place.community === c)
    expect(rank('A-big')).toBeLessThan(rank('B-small'))
    expect(rank('C-growing')).toBeLessThan(rank('D-steady'))
    expect(rank('E-engaged')).toBeLessThan(rank('F-quiet'))
    expect(rank('G-urgent')).toBeLessThan(rank('H-calm'))

    const steady = hotspots[rank('D-steady')]!
    expect(steady).toMatchObject({ postCount: 3, previousCount: 3, growth: 0, topic: '物业', place: { zoneId: 'xingjian', community: 'D-steady' } })
    expect(steady.score.growth).toBe(0)
    const growing = hotspots[rank('C-growing')]!
    expect(growing).toMatchObject({ postCount: 3, previousCount: 0, growth: 3 })
    expect(growing.score.growth).toBeCloseTo(HOTSPOT_WEIGHTS.growth * Math.log2(4))
    expect(growing.score.size).toBeCloseTo(HOTSPOT_WEIGHTS.size * 2)
    const engaged = hotspots[rank('E-engaged')]!
    expect(engaged.engagement).toBe(2 * 999)
    expect(engaged.score.engagement).toBeCloseTo(HOTSPOT_WEIGHTS.engagement * Math.log10(1 + 1998))
    const urgent = hotspots[rank('G-urgent')]!
    expect(urgent).toMatchObject({ urgent: 1 })
    expect(urgent.score.urgency).toBeCloseTo(2 + 0.5)
    for (const h of hotspots) expect(h.score.total).toBeCloseTo(h.score.size + h.score.growth + h.score.engagement + h.score.urgency)
    expect(hotspots.map((h) => h.score.total)).toEqual([...hotspots.map((h) => h.score.total)].sort((a, b) => b - a))
  })

  it('keeps to the window: older posts only count as the previous window, later ones not at all; minSize and limit apply', () => {
    const posts = [
      post({ topic: '供暖', community: 'W', at: ago(0.5) }),
      post({ topic: '供暖', community: 'W', at: ago(6.9) }),
      post({ topic: '供暖', community: 'W', at: ago(8) }),
      post({ topic: '供暖', community: 'W', at: ago(20) }),
      post({ topic: '供暖', community: 'W', at: new Date(NOW.getTime() + DAY).toISOString() }),
      post({ topic: '供暖', community: 'Old', at: ago(9) }),
      post({ topic: '供暖', community: 'Old', at: ago(10) }),
    ]
    const [w, ...rest] = findHotspotsIn(posts, { days: 7, now: NOW, tokenizer })
    expect(rest).toEqual([])
    expect(w).toMatchObject({ postCount: 2, previousCount: 1, firstSeen: ago(6.9), lastSeen: ago(0.5) })
    expect(findHotspotsIn(posts, { days: 7, now: NOW, tokenizer, minSize: 3 })).toEqual([])
    expect(findHotspotsIn(posts, { days: 30, now: NOW, tokenizer, minSize: 2 }).map((h) => h.postCount).sort()).toEqual([2, 4])
    expect(findHotspotsIn(posts, { days: 30, now: NOW, tokenizer, limit: 1 })).toHaveLength(1)
  })

  it('joins a repost without a place to its complaint, but not the same letter about another estate', () => {
    const letter = '北厂文化小区3号楼从供暖开始暖气就不热，室温只有14度，老人孩子穿着棉袄还冷，给供热公司打了12天电话没人上门，请领导帮忙解决。'
    const posts: HotspotPost[] = [
      post({ topic: '供暖', community: '北厂社区', title: '北厂文化小区暖气不热', body: letter }, 101),
      post({ topic: '供暖', community: null, zoneId: null, source: 'weibo', title: '', body: `#平房大小事# ${letter}`, metrics: { likes: 50 } }, 102),
      post({ topic: '供暖', community: '北厂社区', title: '北厂文化小区供热温度太低', body: '北厂文化小区5号楼暖气温乎的，测温只有15度。' }, 103),
      post({ topic: '供暖', community: '碧水湾社区', zoneId: 'xinjiang', title: '碧水湾小区暖气不热', body: letter.replace('北厂文化小区', '碧水湾小区') }, 104),
      post({ topic: '供暖', community: '碧水湾社区', zoneId: 'xinjiang', title: '碧水湾小区供热太差', body: '碧水湾小区暖气就没热过，家里只有13度。' }, 105),
    ]
    const hotspots = findHotspotsIn(posts, { days: 7, now: NOW, tokenizer })
    expect(hotspots.map((h) => h.postIds)).toEqual(expect.arrayContaining([[101, 102, 103], [104, 105]]))
    const beichang = hotspots.find((h) => h.postIds.includes(101))!
    expect(beichang.sources).toEqual({ liuyan: 2, weibo: 1 })
    expect(beichang.place).toEqual({ zoneId: 'xingjian', community: '北厂社区' })
  })

  it('picks three distinct representative titles: the most central posts and the most engaged one', () => {
    const base = '宝融福园小区地下室返水严重，储藏室的东西全泡了，物业说是市政管网的问题，市政说是小区内部管道的问题，互相推诿。'
    const posts = [
      post({ topic: '城乡建设', community: '和平社区', title: '宝融福园小区地下室返水严重', body: base }, 201),
      post({ topic: '城乡建设', community: '和平社区', title: '宝融福园小区地下室返水严重', body: `${base}请尽快处理。` }, 202),
      post({ topic: '城乡建设', community: '和平社区', title: '请帮忙解决宝融福园小区地下室积水', body: `${base}已经三天了。` }, 203),
      post({ topic: '城乡建设', community: '和平社区', title: '地下室又泡了', body: '宝融福园小区地下室又返水了，东西全泡汤', metrics: { reposts: 1000 } }, 204),
      post({ topic: '城乡建设', community: '和平社区', title: '关于宝融福园的求助', body: '家里停车位被占，找物业没人管，宝融福园小区停车乱。' }, 205),
    ]
    const [h] = findHotspotsIn(posts, { days: 7, now: NOW, tokenizer })
    expect(h!.postCount).toBe(5)
    expect(h!.titles).toHaveLength(3)
    expect(new Set(h!.titles).size).toBe(3)
    // The first is one of the three versions of the same letter, the most central posts.
    expect(['宝融福园小区地下室返水严重', '请帮忙解决宝融福园小区地下室积水']).toContain(h!.titles[0])
    expect(h!.titles).toContain('地下室又泡了')
    expect(h!.titles).not.toContain('关于宝融福园的求助')
    expect(engagementOf({ reposts: 2, comments: 3, likes: 4, favNum: 1, views: 1000 })).toBe(10)
  })
})

describe('findHotspots on a store', () => {
  let t: TestStore
  beforeAll(async () => {
    t = await sqliteBackend.open({ now: () => NOW })
    await ensureSource(t.store, { id: 'liuyan', kind: 'liuyan', name: '人民网领导留言板' })
    await ensureSource(t.store, { id: 'weibo', kind: 'weibo', name: '平房大小事' })
  })
  afterAll(async () => t?.cleanup())

  it('reads the posts of the window, their latest triage result and their stored fingerprints', async () => {
    const add = async (sourceId: string, externalId: string, title: string, body: string, publishedAt: string, metrics: Record<string, number> = {}) =>
      (await upsertPost(t.store, { sourceId, externalId, title, body, publishedAt, metrics })).id
    const a = await add('liuyan', '1', '新伟小区物业收费不服务', '新伟小区物业一年收着物业费什么事都不干。', ago(1), { favNum: 3 })
    const b = await add('liuyan', '2', '新伟小区物业擅自涨价', '新伟小区物业费从每平米1.2元涨到1.8元。', ago(2))
    const c = await add('weibo', '3', '转发', '转发微博', ago(1), { reposts: 10, comments: 5, likes: 20 })
    const d = await add('liuyan', '4', '老帖子', '新伟小区物业问题。', ago(30))
    const triage = (postId: number, version: number, topic: string, urgency: string, community: string | null) =>
      t.store.db.insertInto('triage_results').values({
        post_id: postId, version, at: NOW.toISOString(), model: 'test', topic, topic_score: 0.9, urgency, urgency_score: 0.5,
        zone_id: community ? 'xinwei' : null, community, lead: 'xinwei', detail: '{}',
      }).execute()
    await triage(a, 1, '城乡建设', '一般', null)
    await triage(a, 2, '城乡建设', '紧急', '新伟社区')
    await triage(b, 1, '城乡建设', '一般', '新伟社区')
    await triage(d, 1, '城乡建设', '一般', '新伟社区')
    // The repost says nothing a tokenizer could link; its stored fingerprint equals the first post's.
    const index = new StoreDuplicateIndex(t.store)
    const same = { hi: 0x12345678, lo: 0x9abcdef0 }
    await index.add(a, 1, same)
    await index.add(c, 1, same)

    const [h, ...rest] = await findHotspots(t.store, { days: 7, tokenizer })
    expect(rest).toEqual([])
    expect(h).toMatchObject({
      topic: '城乡建设', place: { zoneId: 'xinwei', community: '新伟社区' }, postCount: 3, previousCount: 0,
      sources: { liuyan: 2, weibo: 1 }, urgent: 1, engagement: 38, firstSeen: ago(2), lastSeen: ago(1),
    })
    expect(h!.postIds.sort()).toEqual([a, b, c].sort())
    expect(await findHotspots(t.store, { days: 7, tokenizer, minSize: 4 })).toEqual([])
  })
})

describe('lianxin hotspots', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lianxin-hotspots-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('prints the hotspots for people and returns them with --json', async () => {
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0)
    const store = await Store.open({ url: `sqlite:${join(dir, 'lianxin.sqlite')}` })
    try {
      await ensureSource(store, { id: 'liuyan', kind: 'liuyan', name: '人民网领导留言板' })
      const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString()
      for (const [n, title] of ['北厂文化小区暖气不热', '北厂文化小区供热温度太低', '北厂文化小区3号楼室温只有14度'].entries()) {
        const { id } = await upsertPost(store, { sourceId: 'liuyan', externalId: String(n), title, body: `${title}，请帮忙解决。`, publishedAt: hoursAgo(5 + n) })
        await store.db.insertInto('triage_results').values({
          post_id: id, version: 1, at: hoursAgo(1), model: 'test', topic: '城乡建设', topic_score: 0.9, urgency: n === 0 ? '紧急' : '一般', urgency_score: 0.5,
          zone_id: 'xingjian', community: '和平社区', lead: 'xingjian', detail: '{}',
        }).execute()
      }
    } finally {
      await store.close()
    }
    const json = await runCli(['hotspots', '--json', '--days', '3'], { cwd: dir })
    expect(json.code, json.stderr).toBe(0)
    const result = json.json<HotspotsResult>()
    expect(result).toMatchObject({ days: 3, minSize: 2 })
    expect(result.hotspots).toHaveLength(1)
    expect(result.hotspots[0]).toMatchObject({ topic: '城乡建设', place: { zoneId: 'xingjian', community: '和平社区' }, postCount: 3, urgent: 1, sources: { liuyan: 3 } })
    expect(result.hotspots[0]!.titles).toHaveLength(3)
    const text = await runCli(['hotspots', '--days', '3'], { cwd: dir })
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/城乡建设 · 兴建街道 和平社区/)
    expect(text.stdout).toMatch(/· 北厂文化小区暖气不热/)
    expect((await runCli(['hotspots', '--min-size', '4'], { cwd: dir })).stdout).toMatch(/No hotspots in the last 7 days/)
  })
})
