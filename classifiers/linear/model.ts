import { readFile, writeFile } from 'node:fs/promises'
import type { Tokenizer } from '../tokenize.js'
import { DEFAULT_FEATURES, bucket, countFeatures, fitIdf, weigh, type FeatureSettings, type SparseVector } from './features.js'
import { probabilities, trainSoftmax, type TrainOptions } from './softmax.js'

export interface LabelledText {
  text: string
  label: string
}

/** What a trained model knows: labels, feature settings, IDF and weights (only seen buckets). */
export interface LinearModelData {
  kind: 'tfidf-softmax'
  version: 1
  labels: string[]
  features: FeatureSettings
  /** Buckets that occur in training, ascending. */
  buckets: number[]
  /** IDF of those buckets. */
  idf: number[]
  /** bucket-major weights of those buckets (buckets.length × labels.length), base64 Float32. */
  weights: string
  bias: number[]
  trainedOn: { documents: number; perLabel: Record<string, number>; files: string[]; at: string }
}

export interface Prediction {
  label: string
  score: number
  scores: Array<{ label: string; score: number }>
  /** The features that pushed the text towards the label, strongest first. */
  evidence: string[]
}

/**
 * TF-IDF over jieba word uni- and bigrams and character bigrams (hashed), fed to a softmax
 * regression trained by averaged SGD. Small (only buckets seen in training are kept) and fast:
 * one tokenization, one hashed count, one sparse dot product per class.
 */
export class LinearTopicModel {
  readonly id: string
  readonly labels: readonly string[]
  private readonly idf: Float32Array
  private readonly weights: Float32Array
  private readonly scratch: Float64Array

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly data: LinearModelData,
  ) {
    this.labels = data.labels
    this.id = `tfidf-softmax:${data.trainedOn.documents}docs`
    const k = data.labels.length
    this.idf = new Float32Array(data.features.buckets)
    this.weights = new Float32Array(data.features.buckets * k)
    // A small Buffer is a view into Node's shared pool: copy exactly its bytes.
    const bytes = Buffer.from(data.weights, 'base64')
    const packed = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
    data.buckets.forEach((b, i) => {
      this.idf[b] = data.idf[i]!
      for (let c = 0; c < k; c++) this.weights[b * k + c] = packed[i * k + c]!
    })
    this.scratch = new Float64Array(k)
  }

  /** `normalised`: the text already went through the tokenizer's `normalise` (saves doing it twice). */
  predict(text: string, tokens?: readonly string[], normalised = false): Prediction {
    const words = tokens ?? this.tokenizer.tokens(text, normalised)
    const x = weigh(countFeatures(this.tokenizer, text, this.data.features, words, false, normalised), this.idf)
    const p = probabilities(this.weights, this.data.bias, x, this.labels.length, this.scratch)
    const ranked = this.labels.map((label, k) => ({ label, score: p[k]! })).sort((a, b) => b.score - a.score)
    return { label: ranked[0]!.label, score: ranked[0]!.score, scores: ranked, evidence: this.evidence(words, this.labels.indexOf(ranked[0]!.label)) }
  }

  /** The words whose weights pushed hardest towards a label, strongest first. */
  private evidence(words: readonly string[], label: number): string[] {
    const k = this.labels.length
    const mask = this.data.features.buckets - 1
    const push = new Map<string, number>()
    for (const w of words) {
      if (push.has(w)) continue
      const b = bucket(`w:${w}`, mask)
      const weight = this.weights[b * k + label]! * this.idf[b]!
      if (weight > 0) push.set(w, weight)
    }
    return [...push].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([w]) => w)
  }

  /** Trains a model on labelled texts. */
  static train(tokenizer: Tokenizer, docs: LabelledText[], options: TrainOptions & { features?: FeatureSettings; files?: string[]; minDf?: number } = {}): LinearTopicModel {
    const features = options.features ?? DEFAULT_FEATURES
    const labels = [...new Set(docs.map((d) => d.label))].sort()
    const xs: SparseVector[] = docs.map((d) => countFeatures(tokenizer, d.text, features))
    // Dropping features seen once only pays off with enough documents to see them twice.
    const idf = fitIdf(xs, features.buckets, options.minDf ?? (docs.length >= 500 ? 2 : 1))
    for (const x of xs) weigh(x, idf)
    const ys = docs.map((d) => labels.indexOf(d.label))
    const { weights, bias } = trainSoftmax(xs, ys, labels.length, features.buckets, options)
    const seen: number[] = []
    for (let b = 0; b < features.buckets; b++) if (idf[b]! > 0) seen.push(b)
    const k = labels.length
    const packed = new Float32Array(seen.length * k)
    seen.forEach((b, i) => {
      for (let c = 0; c < k; c++) packed[i * k + c] = weights[b * k + c]!
    })
    const perLabel: Record<string, number> = {}
    for (const d of docs) perLabel[d.label] = (perLabel[d.label] ?? 0) + 1
    return new LinearTopicModel(tokenizer, {
      kind: 'tfidf-softmax',
      version: 1,
      labels,
      features,
      buckets: seen,
      idf: seen.map((b) => Math.round(idf[b]! * 1e4) / 1e4),
      weights: Buffer.from(packed.buffer).toString('base64'),
      bias,
      trainedOn: { documents: docs.length, perLabel, files: options.files ?? [], at: new Date().toISOString() },
    })
  }

  async save(file: string): Promise<void> {
    await writeFile(file, `${JSON.stringify(this.data)}\n`)
  }

  static async load(file: string, tokenizer: Tokenizer): Promise<LinearTopicModel> {
    const data = JSON.parse(await readFile(file, 'utf8')) as LinearModelData
    if (data.kind !== 'tfidf-softmax' || data.version !== 1) throw new TypeError(`${file} is not a lianxin topic model (kind ${String(data.kind)})`)
    return new LinearTopicModel(tokenizer, data)
  }
}
