import { readFileSync } from 'node:fs'
import { it } from 'vitest'
import { Corpus } from '../../fixtures/replica/content/corpus.js'
import { createTokenizer, userWordsFromConfig } from '../../classifiers/tokenize.js'
import { parseConfig } from '../../src/config/load.js'
import { packagePath } from '../../src/paths.js'
import { MemoryDuplicateIndex, findDuplicates, postText } from '../../src/triage/dedup/index.js'
import { simhash } from '../../src/triage/dedup/simhash.js'

it('measures', async () => {
  const config = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'p.yaml')
  const places = new Set(userWordsFromConfig(config).map((w) => (typeof w === 'string' ? w : (w as { word: string }).word)))
  const tokenizer = createTokenizer({ userWords: userWordsFromConfig(config) })
  const corpus = new Corpus(20261101)
  corpus.advance(10)
  type Item = { id: number; issue: string; text: string }
  const items: Item[] = []
  const push = (truth: { issue: string }, title: string, body: string) => items.push({ id: items.length + 1, issue: truth.issue, text: postText(title, body) })
  for (const r of corpus.threads) push(r.truth, r.data.subject, r.data.content)
  for (const p of corpus.weibo) push(p.truth, '', p.text)
  for (const a of corpus.wechat) push(a.truth, a.title, a.paragraphs.join('\n'))
  for (const n of corpus.news) push(n.truth, n.title, n.paragraphs.join('\n'))
  const complaints = items.filter((i) => /^(I\d+|S-)/.test(i.issue))
  const index = new MemoryDuplicateIndex()
  for (const item of complaints) await index.add(item.id, 1, simhash(tokenizer, item.text))
  const byId = new Map(complaints.map((i) => [i.id, i]))
  const content = (t: string) => new Set(tokenizer.tokens(t).filter((w) => !places.has(w) && w.length > 1 && !/小区|花园|家园|街道|社区/.test(w)))
  const jac = (a: Set<string>, b: Set<string>) => { let i = 0; for (const x of a) if (b.has(x)) i++; return i / (a.size + b.size - i || 1) }
  const contain = (a: Set<string>, b: Set<string>) => { let i = 0; for (const x of a) if (b.has(x)) i++; return i / (Math.min(a.size, b.size) || 1) }
  const rows: string[] = []
  for (const item of complaints) {
    const found = await findDuplicates(index, item.text, { tokenizer, exclude: item.id })
    for (const c of found) {
      if (c.postId < item.id) continue
      const other = byId.get(c.postId)!
      const a = content(item.text), b = content(other.text)
      rows.push(`${other.issue === item.issue ? 'TRUE ' : 'FALSE'} d=${c.distance} j=${jac(a, b).toFixed(2)} c=${contain(a, b).toFixed(2)} | ${item.text.slice(0, 30).replace(/\n/g, ' ')} | ${other.text.slice(0, 30).replace(/\n/g, ' ')}`)
    }
  }
  console.log(rows.sort().join('\n'))
})
