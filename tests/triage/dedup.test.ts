import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTokenizer, type Tokenizer } from '../../classifiers/tokenize.js'
import { Corpus, articleKey } from '../../fixtures/replica/content.js'
import { BUSES, CLINICS, COMPANIES, PLACES, SCHOOLS } from '../../fixtures/replica/content/places.js'
import { upsertPost } from '../../src/store/posts.js'
import { ensureSource } from '../../src/store/sources.js'
import { DUPLICATE_DISTANCE, MemoryDuplicateIndex, StoreDuplicateIndex, contentWords, findDuplicates, postText, sameComplaint } from '../../src/triage/dedup/index.js'
import { bands, fromHex, hamming, probeRadius, simhash, toHex, type SimHash } from '../../src/triage/dedup/simhash.js'
import { backends, type TestStore } from '../helpers/stores.js'

/** The replica's places as jieba user words, as a bureau's lianxin.yaml would list its estates. */
const replicaWords = [...new Set([...PLACES.flatMap((p) => [p.street, ...p.communities, ...p.estates, ...p.roads, ...(p.villages ?? [])]), ...COMPANIES, ...SCHOOLS, ...CLINICS, ...BUSES])]
let tokenizer: Tokenizer
beforeAll(() => {
  tokenizer = createTokenizer({ userWords: replicaWords.map((word) => ({ word, tag: 'ns' })) })
})

