/**
 * The room-temperature rule of the urgency lexicon: a temperature written after a word such as
 * 室温 or 屋里, in digits or Chinese numerals ("室温只有12度", "屋里才十二度", "家里不到18℃").
 */
import type { UrgencyLexicon } from './lexicon.js'

const NUMERALS: Record<string, number> = { 零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 几: 5 }
const TEMPERATURE_RE = /([^\d零一二两三四五六七八九十几]{0,20}?)(零下|-)?(\d{1,2}(?:\.\d)?|[零一二两三四五六七八九十几]{1,3})(?:摄氏度|度|°c|°)/y

/** 12 → 12, "十二" → 12, "十几" → 15 (about), "八" → 8. */
function parseDegrees(s: string): number | undefined {
  if (/^\d/.test(s)) return Number(s)
  const ten = s.indexOf('十')
  if (ten < 0) return s.length === 1 ? NUMERALS[s] : undefined
  const tens = ten === 0 ? 1 : NUMERALS[s.slice(0, ten)]
  const ones = ten === s.length - 1 ? 0 : NUMERALS[s.slice(ten + 1)]
  return tens === undefined || ones === undefined ? undefined : tens * 10 + ones
}

/**
 * A room temperature right after a trigger word at `from` ("室温只有12度", "屋里不到十五度"),
 * weighted by `roomTemperature.below`; undefined when there is none or it is warm enough.
 */
export function roomTemperature(t: string, from: number, lexicon: UrgencyLexicon): { end: number; weight: number } | undefined {
  const rule = lexicon.data.roomTemperature
  TEMPERATURE_RE.lastIndex = from
  const m = TEMPERATURE_RE.exec(t)
  if (m === null) return undefined
  const between = m[1] ?? ''
  if (between.length > rule.window || [...between].some((c) => lexicon.clauseBreaks.has(c.charCodeAt(0)) || lexicon.sentenceBreaks.has(c.charCodeAt(0)))) return undefined
  let degrees = parseDegrees(m[3] ?? '')
  if (degrees === undefined) return undefined
  if (m[2] !== undefined) degrees = -degrees
  // "不到18度", "没有18度": below the number written.
  if (lexicon.belowWords.some((w) => between.includes(w))) degrees -= 0.5
  let weight = 0
  for (const step of rule.below) if (degrees < step.degrees) weight = Math.max(weight, step.weight)
  return weight > 0 ? { end: from + m[0].length, weight } : undefined
}
