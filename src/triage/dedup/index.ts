/**
 * Near-duplicate lookup over SimHash fingerprints: an in-memory index (daemon, benchmarks,
 * hotspots over data outside the store) and a store-backed one over `post_fingerprints`.
 *
 * Why SimHash with LSH bands and not MinHash: a post's fingerprint must be one small value
 * stored once per version (16 hex digits and four band integers in `post_fingerprints`),
 * comparable in a few instructions (XOR and popcount), and findable through ordinary B-tree
 * indexes in SQLite and PostgreSQL. MinHash needs a signature of 100+ values per post and
 * many more band rows for the same recall; its Jaccard estimate is set-based and unweighted,
 * whereas SimHash takes the token weights that matter here (place names, companies, numbers
 * weigh more than the boilerplate of a letter). The price is that SimHash only sees texts
 * that share most of their weighted words: the same complaint written afresh on another site
 * is linked by the hotspots (same topic, same community, same window), not here.
 */
import type { Tokenizer } from '../../../classifiers/tokenize.js'
import type { Session } from '../../store/session.js'
import { bands, fromHex, hamming, popcount32, probeMasks, probeRadius, similarity, simhash, toHex, type SimHash, type SimHashOptions } from './simhash.js'

/** A stored fingerprint within the asked distance of a query. */
export interface DuplicateCandidate {
  postId: number
  /** The post version whose fingerprint matched (the closest one if several did). */
  version: number
  /** Hamming distance, 0–64. */
  distance: number
}

/** A near-duplicate of a text, as {@link findDuplicates} returns it. */
export interface Duplicate extends DuplicateCandidate {
  /** 1 − distance/64. */
  similarity: number
}

/** Where fingerprints are kept and looked up: in memory or in the store. */
export interface DuplicateIndex {
  /** Records the fingerprint of one post version (again for the same version: no change). */
  add(postId: number, version: number, hash: SimHash): Promise<void>
  /**
   * Every post with a fingerprint within `maxDistance` bits, closest first, one entry per post.
   * Looks up the four bands (and, above distance 3, their neighbours within a few bits), then
   * checks the true Hamming distance; never a full scan.
   */
  candidates(hash: SimHash, maxDistance?: number): Promise<DuplicateCandidate[]>
}

/**
 * The distance under which two posts are taken for the same complaint (similarity ≥ 0.83),
 * tuned on the replica's ground truth (best F1 over issue-sharing pairs; see
 * tests/triage/dedup.test.ts). It is the largest distance the band probes of radius 2 reach
 * exactly (4·2 + 3).
 */
export const DUPLICATE_DISTANCE = 11

/** Share of the shorter text's content words the other must have to be the same complaint. */
export const MIN_SHARED_CONTENT = 0.12

const PLACE_WORD = /小区|花园|家园|佳苑|街道|社区|大街|公寓/

/**
 * What a text is about, without where: its jieba words of two characters or more, less the
 * places it names (`places`, e.g. the gazetteer's matches) and words of places it does not know
 * (…小区, …花园, …街道). SimHash weighs place names heavily, so two short posts about one
 * estate are "near" whatever they complain of; these words tell a broken street light from low
 * water pressure.
 */
export function contentWords(tokenizer: Tokenizer, text: string, places: readonly string[] = []): Set<string> {
  let bare = text
  for (const place of [...places].sort((a, b) => b.length - a.length)) if (place !== '') bare = bare.split(place).join(' ')
  return new Set(tokenizer.tokens(bare).filter((w) => w.length >= 2 && !PLACE_WORD.test(w)))
}

/** The share of the smaller set found in the larger (1 when either is empty: nothing to tell them apart). */
export function sharedContent(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 1
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  let shared = 0
  for (const w of small) if (large.has(w)) shared++
  return shared / small.size
}

/**
 * Keeps the near-duplicates that can be the same complaint as a post: those that share at least
 * {@link MIN_SHARED_CONTENT} of their content words with it (a candidate whose words are not
 * known is kept). On the replica's ground truth this lifts the precision of the links from 0.39
 * to 0.54 and keeps 81% of the right ones (tests/triage/dedup.test.ts); a topic check on top
 * cost more right links than wrong ones and was left out.
 *
 * @returns the candidates kept, and the ones left out with the reason.
 */
