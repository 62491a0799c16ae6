import { readFile } from 'node:fs/promises'
import { createTokenizer, userWordsFromConfig } from '../../classifiers/tokenize.js'
import { createUrgencyScorer, loadUrgencyLexicon } from '../../classifiers/urgency/index.js'
import { createAppealScorer, loadAppealLexicon } from '../../classifiers/appeal/index.js'
import { DEFAULT_MODEL_PATH, loadTopicModel } from '../../classifiers/linear/index.js'
import { parseConfig } from '../config/load.js'
import type { LianxinConfig } from '../config/schema.js'
import { packagePath } from '../paths.js'
import type { Session } from '../store/session.js'
import { StoreDuplicateIndex, findDuplicates, postText } from './dedup/index.js'
import { simhash } from './dedup/simhash.js'
import type { TopicModel, TriageEngine } from './engine.js'
import { Gazetteer } from './place.js'
import type { DuplicateMatcher } from './run.js'

export interface EngineOptions {
  /** Topic model file (default: the shipped model trained on the project's own corpus). */
  modelPath?: string
  /** A topic model already loaded (tests, benchmarks). */
  topic?: TopicModel
  /** Urgency lexicon file (default: classifiers/urgency/lexicon.yaml). */
  lexiconPath?: string
  /** Appeal lexicon file (default: classifiers/appeal/lexicon.yaml). */
  appealLexiconPath?: string
}

/**
 * Everything the triage needs, built from the config: jieba with the district's places and
 * departments as user words, the topic model, the urgency and appeal lexicons and the gazetteer.
 */
export async function createEngine(config: LianxinConfig, options: EngineOptions = {}): Promise<TriageEngine> {
  const tokenizer = createTokenizer({ userWords: userWordsFromConfig(config) })
  const topic = options.topic ?? (await loadTopicModel(options.modelPath ?? DEFAULT_MODEL_PATH, tokenizer))
  const lexicon = loadUrgencyLexicon(options.lexiconPath)
  const appeal = createAppealScorer(loadAppealLexicon(options.appealLexiconPath))
  return { config, tokenizer, topic, urgency: createUrgencyScorer(lexicon), appeal, gazetteer: new Gazetteer(config) }
}

/** Near-duplicates over the store's fingerprints: the same complaint within 30 days, from any source. */
export function createMatcher(engine: TriageEngine): DuplicateMatcher {
  return {
    async match(session: Session, post) {
      const text = postText(post.title, post.body)
      const found = await findDuplicates(session, text, { tokenizer: engine.tokenizer, exclude: post.id, within: { at: post.at, days: 30 } })
      await new StoreDuplicateIndex(session).add(post.id, post.version, simhash(engine.tokenizer, text))
      return found.map((c) => ({ postId: c.postId, distance: c.distance }))
    },
  }
}

/** The shipped 平房区 profile, for commands that run without a lianxin.yaml (`classify`). */
export async function defaultConfig(): Promise<LianxinConfig> {
  const file = packagePath('src', 'config', 'profiles', 'pingfang.yaml')
  return parseConfig(await readFile(file), file)
}
