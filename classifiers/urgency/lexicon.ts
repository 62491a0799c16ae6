/**
 * The urgency lexicon (`classifiers/urgency/lexicon.yaml`): its zod schema, the loader that
 * points every problem at a key and a line, and the compiled form the scorer uses.
 */
import { z } from 'zod'
import type { ConfigIssue } from '../../src/config/issues.js'
import { parseYamlWith, readYamlFile } from '../../src/config/yaml-file.js'
import { packagePath } from '../../src/paths.js'
import { normaliseText } from '../tokenize.js'
import { PhraseAutomaton } from './automaton.js'

const phrase = z.string().trim().min(1, 'a phrase may not be empty')
const phrases = z.array(phrase)
const weight = z.number().min(0).max(100)
const factor = z.number().min(0).max(10)
const window = z.number().int().min(0).max(50)
const groupKey = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a group key is lower-case English letters, digits and "_"')
/** `- 着火` (the group's weight) or `- 冒烟: 5` (its own weight). */
const cueItem = z.union([
  phrase,
  z.record(phrase, weight).refine((r) => Object.keys(r).length === 1, { message: 'write one cue per line, e.g. "- 冒烟: 5"' }),
])
const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a month and day written MM-DD, e.g. "10-20"')
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date written YYYY-MM-DD')
  .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), { message: 'not a real date' })
const markers = z.strictObject({ window, words: phrases })
const repeat = z.strictObject({ label: z.string(), free: z.number().int().min(0), perPost: weight, max: weight })

const groupSchema = z.strictObject({
  label: z.string(),
  weight,
  hypothetical: factor.default(1),
  question: factor.default(1),
  cap: weight.optional(),
  cues: z.array(cueItem).min(1),
  examples: z.array(z.string()).default([]),
})

const lexiconShape = z.strictObject({
  version: z.literal(1),
  utcOffsetHours: z.number().min(-12).max(14),
  levels: z.strictObject({ 特急: weight, 紧急: weight }).refine((l) => l.特急 > l.紧急 && l.紧急 > 0, { message: '特急 must be above 紧急, and 紧急 above 0' }),
  additionalCue: z.number().min(0).max(1),
  clauseBreaks: z.string().min(1),
  sentenceBreaks: z.string().min(1),
  negation: z.strictObject({ window, shortWindow: window, words: phrases }),
  hypothetical: markers,
  question: z.strictObject({ window, words: phrases, endings: phrases }),
  ignore: phrases,
  groups: z.record(groupKey, groupSchema),
  roomTemperature: z.strictObject({
    group: groupKey,
    window: z.number().int().min(0).max(20),
    words: phrases,
    belowWords: phrases,
    below: z.array(z.strictObject({ degrees: z.number().min(-40).max(40), weight })).min(1),
  }),
  seasons: z.array(z.strictObject({ label: z.string(), from: monthDay, to: monthDay, factor, groups: z.array(groupKey).min(1) })),
  springFestival: z.strictObject({
    label: z.string(),
    daysBefore: z.number().int().min(0).max(120),
    daysAfter: z.number().int().min(0).max(60),
    factor,
    groups: z.array(groupKey).min(1),
    dates: z.array(isoDate).min(1),
  }),
  history: z.strictObject({ windowDays: z.number().int().positive(), sameAuthor: repeat, samePlace: repeat }),
})

/** lexicon.yaml as validated data. */
export type UrgencyLexiconData = z.output<typeof lexiconShape>

/** The schema of lexicon.yaml: its shape plus the cross-checks (known groups, no phrase twice). */
export const urgencyLexiconSchema = lexiconShape.superRefine((data, ctx) => {
  const groups = Object.keys(data.groups)
  const known = (key: string, path: PropertyKey[]) => {
    if (!groups.includes(key)) ctx.addIssue({ code: 'custom', path, message: `unknown group "${key}" (known: ${groups.join(', ')})` })
  }
  known(data.roomTemperature.group, ['roomTemperature', 'group'])
  data.seasons.forEach((s, i) => s.groups.forEach((g, j) => known(g, ['seasons', i, 'groups', j])))
  data.springFestival.groups.forEach((g, j) => known(g, ['springFestival', 'groups', j]))
  // Every phrase may appear once in the whole file (after normalisation), or the scorer could not tell what it is.
  const seen = new Map<string, PropertyKey[]>()
  for (const { text, path } of allPhrases(data)) {
    const key = compactPhrase(text)
    if (key === '') {
      ctx.addIssue({ code: 'custom', path, message: `"${text}" is empty once normalised` })
      continue
    }
    const first = seen.get(key)
    if (first === undefined) seen.set(key, path)
    else ctx.addIssue({ code: 'custom', path, message: `"${text}" is listed twice; each phrase may appear once`, params: { firstPath: first } })
  }
})

type PhraseKind = 'cue' | 'negator' | 'hypothetical' | 'question' | 'ignore' | 'temperature'