export function sameComplaint<T extends Pick<DuplicateCandidate, 'postId' | 'distance'>>(
  candidates: readonly T[],
  words: ReadonlySet<string>,
  wordsOf: ReadonlyMap<number, ReadonlySet<string>>,
): { kept: T[]; dropped: Array<T & { reason: string }> } {
  const kept: T[] = []
  const dropped: Array<T & { reason: string }> = []
  for (const c of candidates) {
    const other = wordsOf.get(c.postId)
    const shared = other ? sharedContent(words, other) : 1
    if (shared < MIN_SHARED_CONTENT) dropped.push({ ...c, reason: `shares ${Math.round(shared * 100)}% of its content words` })
    else kept.push(c)
  }
  return { kept, dropped }
}

/** The hashed text of a post: title and body, the title left out when the body starts with it (Weibo). */
export function postText(title: string, body: string): string {
  const head = title.replace(/…$/u, '').trim()
  return head !== '' && body.trimStart().startsWith(head) ? body : `${title}\n${body}`
}

function sortCandidates(list: DuplicateCandidate[]): DuplicateCandidate[] {
  return list.sort((a, b) => a.distance - b.distance || a.postId - b.postId)
}

/** Keeps the closest version of each post. */
function closestPerPost(list: Iterable<DuplicateCandidate>): DuplicateCandidate[] {
  const best = new Map<number, DuplicateCandidate>()
  for (const c of list) {
    const seen = best.get(c.postId)
    if (!seen || c.distance < seen.distance) best.set(c.postId, c)
  }
  return sortCandidates([...best.values()])
}

/**
 * The in-memory index: fingerprints in typed arrays, and per band a table of 65,536 buckets
 * (band value → slots) kept as linked lists in typed arrays: a head per band value and a
 * "next" per slot and band: 40 bytes per fingerprint (about 60 with the growth slack, measured
 * by bench/dedup.ts), plus 1 MB of bucket heads.
 */
export class MemoryDuplicateIndex implements DuplicateIndex {
  private ids = new Float64Array(1024)
  private versions = new Int32Array(1024)
  private his = new Uint32Array(1024)
  private los = new Uint32Array(1024)
  private stamps = new Uint32Array(1024)
  /** next[slot * 4 + band]: the next slot in the same bucket of that band, or −1. */
  private next = new Int32Array(4096)
  /** heads[band * 65536 + value]: the newest slot whose band has that value, or −1. */
  private readonly heads = new Int32Array(4 * 0x10000).fill(-1)
  private stamp = 0
  private count = 0

  /** Number of fingerprints held. */
  get size(): number {
    return this.count
  }

  async add(postId: number, version: number, hash: SimHash): Promise<void> {
    this.insert(postId, version, hash)
  }

  async candidates(hash: SimHash, maxDistance = 3): Promise<DuplicateCandidate[]> {
    return this.lookup(hash, maxDistance)
  }

  /** {@link add}, synchronously (the same post version again with the same hash: no change). */
  insert(postId: number, version: number, hash: SimHash): void {
    for (let s = this.heads[hash.hi >>> 16]!; s >= 0; s = this.next[s * 4]!) {
      if (this.ids[s] === postId && this.versions[s] === version && this.his[s] === hash.hi && this.los[s] === hash.lo) return
    }
    if (this.count === this.ids.length) this.grow()
    const slot = this.count++
    this.ids[slot] = postId
    this.versions[slot] = version
    this.his[slot] = hash.hi
    this.los[slot] = hash.lo
    const values = bands(hash)
    for (let band = 0; band < 4; band++) {
      const head = band * 0x10000 + values[band]!
      this.next[slot * 4 + band] = this.heads[head]!
      this.heads[head] = slot
    }
  }

  /** {@link candidates}, synchronously. */
  lookup(hash: SimHash, maxDistance = 3): DuplicateCandidate[] {
    const masks = probeMasks(probeRadius(maxDistance))
    const stamp = this.nextStamp()
    const { heads, next, stamps, his, los } = this
    const { hi, lo } = hash
    const query = bands(hash)
    const found: DuplicateCandidate[] = []
    for (let band = 0; band < 4; band++) {
      const base = band * 0x10000
      const value = query[band]!
      for (let m = 0; m < masks.length; m++) {
        for (let s = heads[base + (value ^ masks[m]!)]!; s >= 0; s = next[s * 4 + band]!) {
          if (stamps[s] === stamp) continue
          stamps[s] = stamp
          const distance = popcount32((his[s]! ^ hi) >>> 0) + popcount32((los[s]! ^ lo) >>> 0)
          if (distance <= maxDistance) found.push({ postId: this.ids[s]!, version: this.versions[s]!, distance })
        }
      }
    }
    return closestPerPost(found)
  }

