/**
 * Urgency of a citizen's post (特急 / 紧急 / 一般) from the editable lexicon in
 * `classifiers/urgency/lexicon.yaml`: cue phrases with weights, negation, hypotheticals and
 * questions, the heating season and the run-up to the Spring Festival, and repeat posting.
 *
 * One pass: the post is normalised, its spaces between Chinese characters are dropped (so
 * "燃 气 泄 漏" and "<b>燃气</b>泄漏" still match), and one Aho–Corasick automaton finds every
 * phrase of the lexicon at once. The rules are documented in the YAML, next to the data.
 */
import { normaliseText } from '../tokenize.js'
import { leftmostLongest, type PhraseMatch } from './automaton.js'
import type { UrgencyLexicon } from './lexicon.js'
import { roomTemperature } from './temperature.js'

export { DEFAULT_LEXICON_PATH, compileLexicon, loadUrgencyLexicon, parseUrgencyLexicon, urgencyLexiconSchema } from './lexicon.js'
export type { LexiconGroup, LexiconPhrase, UrgencyLexicon, UrgencyLexiconData } from './lexicon.js'

/** Urgency levels, most urgent first. */
export type UrgencyLevel = '特急' | '紧急' | '一般'

/** One cue that was found, and what it added to the score. */
export interface UrgencyCue {
  /** Group key from the lexicon (`life_safety`, `utilities`…, or `history` for repeat posting). */
  group: string
  /** The phrase as it appears in the lexicon (for a room temperature: the words found, e.g. "室温只有12度"). */
  cue: string
  /** What the cue added to the score, after every factor; 0 when negated. The weights sum to the score. */
  weight: number
  /** Index in the normalised text (`normaliseText`); -1 for history cues. */
  position: number
  /** Why the weight differs from the lexicon's, e.g. "heating season ×1.5", "negated", "hypothetical ×0.5". */
  note?: string
}

/** Earlier posts in the last `history.windowDays` days (see lexicon.yaml). */
export interface UrgencyHistory {
  /** Earlier posts by the same author. */
  sameAuthor?: number
  /** Earlier posts about the same community or estate. */
  samePlace?: number
}

/** The urgency of one post. */
export interface UrgencyResult {
  level: UrgencyLevel
  score: number
  /** Cues in text order, then the history cues. */
  cues: UrgencyCue[]
}

/** Options of {@link scoreUrgency}. */
export interface ScoreUrgencyOptions {
  lexicon: UrgencyLexicon
  /** When the post was written (seasons and the Spring Festival are judged in `utcOffsetHours`). */
  now: Date
  history?: UrgencyHistory
}

interface Found {
  group: number
  cue: string
  weight: number
  position: number
  notes: string[]
  temperature: boolean
}

/**
 * Scores the urgency of a post (title and body, raw or normalised).
 *
 * @example scoreUrgency('楼道里有很大的煤气味！', { lexicon, now: new Date() }).level // '特急'
 */
