import type { SparseVector } from './features.js'
import { mulberry32 } from '../../src/prng.js'

export interface TrainOptions {
  /** Passes over the data. @default 4 */
  epochs?: number
  /** Initial learning rate, decayed as lr / (1 + epoch). @default 2 */
  learningRate?: number
  /** Weight classes inversely to their frequency. @default true */
  balanced?: boolean
  /** Seed of the shuffling PRNG (training is deterministic). @default 1 */
  seed?: number
}

/**
 * Multinomial logistic regression (softmax) over sparse vectors, trained by averaged SGD
 * (the average of the weights over all steps generalises like an L2-regularised fit, without
 * per-step work on every weight). Weights are `classes × buckets`, row-major by bucket
 * (`w[bucket * classes + class]`) so that one feature's weights sit together.
 */
export function trainSoftmax(xs: SparseVector[], ys: number[], classes: number, buckets: number, options: TrainOptions = {}): { weights: Float64Array; bias: number[] } {
  const epochs = options.epochs ?? 4
  const lr0 = options.learningRate ?? 2
  const w = new Float64Array(buckets * classes)
  // Averaged SGD with the "u" trick: avg = w - u / t, where u accumulates t·step.
  const u = new Float64Array(buckets * classes)
  const b = new Float64Array(classes)
  const ub = new Float64Array(classes)
  const counts = new Float64Array(classes)
  for (const y of ys) counts[y]!++
  const classWeight = Array.from(counts, (c) => (options.balanced === false || c === 0 ? 1 : xs.length / (classes * c)))
  const order = xs.map((_, i) => i)
  const random = mulberry32(options.seed ?? 1)
  const scores = new Float64Array(classes)
  const steps = new Float64Array(classes)
  let t = 1
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, random)
    const lr = lr0 / (1 + epoch)
    for (const i of order) {
      const x = xs[i]!
      const y = ys[i]!
      probabilities(w, b, x, classes, scores)
      const cw = classWeight[y]!
      // Steps per class; classes the model already gets right within 1e-3 are skipped.
      let active = 0
      for (let k = 0; k < classes; k++) {
        const g = (scores[k]! - (k === y ? 1 : 0)) * cw
        const step = Math.abs(g) < 1e-3 ? 0 : lr * g
        steps[k] = step
        if (step !== 0) {
          active++
          b[k] = b[k]! - step
          ub[k] = ub[k]! - t * step
        }
      }
      if (active > 0) {
        for (let j = 0; j < x.idx.length; j++) {
          const base = x.idx[j]! * classes
          const v = x.val[j]!
          for (let k = 0; k < classes; k++) {
            const step = steps[k]!
            if (step === 0) continue
            const d = step * v
            w[base + k] = w[base + k]! - d
            u[base + k] = u[base + k]! - t * d
          }
        }
      }
      t++
    }
  }
  for (let i = 0; i < w.length; i++) w[i] = w[i]! - u[i]! / t
  return { weights: w, bias: Array.from(b, (v, k) => v - ub[k]! / t) }
}

/** Softmax probabilities of one vector into `out`. */
export function probabilities(w: Float32Array | Float64Array, bias: ArrayLike<number>, x: SparseVector, classes: number, out: Float64Array): Float64Array {
  for (let k = 0; k < classes; k++) out[k] = bias[k] ?? 0
  for (let j = 0; j < x.idx.length; j++) {
    const base = x.idx[j]! * classes
    const v = x.val[j]!
    for (let k = 0; k < classes; k++) out[k] = out[k]! + w[base + k]! * v
  }
  let max = -Infinity
  for (let k = 0; k < classes; k++) max = Math.max(max, out[k]!)
  let sum = 0
  for (let k = 0; k < classes; k++) {
    out[k] = Math.exp(out[k]! - max)
    sum += out[k]!
  }
  for (let k = 0; k < classes; k++) out[k] = out[k]! / sum
  return out
}

function shuffle(a: number[], random: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = a[i]!
    a[i] = a[j]!
    a[j] = tmp
  }
}

