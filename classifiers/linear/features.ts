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
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return (h >>> 0) & mask
}

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
export function countFeatures(tokenizer: Tokenizer, text: string, settings: FeatureSettings, tokens?: readonly string[], withNames = false): SparseVector {
  const mask = settings.buckets - 1
  const counts = new Map<number, number>()
  const names = withNames ? new Map<number, string>() : undefined
  const add = (name: string) => {
    const b = bucket(name, mask)
    counts.set(b, (counts.get(b) ?? 0) + 1)
    if (names && !names.has(b)) names.set(b, name)
  }
  const words = tokens ?? tokenizer.tokens(text)
  for (const n of settings.wordNgrams) {
    for (let i = 0; i + n <= words.length; i++) add(n === 1 ? `w:${words[i]}` : `w:${words.slice(i, i + n).join(' ')}`)
  }
  if (settings.charNgrams.length > 0) {
    const chars = keptChars(tokenizer.normalise(text))
    for (const n of settings.charNgrams) {
      for (let i = 0; i + n <= chars.length; i++) add(n === 2 ? `c:${chars[i]}${chars[i + 1]}` : `c:${chars.slice(i, i + n).join('')}`)
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