export function scoreUrgency(text: string, options: ScoreUrgencyOptions): UrgencyResult {
  const { lexicon, now } = options
  const data = lexicon.data
  const c0 = compact(normaliseText(text))
  const t = c0.text
  const negators: PhraseMatch[] = []
  const hypotheticals: PhraseMatch[] = []
  const questions: PhraseMatch[] = []
  const cues: Array<PhraseMatch & { cue: string; base: number; group: number }> = []
  for (const m of leftmostLongest(lexicon.automaton.scan(t))) {
    const phrase = lexicon.phrases[m.id]!
    if (phrase.kind === 'negator') negators.push(m)
    else if (phrase.kind === 'hypothetical') hypotheticals.push(m)
    else if (phrase.kind === 'question') questions.push(m)
    else if (phrase.kind === 'cue') cues.push({ ...m, cue: phrase.text, base: phrase.weight, group: phrase.group })
    else if (phrase.kind === 'temperature') {
      const found = roomTemperature(t, m.end, lexicon)
      if (found !== undefined) cues.push({ ...m, end: found.end, cue: t.slice(m.start, found.end), base: found.weight, group: phrase.group })
    }
  }
  // A one-character negator (不, 没…) binds to the next word or two only: `negation.shortWindow`.
  const before = (markers: PhraseMatch[], at: number, window: number, sentenceOnly: boolean, short = window) =>
    markers.some((k) => k.end <= at && at - k.end <= (k.end - k.start === 1 ? short : window) && !breakBetween(c0, lexicon, k.end, at, sentenceOnly))
  const boosts = seasonalFactors(lexicon, now)
  const found: Found[] = []
  for (const c of cues) {
    const group = lexicon.groups[c.group]!
    const notes: string[] = []
    let weight = c.base
    if (before(negators, c.start, data.negation.window, false, data.negation.shortWindow)) {
      weight = 0
      notes.push('negated')
    } else {
      if (before(hypotheticals, c.start, data.hypothetical.window, true)) {
        weight *= group.hypothetical
        notes.push(group.hypothetical === 1 ? 'conditional, counted in full' : `hypothetical ×${group.hypothetical}`)
      }
      if (before(questions, c.start, data.question.window, false) || endsAsQuestion(c0, lexicon, c.end)) {
        weight *= group.question
        notes.push(group.question === 1 ? 'question, counted in full' : `question ×${group.question}`)
      }
      for (const boost of boosts[c.group] ?? []) {
        weight *= boost.factor
        notes.push(`${boost.label} ×${boost.factor}`)
      }
    }
    const position = origin(c0, c.start)
    found.push({ group: c.group, cue: c.cue, weight, position, notes, temperature: lexicon.phrases[c.id]!.kind === 'temperature' })
  }
  const out = combine(found, lexicon)
  for (const h of historyCues(lexicon, options.history)) out.push(h)
  const score = round(out.reduce((sum, c) => sum + c.weight, 0))
  const level: UrgencyLevel = score >= data.levels.特急 ? '特急' : score >= data.levels.紧急 ? '紧急' : '一般'
  return { level, score, cues: out }
}

/**
 * A scorer bound to one lexicon, in the shape the triage engine expects.
 *
 * @example const urgency = createUrgencyScorer(loadUrgencyLexicon())
 */
export function createUrgencyScorer(lexicon: UrgencyLexicon): (text: string, context: { now: Date; history?: UrgencyHistory }) => UrgencyResult {
  return (text, context) => scoreUrgency(text, { lexicon, ...context })
}

/**
 * The text without the spaces that do not separate two ASCII letters or digits, and where they
 * were: `dropped` holds their offsets in the normalised text, `gaps` the index in the compact text
 * of the character that followed each (both ascending; posts have few spaces).
 */
interface Compact {
  text: string
  dropped: number[]
  gaps: number[]
}

const SPACE_RE = / /g

function compact(text: string): Compact {
  const dropped: number[] = []
  const gaps: number[] = []
  if (!text.includes(' ')) return { text, dropped, gaps }
  const out = text.replace(SPACE_RE, (space: string, offset: number) => {
    if (isAsciiWord(text.charCodeAt(offset - 1)) && isAsciiWord(text.charCodeAt(offset + 1))) return space
    gaps.push(offset - dropped.length)
    dropped.push(offset)
    return ''
  })
  return { text: out, dropped, gaps }
}

/** Index in the normalised text of index `k` of the compact text. */
function origin(c: Compact, k: number): number {
  let at = k
  for (const d of c.dropped) {
    if (d <= at) at++
    else break
  }
  return at
}

function isAsciiWord(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90)
}

/** True if a clause break (or, with `sentenceOnly`, a sentence break) or a dropped space lies between `from` and `to`. */
function breakBetween(c: Compact, lexicon: UrgencyLexicon, from: number, to: number, sentenceOnly: boolean): boolean {
  for (const g of c.gaps) if (g >= from && g <= to) return true
  for (let i = from; i < to; i++) {
    const code = c.text.charCodeAt(i)
    if (lexicon.sentenceBreaks.has(code) || (!sentenceOnly && lexicon.clauseBreaks.has(code))) return true
  }
  return false
}

/** True if the clause holding a cue ends in a question ending such as 吗 ("存在安全隐患吗？"). */
function endsAsQuestion(c: Compact, lexicon: UrgencyLexicon, from: number): boolean {
  const t = c.text
  let end = from
  const limit = Math.min(t.length, from + 30)
  while (end < limit) {
    const code = t.charCodeAt(end)
    if ((end > from && c.gaps.includes(end)) || lexicon.clauseBreaks.has(code) || lexicon.sentenceBreaks.has(code)) break
    end++
  }
  return lexicon.questionEndings.some((e) => end - e.length >= from && t.startsWith(e, end - e.length))
}

