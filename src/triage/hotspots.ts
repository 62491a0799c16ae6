/**
 * Hotspots (热点): clusters of posts about one problem in one place within a time window, so
 * that one complaint leads to its siblings across the district (举一反三). Posts are joined when
 * they are near-duplicates (SimHash, {@link DUPLICATE_DISTANCE}) or share a topic and a
 * community (a zone alone is too wide: a street's heating complaints are not one problem); the
 * clusters are ranked by a score of size, growth, engagement and urgency.
 */
import { createTokenizer, type Tokenizer } from '../../classifiers/tokenize.js'
import type { Session } from '../store/session.js'
import { toPost } from '../store/posts.js'
import { DUPLICATE_DISTANCE, MemoryDuplicateIndex, postText } from './dedup/index.js'
import { fromHex, hamming, simhash, type SimHash } from './dedup/simhash.js'

/** One post as the hotspot finder sees it (from the store, or from any other data). */
export interface HotspotPost {
  id: number
  title: string
  body: string
  /** Published (or first seen) at, ISO-8601. */
  at: string
  topic: string | null
  zoneId: string | null
  community: string | null
  /** Triage urgency: 特急, 紧急 or 一般. */
  urgency: string | null
  /** Engagement counts: reposts, comments, likes, favNum (others are ignored). */
  metrics: Record<string, number>
  source: string
  /** The post's SimHash, if already computed (else it is computed from title and body). */
  simhash?: SimHash
}

export interface HotspotOptions {
  /** Length of the window in days; the previous window of the same length gives the growth. */
  days: number
  /** End of the window. @default the session's clock (store), the current time (pure) */
  now?: Date
  /** Fewest posts in the window for a cluster to count as a hotspot. @default 2 */
  minSize?: number
  /** Most hotspots returned. @default all */
  limit?: number
  /** For posts without a fingerprint; should be the one the fingerprints were made with. */
  tokenizer?: Tokenizer
  /** Near-duplicate distance that merges posts. @default {@link DUPLICATE_DISTANCE} */
  maxDistance?: number
}

/** The parts of a hotspot's score (already multiplied by {@link HOTSPOT_WEIGHTS}); `total` is their sum. */
export interface HotspotScore {
  total: number
  size: number
  growth: number
  engagement: number
  urgency: number
}

export interface Hotspot {
  /** Stable within a run: `h` + the smallest post id of the cluster. */
  key: string
  /** The most frequent topic of the posts (null when none was triaged). */
  topic: string | null
  /** The most frequent place of the posts. */
  place: { zoneId: string | null; community: string | null }
  /** Posts in the window. */
  postCount: number
  /** Posts of the same cluster in the previous window. */
  previousCount: number
  /** (postCount − previousCount) / max(previousCount, 1). */
  growth: number
  /** Sum of reposts, comments, likes and favNum over the window's posts. */
  engagement: number
  /** Posts triaged 特急 or 紧急. */
  urgent: number
  sources: Record<string, number>
  firstSeen: string
  lastSeen: string
  score: HotspotScore
  /** Up to 3 distinct titles: the most central posts (smallest mean SimHash distance) and the most engaged. */
  titles: string[]
  /** The window's posts, oldest first. */
  postIds: number[]
}

/**
 * Score = size + growth + engagement + urgency, each part weighted:
 * - size: log2(1 + posts in the window) — 1 post 1.0, 3 posts 2.0, 15 posts 4.0;
 * - growth: log2((posts + 1) / (previous-window posts + 1)), clamped to [−2, 3] — a cluster that
 *   went from 0 to 3 posts gains 2, a steady one 0, a fading one loses up to 2;
 * - engagement: log10(1 + reposts + comments + likes + favNum), × 0.5 — 1,000 interactions ≈ 1.5;
 * - urgency: 2 if any post is 特急, else 1 if any is 紧急, plus the share of posts at 紧急 or above.
 */
export const HOTSPOT_WEIGHTS = { size: 1, growth: 1, engagement: 0.5, urgency: 1 } as const

const ENGAGEMENT_KEYS = ['reposts', 'comments', 'likes', 'favNum'] as const
const URGENCY_LEVEL: Record<string, number> = { 特急: 2, 紧急: 1 }
const DAY_MS = 86_400_000

/** Engagement of one post: reposts + comments + likes + favNum. */
export function engagementOf(metrics: Record<string, number>): number {
  return ENGAGEMENT_KEYS.reduce((sum, key) => sum + (Number.isFinite(metrics[key]) && metrics[key]! > 0 ? metrics[key]! : 0), 0)
}

