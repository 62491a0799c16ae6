/**
 * Hotspots on real messages: the 4,306 unlabelled messages of the 2020 Teddy Cup problem C
 * (a provincial 问政 board, places anonymised as A市, A3区…), read from /work/shared/datasets
 * (never copied into the repository, never used by `npm test`). Topics and urgency come from
 * the shipped triage (default topic model and urgency lexicon), places from the anonymised names in the text, likes are
 * the engagement. Prints the top 10 hotspots with sizes and representative titles, and the time
 * of the LSH clustering against brute-force pairwise clustering of the same fingerprints,
 * measured in the same run.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createTokenizer } from '../classifiers/tokenize.js'
import { parseConfig } from '../src/config/load.js'
import { packagePath } from '../src/paths.js'
import { triage as triagePost } from '../src/triage/engine.js'
import { createEngine } from '../src/triage/factory.js'
import { DUPLICATE_DISTANCE, MemoryDuplicateIndex, postText } from '../src/triage/dedup/index.js'
import { hamming, simhash, type SimHash } from '../src/triage/dedup/simhash.js'
import { findHotspotsIn, type HotspotPost } from '../src/triage/hotspots.js'
import { line, measure, rate, ratio, verdict } from './measure.js'

const FILE = join(process.env.LIANXIN_DATASETS ?? '/work/shared/datasets', 'teddy2020c', 'hotspot_messages.jsonl')

interface Message {
  id: string
  user: string
  title: string
  body: string
  time: string
  likes: number
  dislikes: number
}

const ZONE_RE = /[A-Z]\d+(?:区|县|市)/u
// Where a place name may start: the beginning, after an (anonymised) district, punctuation or a
// verb of petitioning. A name is the shortest run of 2–8 characters ending in an estate suffix.
const BOUNDARY = /[A-Z]\d*[市区县]|西地省|[\s，。！？、,.!?；;：:（）()“”"《》]|关于|反映|投诉|咨询|请问|建议|举报|希望|要求|以及|但是|而且|街道|请|在|的|及|但|对|镇|乡/u
const NAME = /^([\u4e00-\u9fa5]{1,8}?(?:小区|花园|家园|新城|公寓|山庄|苑|广场|大厦|学院|大学|中学|小学|幼儿园|医院|社区|村))/u
const GENERIC = /^(?:我们|我家|你们|他们|本|该|此|这个|那个|所在|整个|附近|周边|各|全市|本市|农村|城乡|老旧|新建|多个|一个|大型|安置)/u

/** Zone and estate as anonymised in the text: "A5区", "魅力之城小区" (title first, then body). */
function placeOf(title: string, body: string): { zoneId: string | null; community: string | null } {
  const zone = ZONE_RE.exec(title)?.[0] ?? ZONE_RE.exec(body)?.[0] ?? null
  for (const text of [title, body]) {
    for (const segment of text.split(BOUNDARY)) {
      const name = NAME.exec(segment)?.[1]
      if (name && name.length >= 3 && !GENERIC.test(name)) return { zoneId: zone, community: name }
    }
  }
  return { zoneId: zone, community: null }
}

/** Near-duplicate components through the LSH index (insert, then look up every fingerprint). */
function lshComponents(hashes: readonly SimHash[], maxDistance: number): number {
  const parent = hashes.map((_, i) => i)
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)))
  const index = new MemoryDuplicateIndex()
  hashes.forEach((h, i) => {
    for (const c of index.lookup(h, maxDistance)) parent[find(i)] = find(c.postId)
    index.insert(i, 0, h)
  })
  return new Set(hashes.map((_, i) => find(i))).size
}

/** Brute-force near-duplicate components: every pair compared. */
function pairwiseComponents(hashes: readonly SimHash[], maxDistance: number): number {
  const parent = hashes.map((_, i) => i)
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)))
  for (let i = 0; i < hashes.length; i++) {
    for (let j = i + 1; j < hashes.length; j++) {
      if (hamming(hashes[i]!, hashes[j]!) <= maxDistance) parent[find(j)] = find(i)
    }
  }
  return new Set(hashes.map((_, i) => find(i))).size
}

