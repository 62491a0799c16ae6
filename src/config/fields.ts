/**
 * Field types shared by the sections of lianxin.yaml: ids, URLs, dates, cron expressions,
 * time zones. Each carries a message a bureau clerk can act on.
 */
import { Cron } from 'croner'
import { z } from 'zod'

/** Ids of zones, departments, users, sources and channels: lower-case ASCII, digits, dashes. */
export const SLUG = /^[a-z][a-z0-9-]*$/

/** A lower-case ASCII id such as `xingjian` or `chengguan`. */
export const slug = z
  .string({ error: 'expected an id such as "xingjian" (lower-case letters, digits and -)' })
  .regex(SLUG, { error: 'must be lower-case ASCII letters, digits and "-", starting with a letter (e.g. "xingjian")' })
  .max(40, { error: 'ids are at most 40 characters' })

/** A non-empty display text (names in Chinese are fine). */
export const text = z
  .string({ error: 'expected text' })
  .trim()
  .min(1, { error: 'must not be empty' })

/**
 * Treats an empty YAML value (`key:` with everything under it commented out, which YAML reads
 * as null) as if the key were absent, so the default applies.
 */
export function emptyAsDefault<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema)
}

/** A list of texts, empty by default. */
export const textList = emptyAsDefault(z.array(text).default([]))

/** True if `value` is a calendar date written YYYY-MM-DD that exists (no 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/** A calendar date `YYYY-MM-DD` (quoted or not: YAML 1.2 keeps it a string). */
export const calendarDate = z
  .string({ error: 'expected a date written YYYY-MM-DD' })
  .refine(isCalendarDate, { error: (issue) => `"${String(issue.input)}" is not a real date (write YYYY-MM-DD, e.g. 2026-10-01)` })

/** True if the runtime knows `zone` as an IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** An IANA time zone such as Asia/Shanghai. */
export const timeZone = z
  .string({ error: 'expected a time zone such as "Asia/Shanghai"' })
  .refine(isTimeZone, { error: (issue) => `unknown time zone "${String(issue.input)}" (use an IANA name such as Asia/Shanghai)` })

/** The reason `expr` is not a cron expression croner accepts, or `undefined`. */
export function cronProblem(expr: string): string | undefined {
  try {
    const job = new Cron(expr, { paused: true })
    job.stop()
    return undefined
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err))
      .replace(/^CronPattern:\s*/, '')
      .replace(/^invalid configuration format \('[^']*'\),\s*/, '')
      .replace(/\.$/, '')
    return `"${expr}" is not a valid cron expression: ${reason}; e.g. "*/30 * * * *" = every 30 minutes`
  }
}

/** A cron schedule ("*\/30 * * * *", "0 8 * * 1-5", "@hourly"). */
export const cronExpression = z
  .string({ error: 'expected a cron expression such as "*/30 * * * *"' })
  .superRefine((expr, ctx) => {
    const problem = cronProblem(expr)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, params: { expected: 'cron expression' } })
  })

function urlWith(protocols: readonly string[], example: string) {
  return z.string({ error: `expected a URL such as ${example}` }).superRefine((value, ctx) => {
    let parsed: URL
    try {
      parsed = new URL(value)
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL (e.g. ${example})`, params: { expected: 'URL' } })
      return
    }
    const scheme = parsed.protocol.replace(/:$/, '')
    if (!protocols.includes(scheme) || parsed.hostname === '') {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" must be a ${protocols.join('/')} URL with a host (e.g. ${example})`,
        params: { expected: `${protocols.join('/')} URL` },
      })
    }
  })
}

/** An http(s) URL. */
export const httpUrl = urlWith(['http', 'https'], 'https://www.hrbpf.gov.cn/')
/** A proxy URL (http, https, socks4, socks5). */
export const proxyUrl = urlWith(['http', 'https', 'socks4', 'socks5'], 'http://127.0.0.1:7890')
/** An SMTP server URL, credentials allowed. */
export const smtpUrl = urlWith(['smtp', 'smtps'], 'smtps://user:pass@smtp.example.cn:465')

/** A positive integer. */
export const positiveInt = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).positive({ error: 'must be greater than 0' })
/** A non-negative integer. */
export const nonNegativeInt = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(0, { error: 'must not be negative' })
