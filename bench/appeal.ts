import { existsSync, readFileSync } from 'node:fs'
import { createAppealScorer } from '../classifiers/appeal/index.js'
import { createUrgencyScorer, loadUrgencyLexicon } from '../classifiers/urgency/index.js'
import { Corpus, selfMediaTexts } from '../fixtures/replica/content/corpus.js'
import { line, verdict } from './measure.js'

const DIR = new URL('../../../shared/datasets/teddy2020c/', import.meta.url)

/**
 * Which self-media posts open a ticket: the appeal lexicon against the baseline "every post
 * opens one" (the rule before it), on the replica's Weibo and WeChat posts (ground truth: which
 * report a citizen's issue), and its recall on real citizens' messages (../shared/datasets,
 * every one an appeal). Speed against the urgency scorer, measured in the same run.
 */
export async function appealBench(): Promise<string[]> {
  const score = createAppealScorer()
  const corpus = new Corpus()
  for (let i = 0; i < 30; i++) corpus.advance(3)
  const items = selfMediaTexts(corpus)
  const issues = items.filter((i) => i.issue)
  const notices = items.filter((i) => !i.issue)
  const found = issues.filter((i) => score(i.text).appeal).length
  const noise = notices.filter((i) => score(i.text).appeal).length
  const out = [
    line('appeal: replica self-media', { posts: items.length, issues: issues.length, notices: notices.length }),
    line('appeal: baseline (all open tickets)', { tickets: items.length, 'noise tickets': notices.length, 'issues missed': 0 }),
    line('appeal: lexicon', {
      tickets: found + noise,
      'noise tickets': noise,
      'issues missed': issues.length - found,
      recall: (found / issues.length).toFixed(3),
      'notices left out': ((notices.length - noise) / notices.length).toFixed(3),
      'noise vs baseline': `${(noise / notices.length).toFixed(2)}x`,
    }),
  ]
  const checks = [verdict(found / issues.length >= 0.97, `replica: ${found}/${issues.length} issue posts open a ticket (target ≥ 97%)`), verdict((notices.length - noise) / notices.length >= 0.75, `replica: ${notices.length - noise}/${notices.length} notices left out (target ≥ 75%)`)]

  const texts: string[] = []
  if (existsSync(new URL('train_full.jsonl', DIR))) {
    for (const file of ['train_full.jsonl', 'hotspot_messages.jsonl']) {
      const rows = readFileSync(new URL(file, DIR), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { title: string; body: string })
      const appeals = rows.filter((r) => score(`${r.title}\n${r.body}`).appeal).length
      texts.push(...rows.map((r) => `${r.title}\n${r.body}`))
      out.push(line(`appeal: real messages ${file.replace('.jsonl', '')}`, { messages: rows.length, 'read as appeals': appeals, recall: (appeals / rows.length).toFixed(3) }))
      checks.push(verdict(appeals / rows.length >= 0.97, `${file}: ${appeals}/${rows.length} real citizens' messages read as appeals (target ≥ 97%)`))
    }
  } else {
    out.push('appeal: ../shared/datasets/teddy2020c is not here; real-message recall skipped')
  }

  const sample = texts.length > 0 ? texts.slice(0, 3000) : items.map((i) => i.text)
  const urgency = createUrgencyScorer(loadUrgencyLexicon())
  const now = new Date('2026-12-10T02:00:00Z')
  const time = (fn: (t: string) => unknown) => {
    for (const t of sample) fn(t)
    const start = performance.now()
    for (let r = 0; r < 5; r++) for (const t of sample) fn(t)
    return (sample.length * 5 * 1000) / (performance.now() - start)
  }
  const urgencyRate = time((t) => urgency(t, { now }))
  const appealRate = time((t) => score(t))
  out.push(line('appeal: speed', { texts: sample.length * 5, 'appeal posts/s': appealRate.toFixed(0), 'urgency posts/s': urgencyRate.toFixed(0), 'appeal vs urgency': `${(urgencyRate / appealRate).toFixed(2)}x the time` }))
  return [...out, ...checks]
}
