import { createTokenizer, userWordsFromConfig } from '../../classifiers/tokenize.js'
import { readLabelled, type DataOptions } from '../../classifiers/linear/data.js'
import { crossValidate, metrics, type Evaluation } from '../../classifiers/linear/evaluate.js'
import { LinearTopicModel } from '../../classifiers/linear/model.js'
import type { LianxinConfig } from '../config/schema.js'

function tokenizerFor(config: LianxinConfig | undefined) {
  return createTokenizer(config ? { userWords: userWordsFromConfig(config) } : {})
}

export interface TrainResult {
  out: string
  documents: number
  labels: Record<string, number>
  trainMs: number
}

/** Trains a topic model on the bureau's own labelled files and writes it to `out`. */
export async function trainModel(files: string[], data: DataOptions, out: string, config?: LianxinConfig): Promise<TrainResult> {
  const docs = await readLabelled(files, data)
  const tokenizer = tokenizerFor(config)
  const start = performance.now()
  const model = LinearTopicModel.train(tokenizer, docs, { files })
  const trainMs = Math.round(performance.now() - start)
  await model.save(out)
  return { out, documents: docs.length, labels: model.data.trainedOn.perLabel, trainMs }
}

/** With a model file: its scores on the data. Without: K-fold cross-validation of a new model. */
export async function evaluateModel(files: string[], data: DataOptions, options: { model?: string; folds: number }, config?: LianxinConfig): Promise<Evaluation> {
  const docs = await readLabelled(files, data)
  const tokenizer = tokenizerFor(config)
  if (!options.model) return crossValidate(tokenizer, docs, options.folds)
  const model = await LinearTopicModel.load(options.model, tokenizer)
  return metrics(
    docs.map((d) => d.label),
    docs.map((d) => model.predict(d.text).label),
  )
}