/** The hotspots of a set of posts (pure: no store), best first. */
export function findHotspotsIn(posts: readonly HotspotPost[], options: HotspotOptions): Hotspot[] {
  const end = (options.now ?? new Date()).getTime()
  const start = end - options.days * DAY_MS
  const before = start - options.days * DAY_MS
  const inRange = posts.filter((p) => {
    const t = Date.parse(p.at)
    return t > before && t <= end
  })
  let tokenizer = options.tokenizer
  const hashes = inRange.map((p) => p.simhash ?? simhash((tokenizer ??= createTokenizer()), postText(p.title, p.body)))

  // Union-find over the posts. Each root keeps the communities and zones of its cluster: two
  // clusters in different places are never merged by wording alone (the same letter about
  // another estate is a sibling complaint, not the same one), so chains stay in one place.
  const parent = inRange.map((_, i) => i)
  const places = inRange.map((p) => ({ communities: new Set(p.community ? [p.community] : []), zones: new Set(p.zoneId ? [p.zoneId] : []) }))
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!
    return i
  }
  const union = (a: number, b: number, checkPlace: boolean) => {
    const [x, y] = [find(a), find(b)].sort((m, n) => m - n) as [number, number]
    if (x === y) return
    const [px, py] = [places[x]!, places[y]!]
    if (checkPlace && (apart(px.communities, py.communities, true) || apart(px.zones, py.zones, false))) return
    parent[y] = x
    for (const c of py.communities) px.communities.add(c)
    for (const z of py.zones) px.zones.add(z)
  }
  // Same topic, same community: one cluster per (topic, community), then the communities of a
  // topic whose names nest (魅力之城小区 in 劳动东路魅力之城小区, five characters or more).
  const byPlace = new Map<string, Map<string, number>>()
  inRange.forEach((p, i) => {
    if (!p.topic || !p.community) return
    const names = byPlace.get(p.topic) ?? byPlace.set(p.topic, new Map()).get(p.topic)!
    const first = names.get(p.community)
    if (first === undefined) names.set(p.community, i)
    else union(first, i, false)
  })
  for (const names of byPlace.values()) {
    const list = [...names.keys()].filter((n) => n.length >= 5)
    for (const a of list) for (const b of list) if (a !== b && a.includes(b)) union(names.get(a)!, names.get(b)!, false)
  }
  const index = new MemoryDuplicateIndex()
  hashes.forEach((h, i) => {
    for (const c of index.lookup(h, options.maxDistance ?? DUPLICATE_DISTANCE)) union(i, c.postId, true)
    index.insert(i, 0, h)
  })

  const clusters = new Map<number, number[]>()
  inRange.forEach((_, i) => (clusters.get(find(i)) ?? clusters.set(find(i), []).get(find(i))!).push(i))
  const hotspots: Hotspot[] = []
  for (const members of clusters.values()) {
    const current = members.filter((i) => Date.parse(inRange[i]!.at) > start)
    if (current.length < (options.minSize ?? 2)) continue
    hotspots.push(describe(current, members.length - current.length, inRange, hashes))
  }
  hotspots.sort((a, b) => b.score.total - a.score.total || b.postCount - a.postCount || b.lastSeen.localeCompare(a.lastSeen) || a.key.localeCompare(b.key))
  return options.limit === undefined ? hotspots : hotspots.slice(0, options.limit)
}

function describe(current: number[], previousCount: number, posts: readonly HotspotPost[], hashes: readonly SimHash[]): Hotspot {
  const members = current.map((i) => posts[i]!).sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id)
  const n = members.length
  const engagement = members.reduce((sum, p) => sum + engagementOf(p.metrics), 0)
  const levels = members.map((p) => URGENCY_LEVEL[p.urgency ?? ''] ?? 0)
  const urgent = levels.filter((l) => l > 0).length
  const w = HOTSPOT_WEIGHTS
  const parts = {
    size: w.size * Math.log2(1 + n),
    growth: w.growth * Math.min(3, Math.max(-2, Math.log2((n + 1) / (previousCount + 1)))),
    engagement: w.engagement * Math.log10(1 + engagement),
    urgency: w.urgency * (Math.max(0, ...levels) + urgent / n),
  }
  const sources: Record<string, number> = {}
  for (const p of members) sources[p.source] = (sources[p.source] ?? 0) + 1
  const place = majority(members.map((p) => (p.zoneId || p.community ? JSON.stringify([p.zoneId, p.community]) : null)))
  const [zoneId, community] = place ? (JSON.parse(place) as [string | null, string | null]) : [null, null]
  return {
    key: `h${Math.min(...members.map((p) => p.id))}`,
    topic: majority(members.map((p) => p.topic)),
    place: { zoneId, community },
    postCount: n,
    previousCount,
    growth: (n - previousCount) / Math.max(previousCount, 1),
    engagement,
    urgent,
    sources,
    firstSeen: members[0]!.at,
    lastSeen: members[n - 1]!.at,
    score: { total: parts.size + parts.growth + parts.engagement + parts.urgency, ...parts },
    titles: representativeTitles(current, posts, hashes),
    postIds: members.map((p) => p.id),
  }
}

/**
 * Two known places that are not the same: both sets non-empty and no name of one equal to (or,
 * with `nested`, contained in) a name of the other — 魅力之城小区 and 劳动东路魅力之城小区 are one place.
 */
