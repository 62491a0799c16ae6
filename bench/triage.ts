import { readFileSync } from 'node:fs'
import { triage } from '../src/triage/engine.js'
import { createEngine, defaultConfig } from '../src/triage/factory.js'
import { packagePath } from '../src/paths.js'
import { line, verdict } from './measure.js'

/**
 * The whole triage of one post (tokenize, topic, urgency, place, routing) on one core, over
 * the project's corpus, against jieba tokenization alone measured in the same run.
 */
export async function triageBench(): Promise<string[]> {
  const posts = readFileSync(packagePath('classifiers', 'corpus', 'pingfang-topics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { title: string; body: string })
  const engine = await createEngine(await defaultConfig())
  const now = new Date('2026-12-10T02:00:00Z')
  const rounds = 10
  const time = (fn: (p: { title: string; body: string }) => void) => {
    for (const p of posts) fn(p) // warm-up
    const start = performance.now()
    for (let r = 0; r < rounds; r++) for (const p of posts) fn(p)
    return (posts.length * rounds * 1000) / (performance.now() - start)
  }
  const tokenizeOnly = time((p) => engine.tokenizer.tokens(`${p.title}\n${p.body}`))
  const whole = time((p) => triage(engine, p, now))
  return [
    line('triage: jieba tokens only', { posts: posts.length * rounds, 'posts/s': tokenizeOnly.toFixed(0) }),
    line('triage: whole triage', { posts: posts.length * rounds, 'posts/s': whole.toFixed(0), 'µs/post': (1e6 / whole).toFixed(0), 'vs tokenize': `${(tokenizeOnly / whole).toFixed(2)}x slower` }),
    verdict(whole >= 5000, `whole triage ${whole.toFixed(0)} posts/s on one core (target ≥ 5,000)`),
  ]
}
