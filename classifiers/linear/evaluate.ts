import type { Tokenizer } from '../tokenize.js'
import { LinearTopicModel, type LabelledText } from './model.js'
import type { TrainOptions } from './softmax.js'

export interface ClassMetrics {
  precision: number
  recall: number
  f1: number
  support: number
}

export interface Evaluation {
  documents: number
  accuracy: number
  macroF1: number
  perClass: Record<string, ClassMetrics>
  /** confusion[actual][predicted] = count. */
  confusion: Record<string, Record<string, number>>
  folds?: number
  trainMs?: number
}

/** Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix of predictions. */
export function metrics(actual: string[], predicted: string[]): Evaluation {
  const labels = [...new Set([...actual, ...predicted])].sort()
  const confusion: Record<string, Record<string, number>> = {}
  for (const a of labels) confusion[a] = Object.fromEntries(labels.map((p) => [p, 0]))
  actual.forEach((a, i) => confusion[a]![predicted[i]!]!++)
  const perClass: Record<string, ClassMetrics> = {}
  const f1s = new Map<string, number>()
  let correct = 0
  for (const l of labels) {
    const tp = confusion[l]![l]!
    correct += tp
    const support = labels.reduce((s, p) => s + confusion[l]![p]!, 0)
    const predictedAs = labels.reduce((s, a) => s + confusion[a]![l]!, 0)
    const precision = predictedAs === 0 ? 0 : tp / predictedAs
    const recall = support === 0 ? 0 : tp / support
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
    f1s.set(l, f1)
    perClass[l] = { precision: round(precision), recall: round(recall), f1: round(f1), support }
  }
  const scored = labels.filter((l) => perClass[l]!.support > 0)
  return {
    documents: actual.length,
    accuracy: round(correct / Math.max(1, actual.length)),
    macroF1: round(scored.reduce((s, l) => s + f1s.get(l)!, 0) / Math.max(1, scored.length)),
    perClass,
    confusion,
  }
}

/** Stratified fold of each document: within each label, documents are dealt round-robin. */
export function stratifiedFolds(docs: LabelledText[], k: number): number[] {
  const fold = new Array<number>(docs.length)
  const seen = new Map<string, number>()
  docs.forEach((d, i) => {
    const n = seen.get(d.label) ?? 0
    fold[i] = n % k
    seen.set(d.label, n + 1)
  })
  return fold
}

/** K-fold cross-validation of the linear model. */
export function crossValidate(tokenizer: Tokenizer, docs: LabelledText[], k: number, options: TrainOptions = {}): Evaluation {
  const fold = stratifiedFolds(docs, k)
  const actual: string[] = []
  const predicted: string[] = []
  const start = performance.now()
  for (let f = 0; f < k; f++) {
    const model = LinearTopicModel.train(tokenizer, docs.filter((_, i) => fold[i] !== f), options)
    docs.forEach((d, i) => {
      if (fold[i] !== f) return
      actual.push(d.label)
      predicted.push(model.predict(d.text).label)
    })
  }
  return { ...metrics(actual, predicted), folds: k, trainMs: Math.round(performance.now() - start) }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