/** A deterministic xorshift PRNG. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 0x100000000
  }
}
const randomHash = (r: () => number): SimHash => ({ hi: Math.floor(r() * 2 ** 32) >>> 0, lo: Math.floor(r() * 2 ** 32) >>> 0 })
function flip(h: SimHash, bits: number[]): SimHash {
  let { hi, lo } = h
  for (const b of bits) if (b < 32) hi ^= 1 << b
  else lo ^= 1 << (b - 32)
  return { hi: hi >>> 0, lo: lo >>> 0 }
}
function distinctBits(r: () => number, n: number): number[] {
  const set = new Set<number>()
  while (set.size < n) set.add(Math.floor(r() * 64))
  return [...set]
}

const LETTER = '我家住兴建街道北厂文化小区3号楼2单元5楼，今年10月20日正式供暖以来，家里暖气一直是温乎的，白天室温14度左右，晚上更低，老人孩子在家穿着棉袄还冷。我们多次给供热公司打电话，对方只说管网正在调试、让再等等，已经等了12天也没人上门。'

describe('SimHash', () => {
  it('puts near-identical texts a few bits apart and unrelated texts far apart', () => {
    const a = simhash(tokenizer, LETTER)
    const repost = simhash(tokenizer, `转发：${LETTER.replace('12天', '13天')}大家帮帮忙！`)
    const other = simhash(tokenizer, '新疆小学一个班五十多个孩子，教室里挤得转不开身，老师根本照顾不过来，希望教育局考虑扩建或者分流。')
    const road = simhash(tokenizer, '哈南三路路面坑洼不平，下雨天全是积水，电动车骑过去溅一身泥，希望尽快修补。')
    expect(hamming(a, a)).toBe(0)
    expect(hamming(a, repost)).toBeLessThanOrEqual(6)
    expect(hamming(a, other)).toBeGreaterThan(DUPLICATE_DISTANCE + 4)
    expect(hamming(a, road)).toBeGreaterThan(DUPLICATE_DISTANCE + 4)
  })

  it('round-trips through 16 hex digits and splits into four 16-bit bands', () => {
    const h = simhash(tokenizer, LETTER)
    expect(toHex(h)).toMatch(/^[0-9a-f]{16}$/)
    expect(fromHex(toHex(h))).toEqual(h)
    const [b0, b1, b2, b3] = bands(h)
    expect(((b0 << 16) | b1) >>> 0).toBe(h.hi)
    expect(((b2 << 16) | b3) >>> 0).toBe(h.lo)
    for (const b of bands(h)) expect(b >= 0 && b < 65536).toBe(true)
    expect(() => fromHex('xyz')).toThrow(/SimHash/)
  })

  it('pigeonhole: hashes within 3 bits share a band; probes of radius r reach 4r + 3 bits', () => {
    const r = prng(7)
    for (let i = 0; i < 2000; i++) {
      const h = randomHash(r)
      const g = flip(h, distinctBits(r, 1 + (i % 3)))
      const [x, y] = [bands(h), bands(g)]
      expect(x.some((v, k) => v === y[k])).toBe(true)
    }
    expect([3, 4, 7, 8, 11].map(probeRadius)).toEqual([0, 1, 1, 2, 2])
    const index = new MemoryDuplicateIndex()
    const hashes = Array.from({ length: 3000 }, () => randomHash(r))
    hashes.forEach((h, i) => index.insert(i + 1, 1, h))
    for (let i = 0; i < 300; i++) {
      const d = i % 12
      const q = flip(hashes[i]!, distinctBits(r, d))
      for (const max of [3, 7, 11]) {
        const found = index.lookup(q, max)
        expect(found).toEqual(index.scan(q, max))
        if (d <= max) expect(found).toContainEqual({ postId: i + 1, version: 1, distance: d })
      }
    }
  })

  it('hashes the body alone when a Weibo title is its first sentence', () => {
    expect(postText('暖气不热。', '暖气不热。家里14度')).toBe('暖气不热。家里14度')
    expect(postText('北厂文化小区暖气不热', '家里14度')).toBe('北厂文化小区暖气不热\n家里14度')
  })
})

describe.each(backends)('store-backed duplicate index on $name', (backend) => {
  let t: TestStore
  const ids: Record<string, number> = {}
  const texts: Record<string, string> = {
    letter: LETTER,
    repost: `网友爆料：${LETTER}`,
    school: '新疆小学一个班五十多个孩子，教室里挤得转不开身，老师根本照顾不过来，希望教育局考虑扩建或者分流。',
    road: '哈南三路路面坑洼不平，下雨天全是积水，电动车骑过去溅一身泥，希望尽快修补。',
  }
  beforeAll(async () => {
    t = await backend.open({ now: () => new Date('2026-11-28T08:00:00.000Z') })
    await ensureSource(t.store, { id: 'liuyan', kind: 'liuyan', name: '人民网领导留言板' })
    for (const [key, body] of Object.entries(texts)) {
      const post = await upsertPost(t.store, { sourceId: 'liuyan', externalId: key, title: key, body, publishedAt: key === 'repost' ? '2026-09-01T00:00:00.000Z' : '2026-11-27T00:00:00.000Z' })
      ids[key] = post.id
      const index = new StoreDuplicateIndex(t.store)
      await index.add(post.id, post.version, simhash(tokenizer, body))
      await index.add(post.id, post.version, simhash(tokenizer, body))
    }
  })
  afterAll(async () => t?.cleanup())

  it('keeps one row per post version, with the hex hash and its bands', async () => {
    const rows = await t.store.db.selectFrom('post_fingerprints').selectAll().orderBy('post_id').execute()
    expect(rows).toHaveLength(4)
    const h = fromHex(rows[0]!.simhash)
    expect([rows[0]!.band0, rows[0]!.band1, rows[0]!.band2, rows[0]!.band3]).toEqual([...bands(h)])
  })

  it('finds the repost and nothing unrelated, at distance 3 and at the tuned distance', async () => {
    const index = new StoreDuplicateIndex(t.store)
    const q = simhash(tokenizer, texts.letter!)
    const near = await index.candidates(q)
    expect(near[0]).toEqual({ postId: ids.letter, version: 1, distance: 0 })
    const wide = await index.candidates(q, DUPLICATE_DISTANCE)
    expect(wide.map((c) => c.postId)).toEqual([ids.letter, ids.repost])
    const dups = await findDuplicates(t.store, texts.letter!, { tokenizer, exclude: ids.letter! })
    expect(dups).toHaveLength(1)
    expect(dups[0]).toMatchObject({ postId: ids.repost, version: 1 })
    expect(dups[0]!.similarity).toBeCloseTo(1 - dups[0]!.distance / 64)
    const recent = await findDuplicates(t.store, texts.letter!, { tokenizer, exclude: ids.letter!, within: { at: new Date('2026-11-28T00:00:00.000Z'), days: 7 } })
    expect(recent).toEqual([])
  })

  it('looks up the bands through their indexes, never by scanning the table', async () => {
    if (backend.name !== 'sqlite') return
    const values = [1, 2, 3]
    const plan = await sql<{ detail: string }>`explain query plan select post_id from post_fingerprints
      where band0 in (${sql.join(values)}) or band1 in (${sql.join(values)}) or band2 in (${sql.join(values)}) or band3 in (${sql.join(values)})`.execute(t.store.db)
    const details = plan.rows.map((r) => r.detail).join('\n')
    expect(details).toMatch(/post_fingerprints_band0/)
    expect(details).not.toMatch(/^SCAN post_fingerprints$/m)
  })
})

describe('near-duplicates on the replica ground truth', () => {
  it('links reports of one issue across sources with useful precision and recall', async () => {
    const corpus = new Corpus(20261101)
    corpus.advance(10)
    type Item = { id: number; source: string; issue: string; topic: string; street: string; text: string }
    const items: Item[] = []
    const push = (source: string, truth: { issue: string; topic: string; street: string }, title: string, body: string) =>
      items.push({ id: items.length + 1, source, issue: truth.issue, topic: truth.topic, street: truth.street, text: postText(title, body) })
    for (const r of corpus.threads) push('liuyan', r.truth, r.data.subject, r.data.content)
    for (const p of corpus.weibo) push('weibo', p.truth, '', p.text)
    for (const a of corpus.wechat) push(`wechat ${articleKey(a)}`, a.truth, a.title, a.paragraphs.join('\n'))
    for (const n of corpus.news) push('news', n.truth, n.title, n.paragraphs.join('\n'))
    // Citizens' issues only: notices and service articles carry one key per publication.
    const complaints = items.filter((i) => /^(I\d+|S-)/.test(i.issue))
    const index = new MemoryDuplicateIndex()
    for (const item of complaints) await index.add(item.id, 1, simhash(tokenizer, item.text))
    const byId = new Map(complaints.map((i) => [i.id, i]))
    let positives = 0
    for (let a = 0; a < complaints.length; a++) for (let b = a + 1; b < complaints.length; b++) if (complaints[a]!.issue === complaints[b]!.issue) positives++
    let truePairs = 0
    let related = 0
    let predicted = 0
    for (const item of complaints) {
      const found = await findDuplicates(index, item.text, { tokenizer, exclude: item.id })
      for (const c of found) {
        if (c.postId < item.id) continue
        const other = byId.get(c.postId)!
        predicted++
        if (other.issue === item.issue) truePairs++
        else if (other.topic === item.topic && other.street === item.street) related++
      }
    }
    const precision = truePairs / predicted
    const lenient = (truePairs + related) / predicted
    const recall = truePairs / positives
    console.log(`replica near-duplicates at distance <= ${DUPLICATE_DISTANCE}: ${complaints.length} complaint items, ${positives} same-issue pairs, ` +
      `${predicted} linked; precision ${precision.toFixed(2)} (same topic and street: ${lenient.toFixed(2)}), recall ${recall.toFixed(2)}`)
    expect(positives).toBeGreaterThan(50)
    expect(precision).toBeGreaterThanOrEqual(0.3)
    expect(lenient).toBeGreaterThanOrEqual(0.6)
    expect(recall).toBeGreaterThanOrEqual(0.3)

    // What triage links in the end: SimHash's candidates that share enough content words.
    const words = new Map(complaints.map((i) => [i.id, contentWords(tokenizer, i.text, replicaWords.filter((w) => i.text.includes(w)))]))
    let kept = 0
    let keptTrue = 0
    for (const item of complaints) {
      const found = (await findDuplicates(index, item.text, { tokenizer, exclude: item.id })).filter((c) => c.postId > item.id)
      for (const c of sameComplaint(found, words.get(item.id)!, words).kept) {
        kept++
        if (byId.get(c.postId)!.issue === item.issue) keptTrue++
      }
    }
    const guarded = { precision: keptTrue / kept, recall: keptTrue / positives }
    console.log(`after the content check: ${kept} linked; precision ${guarded.precision.toFixed(2)}, recall ${guarded.recall.toFixed(2)}`)
    expect(guarded.precision).toBeGreaterThanOrEqual(precision + 0.1)
    expect(keptTrue).toBeGreaterThanOrEqual(truePairs * 0.8)
  })
})
