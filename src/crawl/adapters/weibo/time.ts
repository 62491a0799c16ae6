/**
 * Weibo's `created_at` in every form m.weibo.cn uses, read in Asia/Shanghai (UTC+8, no DST):
 * `Sat Nov 14 12:00:00 +0800 2026`, `2026-11-14 12:00`, and the relative forms of feeds —
 * 刚刚, 30秒前, 5分钟前, 3小时前, 2天前, 今天 08:15, 昨天 21:40, 前天 09:00, 11-14, 11-14 08:15.
 */

const SHANGHAI_OFFSET_MS = 8 * 3600_000
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const UNIT_MS: Record<string, number> = { 秒: 1000, 分钟: 60_000, 分: 60_000, 小时: 3600_000, 天: 86_400_000 }

/** A time that resolves against "now" (刚刚, x分钟前, 昨天 HH:MM, MM-DD…), so it can differ between runs. */
export function isRelativeWeiboDate(value: string): boolean {
  return !/^\s*(?:[A-Za-z]{3} )?[A-Za-z]{3} \d{1,2} \d{1,2}:\d{2}:\d{2} [+-]\d{4} \d{4}\s*$/.test(value) && !/^\s*\d{4}-\d{1,2}-\d{1,2}/.test(value)
}

/**
 * Parses a Weibo time to ISO-8601 UTC; relative forms are resolved against `now`.
 * Returns null for anything unrecognised (the caller keeps the post, without a time).
 */
export function parseWeiboDate(value: string | null | undefined, now: Date): string | null {
  const text = (value ?? '').trim()
  if (text === '') return null

  const absolute = /^(?:[A-Za-z]{3} )?([A-Za-z]{3}) (\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$/.exec(text)
  if (absolute) {
    const [, mon, day, h, mi, s, sign, oh, om, year] = absolute
    const month = MONTHS.indexOf((mon ?? '').toLowerCase())
    if (month < 0) return null
    const offsetMs = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000
    return iso(Date.UTC(Number(year), month, Number(day), Number(h), Number(mi), Number(s)) - offsetMs)
  }

  const full = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text)
  if (full) {
    const [, y, mo, d, h, mi, s] = full
    return iso(shanghai(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)))
  }

  if (text === '刚刚') return now.toISOString()
  const ago = /^(\d+)\s*(秒|分钟|分|小时|天)前$/.exec(text)
  if (ago) return iso(now.getTime() - Number(ago[1]) * (UNIT_MS[ago[2] ?? ''] ?? 0))

  const today = parts(now)
  const dayWord = /^(今天|昨天|前天)\s*(\d{1,2}):(\d{2})$/.exec(text)
  if (dayWord) {
    const back = dayWord[1] === '今天' ? 0 : dayWord[1] === '昨天' ? 1 : 2
    return iso(shanghai(today.year, today.month, today.day - back, Number(dayWord[2]), Number(dayWord[3]), 0))
  }

  const monthDay = /^(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(text)
  if (monthDay) {
    const [, mo, d, h, mi] = monthDay
    let at = shanghai(today.year, Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), 0)
    // A month-day later than today belongs to last year (posts are never in the future).
    if (at > now.getTime() + 86_400_000) at = shanghai(today.year - 1, Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), 0)
    return iso(at)
  }
  return null
}

/** Epoch ms of a wall-clock time in Asia/Shanghai (day may be 0 or negative: Date.UTC rolls over). */
function shanghai(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return Date.UTC(year, month - 1, day, hour, minute, second) - SHANGHAI_OFFSET_MS
}

function parts(date: Date): { year: number; month: number; day: number } {
  const local = new Date(date.getTime() + SHANGHAI_OFFSET_MS)
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() }
}

function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null
}
