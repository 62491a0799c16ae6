import type { Tokenizer } from '../tokenize.js'

/** A sparse feature vector: bucket indices (ascending) and their values. */
export interface SparseVector {
  idx: Int32Array
  val: Float32Array
  /** The feature each bucket came from (for explanations); only kept when asked for. */
  names?: Map<number, string>
}

export interface FeatureSettings {
  /** Number of hash buckets (a power of two). @default 2^18 */
  buckets: number
  /** Word n-gram orders over jieba tokens. @default [1, 2] */
  wordNgrams: number[]
  /** Character n-gram orders over the normalised text (CJK, letters and digits only). @default [2] */
  charNgrams: number[]
}

export const DEFAULT_FEATURES: FeatureSettings = { buckets: 1 << 18, wordNgrams: [1, 2], charNgrams: [2] }

/** FNV-1a, 32 bits, of a feature name with its kind prefix. */
export function bucket(name: string, mask: number): number {
  return (fnv(0x811c9dc5, name) >>> 0) & mask
}

/** FNV-1a continued from `h` over the UTF-16 code units of `text`. */
function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h
}

const WORD = fnv(0x811c9dc5, 'w:')
const CHAR = fnv(0x811c9dc5, 'c:')
const SPACE = 0x20

const KEEP = /[\p{Script=Han}\p{L}\p{N}]/u

/** The CJK characters, letters and digits of a text, in order (fast path for the BMP's common ranges). */
function keptChars(text: string): string[] {
  const out: string[] = []
  for (const ch of text) {
    const c = ch.charCodeAt(0)
    if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c > 0x7f && KEEP.test(ch))) out.push(ch)
  }
  return out
}

/**
 * Hashed term counts of a text: jieba word n-grams (`w:`) and character n-grams (`c:`), with
 * sublinear tf (1 + ln count). IDF weighting and L2 normalisation are applied by the model.
 */
export function countFeatures(tokenizer: Tokenizer, text: string, settings: FeatureSettings, tokens?: readonly string[], withNames = false, normalised = false): SparseVector {
  const mask = settings.buckets - 1
  const counts = new Map<number, number>()
  const names = withNames ? new Map<number, string>() : undefined
  // Buckets are hashed incrementally (FNV-1a from the "w:"/"c:" prefix state) instead of
  // building each feature's name: the same buckets as bucket(name), without the strings.
  const count = (h: number, name: () => string) => {
    const b = (h >>> 0) & mask
    counts.set(b, (counts.get(b) ?? 0) + 1)
    if (names && !names.has(b)) names.set(b, name())
  }
  const words = tokens ?? tokenizer.tokens(text, normalised)
  for (const n of settings.wordNgrams) {
    for (let i = 0; i + n <= words.length; i++) {
      let h = fnv(WORD, words[i]!)
      for (let j = 1; j < n; j++) h = fnv(Math.imul(h ^ SPACE, 0x01000193), words[i + j]!)
      count(h, () => `w:${words.slice(i, i + n).join(' ')}`)
    }
  }
  if (settings.charNgrams.length > 0) {
    const chars = keptChars(normalised ? text : tokenizer.normalise(text))
    for (const n of settings.charNgrams) {
      for (let i = 0; i + n <= chars.length; i++) {
        let h = CHAR
        for (let j = 0; j < n; j++) h = fnv(h, chars[i + j]!)
        count(h, () => `c:${chars.slice(i, i + n).join('')}`)
      }
    }
  }
  const idx = Int32Array.from([...counts.keys()].sort((a, b) => a - b))
  const val = new Float32Array(idx.length)
  for (let i = 0; i < idx.length; i++) val[i] = 1 + Math.log(counts.get(idx[i]!)!)
  return names ? { idx, val, names } : { idx, val }
}

/** In place: multiply by IDF and scale to unit length. */
export function weigh(v: SparseVector, idf: Float32Array): SparseVector {
  let norm = 0
  for (let i = 0; i < v.idx.length; i++) {
    const x = v.val[i]! * (idf[v.idx[i]!] ?? 0)
    v.val[i] = x
    norm += x * x
  }
  norm = Math.sqrt(norm) || 1
  for (let i = 0; i < v.val.length; i++) v.val[i] = v.val[i]! / norm
  return v
}

/**
 * Smoothed IDF over the training documents: ln((1 + n) / (1 + df)) + 1. Buckets seen in fewer
 * than `minDf` documents get 0 (dropped): they cannot generalise, and they keep the model small.
 */
export function fitIdf(vectors: SparseVector[], buckets: number, minDf = 2): Float32Array {
  const df = new Uint32Array(buckets)
  for (const v of vectors) for (const i of v.idx) df[i]!++
  const idf = new Float32Array(buckets)
  const n = vectors.length
  for (let i = 0; i < buckets; i++) if (df[i]! >= minDf) idf[i] = Math.log((1 + n) / (1 + df[i]!)) + 1
  return idf
}
