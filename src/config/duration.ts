/**
 * Durations as people write them in lianxin.yaml: "45m", "1h", "1.5h", "1d", "1w", "1h30m".
 * Units: s (seconds), m (minutes), h (hours), d (days), w (weeks). No months: "一月办结" is
 * written "30d" so the number is never ambiguous.
 */
import { z } from 'zod'

const UNIT_MS = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const
type Unit = keyof typeof UNIT_MS

const WHOLE = /^(?:\d+(?:\.\d+)?[smhdw])+$/
const PART = /(\d+(?:\.\d+)?)([smhdw])/g

/** The reason `text` is not a usable duration, or `undefined` if it is one. */
export function durationProblem(text: string): string | undefined {
  const compact = text.trim().replace(/\s+/g, '')
  if (compact === '') return 'a duration must not be empty (write e.g. "1h", "1d" or "30d")'
  if (compact.startsWith('-')) return `duration "${text}" is negative; it must be greater than zero`
  if (!WHOLE.test(compact)) {
    return `"${text}" is not a duration; write a number and a unit s/m/h/d/w, e.g. "45m", "1.5h", "7d"`
  }
  let total = 0
  for (const match of compact.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2] as Unit]
  if (total <= 0) return `duration "${text}" is zero; it must be greater than zero`
  if (!Number.isSafeInteger(Math.round(total))) return `duration "${text}" is too long`
  return undefined
}

/**
 * Parses a duration to milliseconds.
 *
 * @throws Error naming the value when it is malformed, zero or negative.
 * @example parseDuration('1.5h') // 5_400_000
 */
export function parseDuration(text: string): number {
  const problem = durationProblem(text)
  if (problem !== undefined) throw new Error(problem)
  let total = 0
  for (const match of text.replace(/\s+/g, '').matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2] as Unit]
  return Math.round(total)
}

/** A duration field: a string like "1d", validated; read it with {@link parseDuration}. */
export const durationSchema = z
  .string({ error: 'expected a duration such as "1h", "1d" or "30d"' })
  .superRefine((text, ctx) => {
    const problem = durationProblem(text)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, params: { expected: 'duration' } })
  })