function apart(a: ReadonlySet<string>, b: ReadonlySet<string>, nested: boolean): boolean {
  if (a.size === 0 || b.size === 0) return false
  for (const x of a) for (const y of b) if (x === y || (nested && (x.includes(y) || y.includes(x)))) return false
  return true
}

/** The most frequent non-null value (ties: the first seen). */
function majority(values: ReadonlyArray<string | null>): string | null {
  const counts = new Map<string, number>()
  let best: string | null = null
  for (const v of values) {
    if (v === null) continue
    const c = (counts.get(v) ?? 0) + 1
    counts.set(v, c)
    if (best === null || c > (counts.get(best) ?? 0)) best = v
  }
  return best
}

function titleOf(post: HotspotPost): string {
  const title = post.title.trim()
  if (title !== '') return title
  const chars = [...post.body.trim()]
  return chars.length <= 40 ? chars.join('') : `${chars.slice(0, 39).join('')}…`
}

/** A title without punctuation and spaces, to spot one title repeated inside another. */
function bare(title: string): string {
  return title.replace(/[^\p{L}\p{N}]/gu, '')
}

/** Alternates the most central posts and the most engaged ones, skipping repeated titles. */
function representativeTitles(current: number[], posts: readonly HotspotPost[], hashes: readonly SimHash[]): string[] {
  // Centrality over at most 200 members (a sample keeps huge clusters cheap; ids break ties).
  const sample = current.length <= 200 ? current : current.filter((_, k) => k % Math.ceil(current.length / 200) === 0)
  const spread = (i: number) => sample.reduce((sum, j) => sum + hamming(hashes[i]!, hashes[j]!), 0)
  const central = current.map((i) => ({ i, d: spread(i) })).sort((a, b) => a.d - b.d || posts[a.i]!.id - posts[b.i]!.id).map((x) => x.i)
  const engaged = [...current].sort((a, b) => engagementOf(posts[b]!.metrics) - engagementOf(posts[a]!.metrics) || posts[a]!.id - posts[b]!.id)
  const titles: string[] = []
  for (let k = 0; k < current.length && titles.length < 3; k++) {
    for (const i of [central[k]!, engaged[k]!]) {
      const title = titleOf(posts[i]!)
      const key = bare(title)
      if (titles.length < 3 && !titles.some((t) => bare(t).includes(key) || key.includes(bare(t)))) titles.push(title)
    }
  }
  return titles
}

/**
 * The hotspots of the store's posts in the last `days` (against the `days` before for growth):
 * posts by publication time (else first seen), their latest triage result (topic, urgency,
 * zone, community) and the fingerprint of their current version (computed when missing).
 */
export async function findHotspots(session: Session, options: HotspotOptions): Promise<Hotspot[]> {
  const now = options.now ?? session.now()
  const from = new Date(now.getTime() - 2 * options.days * DAY_MS - DAY_MS).toISOString()
  const rows = await session.db
    .selectFrom('posts')
    .selectAll()
    .where((eb) => eb.or([eb('published_at', '>=', from), eb.and([eb('published_at', 'is', null), eb('first_seen_at', '>=', from)])]))
    .orderBy('id')
    .execute()
  const ids = rows.map((r) => r.id)
  const triage = new Map<number, { version: number; topic: string; urgency: string; zone_id: string | null; community: string | null }>()
  const prints = new Map<number, { version: number; simhash: string }[]>()
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500)
    const results = await session.db.selectFrom('triage_results').select(['post_id', 'version', 'topic', 'urgency', 'zone_id', 'community']).where('post_id', 'in', chunk).execute()
    for (const r of results) {
      const seen = triage.get(Number(r.post_id))
      if (!seen || r.version > seen.version) triage.set(Number(r.post_id), r)
    }
    const fingerprints = await session.db.selectFrom('post_fingerprints').select(['post_id', 'version', 'simhash']).where('post_id', 'in', chunk).execute()
    for (const f of fingerprints) prints.set(Number(f.post_id), [...(prints.get(Number(f.post_id)) ?? []), f])
  }
  const posts = rows.map((row): HotspotPost => {
    const post = toPost(row)
    const t = triage.get(post.id)
    const versions = prints.get(post.id) ?? []
    const print = versions.find((f) => f.version === post.version)
    return {
      id: post.id,
      title: post.title,
      body: post.body,
      at: isoTime(post.publishedAt) ?? post.firstSeenAt,
      topic: t?.topic ?? null,
      zoneId: t?.zone_id ?? null,
      community: t?.community ?? null,
      urgency: t?.urgency ?? null,
      metrics: post.metrics,
      source: post.sourceId,
      ...(print ? { simhash: fromHex(print.simhash) } : {}),
    }
  })
  return findHotspotsIn(posts, { ...options, now })
}

function isoTime(value: string | null): string | undefined {
  const t = value === null ? Number.NaN : Date.parse(value)
  return Number.isNaN(t) ? undefined : new Date(t).toISOString()
}
