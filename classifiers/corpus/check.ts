/**
 * Checks the hand-written topic corpus (`pingfang-topics.jsonl`) against the 平房区 profile:
 * one valid JSON object per line with the expected fields, unique ids, titles and bodies, every
 * label one of the profile's topics, every channel and style from the documented sets, and at
 * least `--min` posts (default 45) for every topic. Prints posts and average body length per
 * label. Exit code 0 when the corpus is sound, 1 otherwise.
 *
 *   npx tsx classifiers/corpus/check.ts [--min 45] [--corpus FILE] [--profile FILE]
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'
import { packagePath } from '../../src/paths.js'

export const CHANNELS = ['liuyan', 'weibo', 'wechat', 'hotline', 'letter'] as const
export const STYLES = [
  'polite', 'angry', 'desperate', 'sarcastic', 'elderly', 'formal', 'factual',
  'terse', 'worried', 'urgent', 'plain', 'record', 'suggestion', 'mixed',
] as const

export interface CorpusPost {
  id: string
  title: string
  body: string
  label: string
  channel: (typeof CHANNELS)[number]
  style: (typeof STYLES)[number]
}

export interface LabelStats {
  label: string
  posts: number
  avgBodyChars: number
  minBodyChars: number
  maxBodyChars: number
}

export interface CheckResult {
  posts: CorpusPost[]
  errors: string[]
  stats: LabelStats[]
}

/** Topic names of a profile, in file order. */
export function profileTopics(profileYaml: string): string[] {
  const doc = parse(profileYaml) as { topics?: { name?: unknown }[] }
  return (doc.topics ?? []).map((t) => String(t.name))
}

const chars = (s: string) => [...s].length

export function checkCorpus(jsonl: string, topics: string[], min = 45): CheckResult {
  const errors: string[] = []
  const posts: CorpusPost[] = []
  const ids = new Set<string>()
  const titles = new Map<string, number>()
  const bodies = new Map<string, number>()
  const lines = jsonl.split('\n')
  if (lines.at(-1) === '') lines.pop()
  lines.forEach((line, i) => {
    const at = `line ${i + 1}`
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (e) {
      errors.push(`${at}: not valid JSON (${(e as Error).message})`)
      return
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push(`${at}: not a JSON object`)
      return
    }
    const p = value as Record<string, unknown>
    const keys = ['id', 'title', 'body', 'label', 'channel', 'style']
    for (const k of keys) if (typeof p[k] !== 'string' || (p[k] as string).trim() === '') errors.push(`${at}: "${k}" missing or empty`)
    for (const k of Object.keys(p)) if (!keys.includes(k)) errors.push(`${at}: unexpected key "${k}"`)
    const post = p as unknown as CorpusPost
    if (typeof post.id === 'string') {
      if (!/^pf-\d{4,}$/.test(post.id)) errors.push(`${at}: id "${post.id}" is not pf-NNNN`)
      if (ids.has(post.id)) errors.push(`${at}: duplicate id ${post.id}`)
      ids.add(post.id)
    }
    if (typeof post.title === 'string') {
      const prev = titles.get(post.title)
      if (prev !== undefined) errors.push(`${at}: same title as line ${prev}: ${post.title}`)
      titles.set(post.title, i + 1)
    }
    if (typeof post.body === 'string') {
      const prev = bodies.get(post.body)
      if (prev !== undefined) errors.push(`${at}: same body as line ${prev}`)
      bodies.set(post.body, i + 1)
    }
    if (typeof post.label === 'string' && !topics.includes(post.label)) errors.push(`${at}: label "${post.label}" is not a profile topic`)
    if (typeof post.channel === 'string' && !(CHANNELS as readonly string[]).includes(post.channel)) errors.push(`${at}: unknown channel "${post.channel}"`)
    if (typeof post.style === 'string' && !(STYLES as readonly string[]).includes(post.style)) errors.push(`${at}: unknown style "${post.style}"`)
    posts.push(post)
  })
  const stats = topics.map((label) => {
    const lens = posts.filter((p) => p.label === label && typeof p.body === 'string').map((p) => chars(p.body))
    const sum = lens.reduce((a, b) => a + b, 0)
    if (lens.length < min) errors.push(`label ${label}: ${lens.length} posts, fewer than ${min}`)
    return {
      label,
      posts: lens.length,
      avgBodyChars: lens.length ? Math.round(sum / lens.length) : 0,
      minBodyChars: lens.length ? Math.min(...lens) : 0,
      maxBodyChars: lens.length ? Math.max(...lens) : 0,
    }
  })
  return { posts, errors, stats }
}

function main(argv: string[]) {
  const opt = (name: string) => {
    const i = argv.indexOf(name)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const corpus = resolve(opt('--corpus') ?? packagePath('classifiers/corpus/pingfang-topics.jsonl'))
  const profile = resolve(opt('--profile') ?? packagePath('src/config/profiles/pingfang.yaml'))
  const min = Number(opt('--min') ?? 45)
  const { posts, errors, stats } = checkCorpus(readFileSync(corpus, 'utf8'), profileTopics(readFileSync(profile, 'utf8')), min)
  console.log(`${corpus}: ${posts.length} posts`)
  console.log('label\tposts\tavg\tmin\tmax')
  for (const s of stats) console.log(`${s.label}\t${s.posts}\t${s.avgBodyChars}\t${s.minBodyChars}\t${s.maxBodyChars}`)
  const count = (key: 'channel' | 'style') =>
    Object.entries(posts.reduce<Record<string, number>>((acc, p) => ({ ...acc, [p[key]]: (acc[p[key]] ?? 0) + 1 }), {}))
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')
  console.log(`channels: ${count('channel')}`)
  console.log(`styles: ${count('style')}`)
  for (const e of errors) console.error(`error: ${e}`)
  if (errors.length) {
    console.error(`${errors.length} error(s)`)
    process.exitCode = 1
  } else {
    console.log('ok')
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2))