function* allPhrases(data: UrgencyLexiconData): Generator<{ text: string; path: PropertyKey[]; kind: PhraseKind; group?: string; weight?: number }> {
  for (const [key, group] of Object.entries(data.groups)) {
    for (const [i, item] of group.cues.entries()) {
      const [text, w] = typeof item === 'string' ? [item, group.weight] : (Object.entries(item)[0] ?? ['', group.weight])
      yield { text, path: ['groups', key, 'cues', i], kind: 'cue', group: key, weight: w }
    }
  }
  const lists: Array<[PhraseKind, string[], PropertyKey[]]> = [
    ['negator', data.negation.words, ['negation', 'words']],
    ['hypothetical', data.hypothetical.words, ['hypothetical', 'words']],
    ['question', data.question.words, ['question', 'words']],
    ['ignore', data.ignore, ['ignore']],
    ['temperature', data.roomTemperature.words, ['roomTemperature', 'words']],
  ]
  for (const [kind, words, path] of lists) for (const [i, text] of words.entries()) yield { text, path: [...path, i], kind }
}

/** A phrase as the scorer sees it: normalised like a post, without spaces. */
export function compactPhrase(text: string): string {
  return normaliseText(text).replace(/\s+/g, '')
}

/** One phrase of the automaton. */
export interface LexiconPhrase {
  kind: PhraseKind
  /** As written in the YAML. */
  text: string
  /** Index into {@link UrgencyLexicon.groups} (cues only). */
  group: number
  weight: number
}

/** A cue group, ready for scoring. */
export interface LexiconGroup {
  key: string
  label: string
  hypothetical: number
  question: number
  cap: number | undefined
}

/** The compiled lexicon: load it once with {@link loadUrgencyLexicon}, then score many posts. */
export interface UrgencyLexicon {
  /** The file it was read from (for messages). */
  file: string
  data: UrgencyLexiconData
  automaton: PhraseAutomaton
  /** By automaton phrase id. */
  phrases: LexiconPhrase[]
  groups: LexiconGroup[]
  /** The day numbers (days since 1970-01-01) of the Spring Festivals. */
  festivalDays: number[]
  /** Clause and sentence breaks as sets of UTF-16 code units (normalised like a post). */
  clauseBreaks: ReadonlySet<number>
  sentenceBreaks: ReadonlySet<number>
  questionEndings: string[]
  belowWords: string[]
}

/** Builds the automaton and lookup tables of validated lexicon data. */
export function compileLexicon(data: UrgencyLexiconData, file = 'lexicon.yaml'): UrgencyLexicon {
  const groupKeys = Object.keys(data.groups)
  const groups = Object.entries(data.groups).map(([key, g]) => ({ key, label: g.label, hypothetical: g.hypothetical, question: g.question, cap: g.cap }))
  const automaton = new PhraseAutomaton()
  const phrasesById: LexiconPhrase[] = []
  for (const p of allPhrases(data)) {
    const group = p.kind === 'cue' ? groupKeys.indexOf(p.group ?? '') : p.kind === 'temperature' ? groupKeys.indexOf(data.roomTemperature.group) : -1
    automaton.add(compactPhrase(p.text))
    phrasesById.push({ kind: p.kind, text: p.text, group, weight: p.weight ?? 0 })
  }
  automaton.build()
  const codes = (chars: string) => new Set([...chars, ...chars.normalize('NFKC')].map((c) => c.charCodeAt(0)))
  return {
    file,
    data,
    automaton,
    phrases: phrasesById,
    groups,
    festivalDays: data.springFestival.dates.map((d) => Date.parse(`${d}T00:00:00Z`) / 86_400_000),
    clauseBreaks: codes(data.clauseBreaks),
    sentenceBreaks: codes(data.sentenceBreaks),
    questionEndings: data.question.endings.map(compactPhrase),
    belowWords: data.roomTemperature.belowWords.map(compactPhrase),
  }
}

/** Where the shipped lexicon lives. */
export const DEFAULT_LEXICON_PATH = packagePath('classifiers', 'urgency', 'lexicon.yaml')

/**
 * Parses and validates the text of a lexicon file.
 *
 * @throws ConfigError listing every problem as `file:line:column  key.path: message`, with
 * `details: { file, issues }`.
 */
export function parseUrgencyLexicon(input: string | Uint8Array, fileName = 'lexicon.yaml'): UrgencyLexicon {
  return compileLexicon(parseYamlWith(urgencyLexiconSchema, input, fileName, { what: 'urgency lexicon', suggestions: SUGGESTIONS, mapIssue: groupKeyHint }), fileName)
}

/**
 * Reads, validates and compiles the urgency lexicon.
 *
 * @param path defaults to the shipped `classifiers/urgency/lexicon.yaml`.
 * @throws ConfigError naming the key path and line of every problem.
 */
export function loadUrgencyLexicon(path: string = DEFAULT_LEXICON_PATH): UrgencyLexicon {
  return parseUrgencyLexicon(readYamlFile(path, 'urgency lexicon'), path)
}

const SUGGESTIONS = ['the comments at the top of lexicon.yaml describe every key', 'restore the shipped file with "git checkout classifiers/urgency/lexicon.yaml"']

/** The shared hint finder does not look inside `groups.<name>` (a record): name the allowed keys there. */
function groupKeyHint(issue: ConfigIssue): ConfigIssue {
  if (!/^groups\.[^.[]+\.[^.[]+$/.test(issue.path) || !/^unknown key "[^"]*"$/.test(issue.message)) return issue
  return { ...issue, message: `${issue.message} (allowed here: ${Object.keys(groupSchema.shape).join(', ')})` }
}
