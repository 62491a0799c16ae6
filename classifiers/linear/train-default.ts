/**
 * `npm run train:default`: trains the shipped topic model on the project's own corpus
 * (classifiers/corpus/pingfang-topics.jsonl), never on ../shared/datasets.
 */
import { createTokenizer, userWordsFromConfig } from '../tokenize.js'
import { defaultConfig } from '../../src/triage/factory.js'
import { packagePath } from '../../src/paths.js'
import { readLabelled } from './data.js'
import { crossValidate } from './evaluate.js'
import { DEFAULT_MODEL_PATH } from './index.js'
import { LinearTopicModel } from './model.js'

const corpus = packagePath('classifiers', 'corpus', 'pingfang-topics.jsonl')
const tokenizer = createTokenizer({ userWords: userWordsFromConfig(await defaultConfig()) })
const docs = await readLabelled([corpus], { text: ['title', 'body'], label: 'label' })
const cv = crossValidate(tokenizer, docs, 5)
const model = LinearTopicModel.train(tokenizer, docs, { files: ['classifiers/corpus/pingfang-topics.jsonl'] })
await model.save(DEFAULT_MODEL_PATH)
console.log(`trained on ${docs.length} posts of ${model.labels.length} topics; 5-fold CV macro-F1 ${cv.macroF1}, accuracy ${cv.accuracy}; wrote ${DEFAULT_MODEL_PATH}`)
