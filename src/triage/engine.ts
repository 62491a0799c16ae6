import type { AppealAssessment } from '../../classifiers/appeal/index.js'
import type { Tokenizer } from '../../classifiers/tokenize.js'
import type { LianxinConfig } from '../config/schema.js'
import type { Gazetteer, PlaceResult } from './place.js'
import { route, type Routing } from './routing.js'

/** What a topic model says about a text. */
export interface TopicPrediction {
  label: string
  /** 0–1 confidence of the label. */
  score: number
  /** The next best labels. */
  alternatives: Array<{ label: string; score: number }>
  /** The features that pushed the text towards the label, strongest first (for --explain). */
  evidence: string[]
}

export interface TopicModel {
  id: string
  labels: readonly string[]
  /** `normalised`: `text` is already the tokenizer's normalised form. */
  predict(text: string, tokens: readonly string[], normalised?: boolean): TopicPrediction
}

export interface UrgencyCue {
  group: string
  cue: string
  weight: number
  note?: string
}

export interface UrgencyAssessment {
  level: '特急' | '紧急' | '一般'
  score: number
  cues: UrgencyCue[]
}

/** Earlier posts by the same author or about the same community (repeat posting raises urgency). */
export interface UrgencyHistory {
  sameAuthor?: number
  samePlace?: number
}

export type UrgencyScorer = (text: string, context: { now: Date; history?: UrgencyHistory }) => UrgencyAssessment

export type { AppealAssessment }

/** Whether a self-media post carries a citizen's appeal (or is a notice, news, thanks). */
export type AppealScorer = (text: string) => AppealAssessment

export interface TriageEngine {
  config: LianxinConfig
  tokenizer: Tokenizer
  topic: TopicModel
  urgency: UrgencyScorer
  appeal: AppealScorer
  gazetteer: Gazetteer
}

export interface TriageInput {
  title: string
  body: string
  history?: UrgencyHistory
  /** Where the post is, when the caller located it already (to read its history). */
  place?: PlaceResult
}

export interface TriageResult {
  model: string
  topic: TopicPrediction
  urgency: UrgencyAssessment
  appeal: AppealAssessment
  place: PlaceResult
  routing: Routing
}

/**
 * The whole triage of one post, pure and synchronous: tokenize once, then topic, urgency, whether
 * it is an appeal at all, place and "10+N" routing, each with the reasons a person can read.
 */
export function triage(engine: TriageEngine, input: TriageInput, now: Date): TriageResult {
  const text = engine.tokenizer.normalise(`${input.title}\n${input.body}`)
  const tokens = engine.tokenizer.tokens(text, true)
  const topic = engine.topic.predict(text, tokens, true)
  const place = input.place ?? engine.gazetteer.locate(input.title, input.body)
  const urgency = engine.urgency(text, { now, ...(input.history ? { history: input.history } : {}) })
  const appeal = engine.appeal(text)
  const routing = route(engine.config, topic.label, topic.score, place)
  return { model: engine.topic.id, topic, urgency, appeal, place, routing }
}

/** The lines `--explain` prints: why this topic, this urgency, appeal or not, and this owner. */
export function explain(result: TriageResult): string[] {
  const lines = [
    `topic   ${result.topic.label} (${pct(result.topic.score)}; next: ${result.topic.alternatives.map((a) => `${a.label} ${pct(a.score)}`).join(', ') || '-'})`,
    ...(result.topic.evidence.length > 0 ? [`        because of: ${result.topic.evidence.join('、')}`] : []),
    `urgency ${result.urgency.level} (score ${result.urgency.score.toFixed(1)})`,
    ...result.urgency.cues.map((c) => `        ${c.group}: "${c.cue}" ${c.weight >= 0 ? '+' : ''}${c.weight.toFixed(1)}${c.note ? ` (${c.note})` : ''}`),
    `appeal  ${result.appeal.appeal ? 'yes' : 'no: reads as a notice, news or thanks'} (score ${result.appeal.score.toFixed(1)}; self-media posts open a ticket only if yes, or if 特急)`,
    ...result.appeal.cues.map((c) => `        ${c.group}: "${c.cue}" ${c.weight >= 0 ? '+' : ''}${c.weight.toFixed(1)}`),
    `place   ${result.place.zoneName ?? 'unknown'}${result.place.community ? ` / ${result.place.community}` : ''} (${pct(result.place.confidence)})`,
    ...result.place.reasons.map((r) => `        ${r}`),
    `owner   ${result.routing.lead.name} leads${result.routing.assist.length > 0 ? `; ${result.routing.assist.map((a) => a.name).join('、')} assist` : ''} (${pct(result.routing.confidence)})`,
    ...result.routing.reasons.map((r) => `        ${r}`),
  ]
  return lines
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`
}
