import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createTokenizer } from '../classifiers/tokenize.js'
import { crossValidate, metrics, stratifiedFolds } from '../classifiers/linear/evaluate.js'
import { LinearTopicModel, type LabelledText } from '../classifiers/linear/model.js'
import { line, verdict } from './measure.js'

const DIR = new URL('../../../shared/datasets/teddy2020c/', import.meta.url)

/** natural's BayesClassifier, imported from its own file so that natural's dotenv banner never prints. */
interface NaturalBayes {
  addDocument(tokens: string[], label: string): void
  train(): void
  classify(tokens: string[]): string
}
const require = createRequire(import.meta.url)

function read(file: string): Array<Record<string, string>> {
  return readFileSync(new URL(file, DIR), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, string>)
}

/**
 * The topic model on the real labelled messages of ../shared/datasets/teddy2020c (used only
 * here, never shipped): 5-fold CV macro-F1 on all three training files (target ≥ 0.90), the
 * time to train on all of them (target < 10 s), prediction throughput, and natural's
 * BayesClassifier on the same folds of train_full side by side.
 */
export async function topicBench(): Promise<string[]> {
  if (!existsSync(new URL('train_full.jsonl', DIR))) return ['topic: ../shared/datasets/teddy2020c is not here; skipped']
  const full: LabelledText[] = read('train_full.jsonl').map((d) => ({ text: `${d.title}\n${d.body}`, label: d.label! }))
  const all: LabelledText[] = [
    ...full,
    ...read('train_titles.jsonl').map((d) => ({ text: d.title!, label: d.label! })),
    ...read('train_bodies.jsonl').map((d) => ({ text: d.body!, label: d.label! })),
  ]
  const tokenizer = createTokenizer()
  const out: string[] = []

  const cvAll = crossValidate(tokenizer, all, 5)
  const start = performance.now()
  const model = LinearTopicModel.train(tokenizer, all)
  const trainMs = performance.now() - start
  const sample = full.slice(0, 1000)
  let t = performance.now()
  for (const d of sample) model.predict(d.text)
  const perSecond = (sample.length * 1000) / (performance.now() - t)

  // Side by side on train_full (title + body), the same stratified folds for both.
  const folds = stratifiedFolds(full, 5)
  const ours = crossValidate(tokenizer, full, 5)
  const Bayes = require('natural/lib/natural/classifiers/bayes_classifier.js') as new () => NaturalBayes
  const actual: string[] = []
  const predicted: string[] = []
  let naturalPredictMs = 0
  const tokens = full.map((d) => tokenizer.tokens(d.text))
  for (let f = 0; f < 5; f++) {
    const bayes = new Bayes()
    full.forEach((d, i) => {
      if (folds[i] !== f) bayes.addDocument(tokens[i]!, d.label)
    })
    bayes.train()
    t = performance.now()
    full.forEach((d, i) => {
      if (folds[i] !== f) return
      actual.push(d.label)
      predicted.push(bayes.classify(tokens[i]!))
    })
    naturalPredictMs += performance.now() - t
  }
  const natural = metrics(actual, predicted)
  const naturalPerSecond = (full.length * 1000) / naturalPredictMs

  out.push(line('topic: tfidf-softmax, all files', { docs: all.length, 'CV macro-F1': cvAll.macroF1, accuracy: cvAll.accuracy, 'train all ms': trainMs.toFixed(0), 'posts/s': perSecond.toFixed(0) }))
  out.push(line('topic: tfidf-softmax, train_full', { docs: full.length, 'CV macro-F1': ours.macroF1, accuracy: ours.accuracy }))
  out.push(line('topic: natural Bayes, train_full', { docs: full.length, 'CV macro-F1': natural.macroF1, accuracy: natural.accuracy, 'posts/s': naturalPerSecond.toFixed(0) }))
  out.push(line('topic: ratios (ours / natural)', { 'macro-F1': `${(ours.macroF1 / natural.macroF1).toFixed(2)}x`, speed: `${(perSecond / naturalPerSecond).toFixed(1)}x` }))
  out.push(verdict(cvAll.macroF1 >= 0.9, `5-fold CV macro-F1 ${cvAll.macroF1} on all training files (target ≥ 0.90)`))
  out.push(verdict(trainMs < 10_000, `training on all ${all.length} posts in ${(trainMs / 1000).toFixed(1)} s (target < 10 s)`))
  return out
}
