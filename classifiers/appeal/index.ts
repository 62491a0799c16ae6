/**
 * Does a self-media post carry a citizen's appeal (诉求: a problem, a plea, a demand, a
 * question), or is it a notice, news or thanks? Scored from the editable lexicon in
 * `classifiers/appeal/lexicon.yaml` (weighted cue groups, notices and thanks counting against),
 * with one Aho–Corasick pass like the urgency scorer. Only appeals open tickets from Weibo and
 * WeChat sources; see the YAML for the rules, next to the data.
 */
import { z } from 'zod'
import { parseYamlWith, readYamlFile } from '../../src/config/yaml-file.js'
import { packagePath } from '../../src/paths.js'
import { PhraseAutomaton, leftmostLongest } from '../urgency/automaton.js'
import { compactPhrase } from '../urgency/lexicon.js'

const phrase = z.string().trim().min(1, 'a phrase may not be empty')
const groupSchema = z.strictObject({
  label: z.string(),
  /** Points of the group's strongest cue; negative for groups that speak against an appeal. */
  weight: z.number().min(-20).max(20).refine((w) => w !== 0, { message: 'a weight of 0 would do nothing' }),
  /** Most points (in size) the group adds. */
  cap: z.number().positive().max(40).optional(),
  cues: z.array(phrase).min(1),
})

/** The schema of lexicon.yaml. */
export const appealLexiconSchema = z
  .strictObject({
    version: z.literal(1),
    threshold: z.number().min(-40).max(40),
    additionalCue: z.number().min(0).max(1),
    groups: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a group key is lower-case English letters, digits and "_"'), groupSchema),
  })
  // Runs even when other keys are wrong, so every problem shows at once.
  .superRefine((data, ctx) => checkPhrasesOnce(data, ctx), { when: () => true })

/** Every phrase may appear once in the whole file (after normalisation), or its group would be ambiguous. */
function checkPhrasesOnce(data: unknown, ctx: z.RefinementCtx): void {
  const groups = (data as { groups?: unknown }).groups
  if (typeof groups !== 'object' || groups === null) return
  const seen = new Map<string, PropertyKey[]>()
  for (const [key, group] of Object.entries(groups as Record<string, { cues?: unknown }>)) {
    if (!Array.isArray(group?.cues)) continue
    group.cues.forEach((text: unknown, i: number) => {
      if (typeof text !== 'string') return
      const path = ['groups', key, 'cues', i]
      const compact = compactPhrase(text)
      const first = seen.get(compact)
      if (compact === '') ctx.addIssue({ code: 'custom', path, message: `"${text}" is empty once normalised` })
      else if (first !== undefined) ctx.addIssue({ code: 'custom', path, message: `"${text}" is listed twice; each phrase may appear once`, params: { firstPath: first } })
      else seen.set(compact, path)
    })
  }
}

export type AppealLexiconData = z.output<typeof appealLexiconSchema>

/** The compiled lexicon. */
export interface AppealLexicon {
  file: string
  data: AppealLexiconData
  automaton: PhraseAutomaton
  /** By phrase id: the cue as written, its group key. */
  phrases: Array<{ text: string; group: string }>
}

/** One cue found in a post. */
export interface AppealCue {
  group: string
  cue: string
  /** What it added (negative for notices and thanks), after the group's rules. */
  weight: number
}

/** Whether a post is an appeal, and why. */
export interface AppealAssessment {
  appeal: boolean
  score: number
  /** Every cue that counted, strongest first within its group. */
  cues: AppealCue[]
}

export const DEFAULT_APPEAL_LEXICON_PATH = packagePath('classifiers', 'appeal', 'lexicon.yaml')

export function compileAppealLexicon(data: AppealLexiconData, file = 'lexicon.yaml'): AppealLexicon {
  const automaton = new PhraseAutomaton()
  const phrases: AppealLexicon['phrases'] = []
  for (const [group, g] of Object.entries(data.groups)) {
    for (const text of g.cues) {
      automaton.add(compactPhrase(text))
      phrases.push({ text, group })
    }
  }
  automaton.build()
  return { file, data, automaton, phrases }
}

/**
 * Parses and validates the text of an appeal lexicon.
 *
 * @throws ConfigError naming the key path and line of every problem.
 */
export function parseAppealLexicon(input: string | Uint8Array, fileName = 'lexicon.yaml'): AppealLexicon {
  const suggestions = ['the comments at the top of lexicon.yaml describe every key', 'restore the shipped file with "git checkout classifiers/appeal/lexicon.yaml"']
  return compileAppealLexicon(parseYamlWith(appealLexiconSchema, input, fileName, { what: 'appeal lexicon', suggestions }), fileName)
}

/** Reads, validates and compiles the appeal lexicon (default: the shipped one). */
export function loadAppealLexicon(path: string = DEFAULT_APPEAL_LEXICON_PATH): AppealLexicon {
  return parseAppealLexicon(readYamlFile(path, 'appeal lexicon'), path)
}

/**
 * Scores one post. `text` may be raw (HTML, full-width characters) or already normalised.
 */
export function scoreAppeal(lexicon: AppealLexicon, text: string): AppealAssessment {
  const compact = compactPhrase(text)
  const found = leftmostLongest(lexicon.automaton.scan(compact))
  const byGroup = new Map<string, Set<number>>()
  for (const m of found) {
    const group = lexicon.phrases[m.id]!.group
    const ids = byGroup.get(group) ?? new Set<number>()
    ids.add(m.id)
    byGroup.set(group, ids)
  }
  const cues: AppealCue[] = []
  let score = 0
  for (const [key, ids] of byGroup) {
    const group = lexicon.data.groups[key]!
    const sign = Math.sign(group.weight)
    let size = 0
    let first = true
    for (const id of ids) {
      const add = Math.abs(group.weight) * (first ? 1 : lexicon.data.additionalCue)
      const room = group.cap === undefined ? add : Math.max(0, Math.min(add, group.cap - size))
      first = false
      if (room <= 0) continue
      size += room
      cues.push({ group: key, cue: lexicon.phrases[id]!.text, weight: round(sign * room) })
    }
    score += sign * size
  }
  score = round(score)
  return { appeal: score >= lexicon.data.threshold, score, cues }
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}

/** A scorer over the given (default: shipped) lexicon. */
export function createAppealScorer(lexicon: AppealLexicon = loadAppealLexicon()): (text: string) => AppealAssessment {
  return (text) => scoreAppeal(lexicon, text)
}