type Boosts = Array<Array<{ label: string; factor: number }>>
const lastBoosts = new WeakMap<UrgencyLexicon, { day: number; boosts: Boosts }>()

/** Season and Spring Festival factors by group index, for the local date of `now` (cached per day). */
function seasonalFactors(lexicon: UrgencyLexicon, now: Date): Boosts {
  const data = lexicon.data
  const local = new Date(now.getTime() + data.utcOffsetHours * 3_600_000)
  const day = Math.floor(local.getTime() / 86_400_000)
  const cached = lastBoosts.get(lexicon)
  if (cached !== undefined && cached.day === day) return cached.boosts
  const monthDay = (local.getUTCMonth() + 1) * 100 + local.getUTCDate()
  const out: Boosts = lexicon.groups.map(() => [])
  const boost = (groups: string[], label: string, factor: number) => {
    for (const key of groups) out[lexicon.groups.findIndex((g) => g.key === key)]?.push({ label, factor })
  }
  for (const season of data.seasons) {
    const from = md(season.from)
    const to = md(season.to)
    const inside = from <= to ? monthDay >= from && monthDay <= to : monthDay >= from || monthDay <= to
    if (inside) boost(season.groups, season.label, season.factor)
  }
  const sf = data.springFestival
  if (lexicon.festivalDays.some((f) => day >= f - sf.daysBefore && day <= f + sf.daysAfter)) boost(sf.groups, sf.label, sf.factor)
  lastBoosts.set(lexicon, { day, boosts: out })
  return out
}

function md(s: string): number {
  return Number(s.slice(0, 2)) * 100 + Number(s.slice(3, 5))
}

/**
 * Per group: each phrase counts once (its strongest occurrence); the strongest cue counts in
 * full, every further cue × `additionalCue`, and the group never adds more than its `cap`.
 */
function combine(found: Found[], lexicon: UrgencyLexicon): UrgencyCue[] {
  const best = new Map<string, Found>()
  for (const f of found) {
    // Every room temperature is one cue: "屋里只有14度…温度计显示14度" counts once.
    const key = `${f.group}\u0000${f.temperature ? '℃' : f.cue}`
    const seen = best.get(key)
    if (seen === undefined || f.weight > seen.weight) best.set(key, f)
  }
  const byGroup = new Map<number, Found[]>()
  for (const f of best.values()) byGroup.set(f.group, [...(byGroup.get(f.group) ?? []), f])
  const out: Array<UrgencyCue & { order: number }> = []
  for (const [index, list] of byGroup) {
    const group = lexicon.groups[index]!
    list.sort((a, b) => b.weight - a.weight || a.position - b.position)
    let total = 0
    list.forEach((f, i) => {
      const notes = [...f.notes]
      let weight = f.weight
      if (i > 0 && weight > 0 && lexicon.data.additionalCue !== 1) {
        weight *= lexicon.data.additionalCue
        notes.push(`additional cue ×${lexicon.data.additionalCue}`)
      }
      if (group.cap !== undefined && total + weight > group.cap) {
        weight = Math.max(0, group.cap - total)
        notes.push(`group cap ${group.cap}`)
      }
      weight = round(weight)
      total += weight
      out.push({ group: group.key, cue: f.cue, weight, position: f.position, ...(notes.length > 0 ? { note: notes.join(', ') } : {}), order: out.length })
    })
  }
  out.sort((a, b) => a.position - b.position || a.order - b.order)
  return out.map(({ order: _order, ...cue }) => cue)
}

/** The repeat-posting cues: `perPost` for every earlier post beyond `free`, at most `max`. */
function historyCues(lexicon: UrgencyLexicon, history: UrgencyHistory | undefined): UrgencyCue[] {
  const h = lexicon.data.history
  const out: UrgencyCue[] = []
  for (const [count, rule] of [
    [history?.sameAuthor, h.sameAuthor],
    [history?.samePlace, h.samePlace],
  ] as const) {
    if (count === undefined || !Number.isFinite(count) || count <= rule.free) continue
    const weight = round(Math.min(rule.max, rule.perPost * (Math.floor(count) - rule.free)))
    if (weight > 0) out.push({ group: 'history', cue: rule.label, weight, position: -1, note: `${count} earlier post${count === 1 ? '' : 's'} in ${h.windowDays} days` })
  }
  return out
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
