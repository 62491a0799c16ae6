/**
 * Dates as Chinese sites print them (`2026-11-20`, `2026年11月20日 10:30`, `2026/11/20`,
 * `发布时间：2026.11.20 10:30:15`), read as Asia/Shanghai time and returned as ISO-8601 UTC.
 */

/** Asia/Shanghai is UTC+8 all year (no daylight saving since 1991). */
const SHANGHAI_OFFSET_MS = 8 * 3600_000

/** Any year-month-day with `-`, `/`, `.` or 年月日, optionally followed by a time. */
const AUTO =
  /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[T ]?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?/

const TOKENS: Record<string, { field: keyof Fields; pattern: string }> = {
  YYYY: { field: 'year', pattern: '(\\d{4})' },
  MM: { field: 'month', pattern: '(\\d{1,2})' },
  M: { field: 'month', pattern: '(\\d{1,2})' },
  DD: { field: 'day', pattern: '(\\d{1,2})' },
  D: { field: 'day', pattern: '(\\d{1,2})' },
  HH: { field: 'hour', pattern: '(\\d{1,2})' },
  H: { field: 'hour', pattern: '(\\d{1,2})' },
  mm: { field: 'minute', pattern: '(\\d{1,2})' },
  ss: { field: 'second', pattern: '(\\d{1,2})' },
}

interface Fields {
  year: number | undefined
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

/** A compiled `dateFormat`: its regex and which capture group fills which field. */
interface CompiledFormat {
  regex: RegExp
  fields: Array<keyof Fields>
}

/**
 * Compiles a format such as `YYYY年MM月DD日 HH:mm` or `MM-DD` (tokens YYYY, MM/M, DD/D, HH/H,
 * mm, ss; everything else is literal; spaces match any run of whitespace).
 * @throws Error when the format has no month or day.
 */
export function compileDateFormat(format: string): CompiledFormat {
  const fields: Array<keyof Fields> = []
  let source = ''
  for (let i = 0; i < format.length; ) {
    const token = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss', 'M', 'D', 'H'].find((t) => format.startsWith(t, i))
    if (token) {
      const spec = TOKENS[token]
      if (spec) {
        fields.push(spec.field)
        source += spec.pattern
      }
      i += token.length
      continue
    }
    const char = format[i] ?? ''
    source += /\s/.test(char) ? '\\s*' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    i++
  }
  if (!fields.includes('month') || !fields.includes('day')) throw new Error(`date format "${format}" needs a month (MM) and a day (DD)`)
  return { regex: new RegExp(source), fields }
}

/**
 * Finds a date in `text` and returns it as ISO-8601 UTC, read as Asia/Shanghai local time;
 * `null` when there is none or it is not a real date. Without a year in the format, the year
 * is the one that puts the date no later than a day after `now`.
 */
export function parseChineseDate(text: string, format?: string, now: Date = new Date()): string | null {
  const fields = format === undefined ? matchAuto(text) : matchFormat(text, compileDateFormat(format))
  if (!fields) return null
  const year = fields.year ?? inferYear(fields, now)
  return toIso({ ...fields, year })
}

function matchAuto(text: string): Fields | undefined {
  const m = AUTO.exec(text)
  if (!m) return undefined
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: num(m[4]), minute: num(m[5]), second: num(m[6]) }
}

function matchFormat(text: string, format: CompiledFormat): Fields | undefined {
  const m = format.regex.exec(text)
  if (!m) return undefined
  const fields: Fields = { year: undefined, month: 0, day: 0, hour: 0, minute: 0, second: 0 }
  format.fields.forEach((field, index) => {
    fields[field] = Number(m[index + 1])
  })
  return fields
}

function num(value: string | undefined): number {
  return value === undefined ? 0 : Number(value)
}

function inferYear(fields: Fields, now: Date): number {
  const shanghaiYear = new Date(now.getTime() + SHANGHAI_OFFSET_MS).getUTCFullYear()
  const candidate = toIso({ ...fields, year: shanghaiYear })
  return candidate !== null && Date.parse(candidate) > now.getTime() + 86_400_000 ? shanghaiYear - 1 : shanghaiYear
}

function toIso(f: Fields & { year: number }): string | null {
  const { year, month, day, hour, minute, second } = f
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null
  const utc = Date.UTC(year, month - 1, day, hour, minute, second)
  const check = new Date(utc)
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null
  return new Date(utc - SHANGHAI_OFFSET_MS).toISOString()
}