  /** The same answer as {@link lookup} by comparing with every fingerprint: the benchmarks' baseline. */
  scan(hash: SimHash, maxDistance = 3): DuplicateCandidate[] {
    const found: DuplicateCandidate[] = []
    const { hi, lo } = hash
    for (let slot = 0; slot < this.count; slot++) {
      const distance = popcount32((this.his[slot]! ^ hi) >>> 0) + popcount32((this.los[slot]! ^ lo) >>> 0)
      if (distance <= maxDistance) found.push({ postId: this.ids[slot]!, version: this.versions[slot]!, distance })
    }
    return closestPerPost(found)
  }

  private nextStamp(): number {
    if (this.stamp === 0xffffffff) {
      this.stamps.fill(0)
      this.stamp = 0
    }
    return ++this.stamp
  }

  private grow(): void {
    const n = this.ids.length * 2
    const copy = <T extends Float64Array | Int32Array | Uint32Array>(from: T, to: T): T => (to.set(from), to)
    this.ids = copy(this.ids, new Float64Array(n))
    this.versions = copy(this.versions, new Int32Array(n))
    this.his = copy(this.his, new Uint32Array(n))
    this.los = copy(this.los, new Uint32Array(n))
    this.stamps = copy(this.stamps, new Uint32Array(n))
    this.next = copy(this.next, new Int32Array(4 * n))
  }
}

/**
 * The index over the store's append-only `post_fingerprints` table (one row per post version,
 * each band indexed): a lookup is one query whose every term is an indexed `band IN (…)`.
 */
export class StoreDuplicateIndex implements DuplicateIndex {
  constructor(private readonly session: Session) {}

  async add(postId: number, version: number, hash: SimHash): Promise<void> {
    const [band0, band1, band2, band3] = bands(hash)
    await this.session.db
      .insertInto('post_fingerprints')
      .values({ post_id: postId, version, simhash: toHex(hash), band0, band1, band2, band3, at: this.session.now().toISOString() })
      .onConflict((oc) => oc.columns(['post_id', 'version']).doNothing())
      .execute()
  }

  async candidates(hash: SimHash, maxDistance = 3): Promise<DuplicateCandidate[]> {
    const masks = [...probeMasks(probeRadius(maxDistance))]
    const query = bands(hash)
    const values = query.map((value) => masks.map((m) => value ^ m))
    const rows = await this.session.db
      .selectFrom('post_fingerprints')
      .select(['post_id', 'version', 'simhash'])
      .where((eb) => eb.or(([0, 1, 2, 3] as const).map((band) => eb(`band${band}` as const, 'in', values[band]!))))
      .execute()
    const found: DuplicateCandidate[] = []
    for (const row of rows) {
      const distance = hamming(hash, fromHex(row.simhash))
      if (distance <= maxDistance) found.push({ postId: Number(row.post_id), version: row.version, distance })
    }
    return closestPerPost(found)
  }
}

export interface FindDuplicatesOptions {
  /** The tokenizer the fingerprints were made with (the config's user words matter). */
  tokenizer: Tokenizer
  /** @default {@link DUPLICATE_DISTANCE} */
  maxDistance?: number
  /** A post to leave out (the post being checked, when it is already indexed). */
  exclude?: number
  /**
   * Only posts published (or first seen) within `days` of `at` (store only): reports of one
   * complaint come close together, the same template years apart is another complaint.
   */
  within?: { at: Date; days: number }
  simhash?: SimHashOptions
}

function isIndex(source: Session | DuplicateIndex): source is DuplicateIndex {
  return 'candidates' in source && typeof source.candidates === 'function'
}

/**
 * The near-duplicates of a text, closest first: the same complaint posted on another site, a
 * repost, a quote in an article. Takes a store session (uses `post_fingerprints`) or an index.
 */
export async function findDuplicates(source: Session | DuplicateIndex, text: string, options: FindDuplicatesOptions): Promise<Duplicate[]> {
  const hash = simhash(options.tokenizer, text, options.simhash)
  const index = isIndex(source) ? source : new StoreDuplicateIndex(source)
  let found = (await index.candidates(hash, options.maxDistance ?? DUPLICATE_DISTANCE)).filter((c) => c.postId !== options.exclude)
  if (options.within && !isIndex(source) && found.length > 0) {
    const { at, days } = options.within
    const rows = await source.db
      .selectFrom('posts')
      .select(['id', 'published_at', 'first_seen_at'])
      .where('id', 'in', found.map((c) => c.postId))
      .execute()
    const times = new Map(rows.map((r) => [Number(r.id), Date.parse(r.published_at ?? r.first_seen_at)]))
    const span = days * 86_400_000
    found = found.filter((c) => Math.abs((times.get(c.postId) ?? Number.NaN) - at.getTime()) <= span)
  }
  return found.map((c) => ({ ...c, similarity: similarity(c.distance) }))
}