export async function hotspotsTeddyBench(): Promise<string[]> {
  if (!existsSync(FILE)) return [`SKIP  ${FILE} not found (set LIANXIN_DATASETS)`]
  const messages = readFileSync(FILE, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Message)
  const config = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
  const tokenizer = createTokenizer()
  const hashing = await measure(async () => messages.map((m) => simhash(tokenizer, postText(m.title, m.body))))
  const hashes = hashing.value
  const engine = await createEngine(config)
  const posts: HotspotPost[] = messages.map((m, i) => {
    const result = triagePost(engine, { title: m.title, body: m.body }, new Date(`${m.time.replace(' ', 'T')}+08:00`))
    const triage = { topic: result.topic.label, urgency: result.urgency.level }
    return {
      id: Number(m.id),
      title: m.title,
      body: m.body,
      at: new Date(`${m.time.replace(' ', 'T')}+08:00`).toISOString(),
      topic: triage.topic,
      ...placeOf(m.title, m.body),
      urgency: triage.urgency,
      metrics: { likes: m.likes },
      source: 'teddy',
      simhash: hashes[i]!,
    }
  })
  const last = Math.max(...posts.map((p) => Date.parse(p.at)))
  const now = new Date(last + 1000)
  // The whole file (one window of 400 days), then the last 30 days against the 30 before.
  const all = await measure(async () => findHotspotsIn(posts, { days: 400, now, minSize: 2 }))
  const month = findHotspotsIn(posts, { days: 30, now, minSize: 2, limit: 5 })
  const lsh = await measure(async () => lshComponents(hashes, DUPLICATE_DISTANCE))
  const brute = await measure(async () => pairwiseComponents(hashes, DUPLICATE_DISTANCE))
  const out = [
    line('teddy: messages', { count: messages.length, 'fingerprints/s': rate(messages.length, hashing.ms), 'hash ms': hashing.ms.toFixed(0) }),
    line('teddy: near-duplicate groups (LSH)', { ms: lsh.ms.toFixed(1), groups: lsh.value, [`distance <=`]: DUPLICATE_DISTANCE }),
    line('teddy: baseline (pairwise)', { ms: brute.ms.toFixed(1), groups: brute.value }),
    verdict(lsh.value === brute.value, `LSH finds the same ${lsh.value} groups as comparing all pairs, ${ratio(brute.ms, lsh.ms)} the speed`),
    line('teddy: hotspots (whole file)', { ms: all.ms.toFixed(0), hotspots: all.value.length, 'posts in hotspots': all.value.reduce((s, h) => s + h.postCount, 0) }),
    'top 10 hotspots over the whole file (score = size + growth + 0.5·engagement + urgency):',
  ]
  all.value.slice(0, 10).forEach((h, k) => {
    const place = [h.place.zoneId, h.place.community].filter(Boolean).join(' ') || '(no place)'
    out.push(`${String(k + 1).padStart(2)}. ${h.postCount} posts  ${h.topic ?? '?'} @ ${place}  likes ${h.engagement}  urgent ${h.urgent}  score ${h.score.total.toFixed(2)}  ${h.firstSeen.slice(0, 10)}..${h.lastSeen.slice(0, 10)}`)
    for (const title of h.titles) out.push(`      · ${title}`)
  })
  out.push(`top 5 of the last 30 days (growth against the 30 days before), ending ${now.toISOString().slice(0, 10)}:`)
  for (const h of month) {
    out.push(`    ${h.postCount} posts (${h.previousCount} before)  ${h.topic ?? '?'} @ ${[h.place.zoneId, h.place.community].filter(Boolean).join(' ') || '-'}  score ${h.score.total.toFixed(2)}  ${h.titles[0] ?? ''}`)
  }
  return out
}
