/**
 * 64-bit SimHash of a post's jieba tokens, Hamming distance, and the four 16-bit LSH bands.
 *
 * A SimHash is kept as two unsigned 32-bit halves (`hi`, `lo`) rather than a BigInt, so the hot
 * loops (hashing shingles, popcounts over 100,000 fingerprints) stay in plain small-integer
 * arithmetic. In the store it is 16 hex digits (`hi` first).
 */
import type { Tokenizer } from '../../../classifiers/tokenize.js'

/** A 64-bit SimHash as two unsigned 32-bit halves. */
export interface SimHash {
  readonly hi: number
  readonly lo: number
}

/** The four 16-bit bands of a SimHash, most significant first (`hi >>> 16`, `hi & 0xffff`, `lo >>> 16`, `lo & 0xffff`). */
export type Bands = readonly [number, number, number, number]

export interface SimHashOptions {
  /**
   * Length of the word shingles hashed beside the single words (unigrams always count: they
   * keep paraphrases close; the n-grams add word order). @default 3
   */
  shingle?: 2 | 3
  /** Weight of an n-gram shingle relative to its words' mean weight. @default 0.5 */
  shingleWeight?: number
  /**
   * Weight of one token; the default is {@link tokenWeight} (length squared, capped). Pass an
   * IDF lookup here when a document-frequency table of the bureau's own posts is available.
   */
  weight?: (token: string) => number
}

/** Number of bits of a SimHash. */
export const SIMHASH_BITS = 64

/**
 * The default token weight: `min(length, 8)²`. Long tokens are the specifics of a complaint:
 * the config's estates, communities and departments (jieba user words such as 北厂文化小区),
 * company names, compound nouns; single characters and two-character function words weigh
 * little. On the replica this separates "same complaint, other wording" from "same template,
 * other estate" far better than flat or linear weights (see tests/triage/dedup.test.ts).
 */
export function tokenWeight(token: string): number {
  const n = Math.min(token.length, 8)
  return n * n
}

/**
 * Two independent 32-bit hashes of a string in one pass: FNV-1a and a multiply–xorshift hash,
 * each finished with murmur3's fmix32 so that every input bit reaches every output bit.
 */
export function hash64(text: string): SimHash {
  let a = 0x811c9dc5
  let b = 0x9747b28c
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  return { hi: fmix32(a), lo: fmix32(b ^ text.length) }
}

function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const SEP = '\u0001'

/**
 * SimHash (Charikar) of a token list: every unigram and every word n-gram adds its weight to
 * the 64 counters where its hash has a 1 and subtracts it where it has a 0; the sign of each
 * counter is one bit. Texts sharing most of their weighted shingles get hashes a few bits apart.
 */
export function simhashTokens(tokens: readonly string[], options: SimHashOptions = {}): SimHash {
  const n = options.shingle ?? 3
  const factor = options.shingleWeight ?? 0.5
  const weight = options.weight ?? tokenWeight
  const counters = new Float64Array(SIMHASH_BITS)
  const weights = tokens.map(weight)
  for (let i = 0; i < tokens.length; i++) accumulate(counters, hash64(tokens[i]!), weights[i]!)
  for (let i = 0; i + n <= tokens.length; i++) {
    let w = weights[i]!
    let key = tokens[i]!
    for (let j = i + 1; j < i + n; j++) {
      w += weights[j]!
      key += SEP + tokens[j]!
    }
    accumulate(counters, hash64(key), (factor * w) / n)
  }
  let hi = 0
  let lo = 0
  for (let bit = 0; bit < 32; bit++) {
    if (counters[bit]! > 0) hi |= 1 << bit
    if (counters[32 + bit]! > 0) lo |= 1 << bit
  }
  return { hi: hi >>> 0, lo: lo >>> 0 }
}

function accumulate(counters: Float64Array, h: SimHash, w: number): void {
  const { hi, lo } = h
  for (let bit = 0; bit < 32; bit++) {
    counters[bit]! += (hi >>> bit) & 1 ? w : -w
    counters[32 + bit]! += (lo >>> bit) & 1 ? w : -w
  }
}

/** SimHash of a post's title and body, over `tokenizer.tokens` (content words, stop words removed). */
export function simhash(tokenizer: Tokenizer, text: string, options: SimHashOptions = {}): SimHash {
  return simhashTokens(tokenizer.tokens(text), options)
}

/** Number of 1 bits of a 32-bit integer. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
}

/** Number of bits in which two SimHashes differ (0–64). */
export function hamming(a: SimHash, b: SimHash): number {
  return popcount32((a.hi ^ b.hi) >>> 0) + popcount32((a.lo ^ b.lo) >>> 0)
}

/** 1 − distance/64: 1 for equal hashes, about 0.5 for unrelated texts. */
export function similarity(distance: number): number {
  return 1 - distance / SIMHASH_BITS
}

/** The four 16-bit LSH bands. */
export function bands(h: SimHash): Bands {
  return [h.hi >>> 16, h.hi & 0xffff, h.lo >>> 16, h.lo & 0xffff]
}

/** 16 lowercase hex digits, `hi` first (the `post_fingerprints.simhash` column). */
export function toHex(h: SimHash): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0')
}

/** Parses {@link toHex}'s 16 hex digits. */
export function fromHex(hex: string): SimHash {
  if (!/^[0-9a-f]{16}$/i.test(hex)) throw new TypeError(`not a 64-bit SimHash: ${JSON.stringify(hex)}`)
  return { hi: parseInt(hex.slice(0, 8), 16) >>> 0, lo: parseInt(hex.slice(8), 16) >>> 0 }
}

/**
 * How far each band must be probed to find every hash within `maxDistance`: with 4 bands and a
 * per-band radius r, two hashes differing in at most 4r + 3 bits agree on at least one band up
 * to r bits (pigeonhole). r = 0 (exact band match) covers distance ≤ 3, r = 1 ≤ 7, r = 2 ≤ 11.
 */
export function probeRadius(maxDistance: number): number {
  return Math.max(0, Math.ceil((maxDistance - 3) / 4))
}

const probeCache = new Map<number, Int32Array>()

/**
 * The XOR masks of a 16-bit band within `radius` bits (1, 17, 137, 697 masks for r = 0…3):
 * `band ^ mask` for every mask is every band value to look up.
 */
export function probeMasks(radius: number): Int32Array {
  let masks = probeCache.get(radius)
  if (!masks) {
    const list: number[] = []
    for (let m = 0; m < 0x10000; m++) if (popcount32(m) <= radius) list.push(m)
    masks = Int32Array.from(list.sort((x, y) => popcount32(x) - popcount32(y) || x - y))
    probeCache.set(radius, masks)
  }
  return masks
}
