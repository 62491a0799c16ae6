import type { TopicModel, TopicPrediction } from '../../src/triage/engine.js'
import { packagePath } from '../../src/paths.js'
import type { Tokenizer } from '../tokenize.js'
import { LinearTopicModel } from './model.js'

export { LinearTopicModel, type LabelledText, type LinearModelData, type Prediction } from './model.js'
export { DEFAULT_FEATURES, type FeatureSettings } from './features.js'

/** The shipped default model, trained on the project's own corpus (`npm run train:default`). */
export const DEFAULT_MODEL_PATH = packagePath('classifiers', 'models', 'topic-default.json')

/** Loads a topic model file as the triage's {@link TopicModel}. */
export async function loadTopicModel(file: string, tokenizer: Tokenizer): Promise<TopicModel> {
  return asTopicModel(await LinearTopicModel.load(file, tokenizer))
}

export function asTopicModel(model: LinearTopicModel): TopicModel {
  return {
    id: model.id,
    labels: model.labels,
    predict(text, tokens, normalised): TopicPrediction {
      const p = model.predict(text, tokens, normalised)
      return { label: p.label, score: p.score, alternatives: p.scores.slice(1, 3), evidence: p.evidence }
    },
  }
}
