/**
 * Counting time for the "五个一" clocks: wall time (natural basis) or working-day time
 * (working basis), minus paused intervals. Pure functions over epoch milliseconds.
 *
 * Working basis, the exact rule: a clock counts only the time that falls on a working day,
 * where a day runs from local midnight to the next local midnight in the district time zone
 * (Asia/Shanghai by default). A working day is a make-up workday (调休上班), or else a day in
 * `workdays` (ISO 1 = Monday … 7 = Sunday) that is not a holiday. Whole days, no office hours:
 * "1d" is 24 hours of working-day time, so a 1d clock started Friday 17:00 (7 h left on Friday)
 * runs out Monday 17:00, and one started on Saturday runs out at Tuesday 00:00.
 */

/** The working calendar of the district. */
export interface WorkingCalendar {
  /** ISO weekdays that are worked, 1 = Monday … 7 = Sunday. */
  readonly workdays: readonly number[]
  /** Days off (法定节假日), YYYY-MM-DD. A day listed here and in makeupWorkdays is a day off. */
  readonly holidays: readonly string[]
  /** Weekend days that are worked (调休上班), YYYY-MM-DD. */
  readonly makeupWorkdays: readonly string[]
  /** IANA time zone the days are counted in, e.g. Asia/Shanghai. */
  readonly timeZone: string
}

/** Whether a clock counts every hour or only working-day hours. */
export type ClockBasis = 'natural' | 'working'

/** A half-open interval [from, to) in epoch milliseconds. */
export type Interval = readonly [from: number, to: number]

/** The longest stretch the day walk will cover before giving up (a misconfigured calendar). */
const MAX_DAYS = 3700
/** One day in ms. */
export const DAY_MS = 86_400_000

const offsetFormats = new Map<string, Intl.DateTimeFormat>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

function offsetFormat(timeZone: string): Intl.DateTimeFormat {
  let format = offsetFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    offsetFormats.set(timeZone, format)
  }
  return format
}

/** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const name = offsetFormat(timeZone).formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT'
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  if (!match) return 0
  const sign = match[1] === '-' ? -1 : 1
  return sign * (Number(match[2]) * 3_600_000 + Number(match[3]) * 60_000)
}

/** The local calendar date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(instant: number, timeZone: string): string {
  let format = dateFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dateFormats.set(timeZone, format)
  }
  return format.format(instant)
}

const midnights = new Map<string, number>()

/** The instant of local midnight at the start of a date (YYYY-MM-DD) in a zone. */
export function localMidnight(date: string, timeZone: string): number {
  const key = `${timeZone}|${date}`
  const known = midnights.get(key)
  if (known !== undefined) return known
  const [y, m, d] = date.split('-').map(Number)
  const guess = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)
  const first = guess - zoneOffsetMs(guess, timeZone)
  const midnight = guess - zoneOffsetMs(first, timeZone)
  // Bounded in practice by the days the clocks touch; cleared if a long-running process goes far.
  if (midnights.size > 50_000) midnights.clear()
  midnights.set(key, midnight)
  return midnight
}

/** The date after `date` (YYYY-MM-DD), zone-independent. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + 1)).toISOString().slice(0, 10)
}

/** ISO weekday of a date (YYYY-MM-DD): 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  const day = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)).getUTCDay()
  return day === 0 ? 7 : day
}

/** Whether a date (YYYY-MM-DD) is worked: a holiday is not; a make-up day is; else its weekday decides. */
export function isWorkingDay(date: string, calendar: WorkingCalendar): boolean {
  if (calendar.holidays.includes(date)) return false
  if (calendar.makeupWorkdays.includes(date)) return true
  return calendar.workdays.includes(isoWeekday(date))
}

/** Sorted, merged copy of some intervals (empty ones dropped). */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])
  const merged: Array<[number, number]> = []
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1]
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else merged.push([a, b])
  }
  return merged
}

/** The stretches of time the basis counts, from `from` on, in order (unbounded for natural time). */
function* baseSegments(from: number, basis: ClockBasis, calendar: WorkingCalendar): Generator<Interval> {
  if (basis === 'natural') {
    yield [from, Number.POSITIVE_INFINITY]
    return
  }
  let date = localDate(from, calendar.timeZone)
  let start = localMidnight(date, calendar.timeZone)
  for (let day = 0; day < MAX_DAYS; day++) {
    const next = nextDate(date)
    const end = localMidnight(next, calendar.timeZone)
    if (isWorkingDay(date, calendar) && end > from) yield [Math.max(start, from), end]
    date = next
    start = end
  }
  throw new RangeError(`no end found within ${MAX_DAYS} days; check the working calendar (workdays must not be empty)`)
}

/** The counted stretches from `from` on: the basis's segments minus the (merged) pauses. */
export function* countedSegments(from: number, basis: ClockBasis, calendar: WorkingCalendar, pauses: readonly Interval[]): Generator<Interval> {
  const cuts = mergeIntervals(pauses)
  let i = 0
  for (const [a0, b] of baseSegments(from, basis, calendar)) {
    let a = a0
    while (a < b) {
      while (i < cuts.length && (cuts[i]?.[1] ?? 0) <= a) i++
      const cut = cuts[i]
      if (!cut || cut[0] >= b) {
        yield [a, b]
        break
      }
      if (cut[0] > a) yield [a, cut[0]]
      a = Math.max(a, cut[1])
    }
  }
}

/** Counted time between two instants (0 when `to` ≤ `from`). */
export function countedBetween(from: number, to: number, basis: ClockBasis, calendar: WorkingCalendar, pauses: readonly Interval[]): number {
  if (to <= from) return 0
  let total = 0
  for (const [a, b] of countedSegments(from, basis, calendar, pauses)) {
    if (a >= to) break
    total += Math.min(b, to) - a
  }
  return total
}

/** The instant at which `amount` ms of counted time have run since `from`. */
export function instantAfter(from: number, amount: number, basis: ClockBasis, calendar: WorkingCalendar, pauses: readonly Interval[]): number {
  let left = Math.max(0, amount)
  for (const [a, b] of countedSegments(from, basis, calendar, pauses)) {
    if (b - a >= left) return a + left
    left -= b - a
  }
  // Unreachable: countedSegments either never ends (natural) or throws (working).
  throw new RangeError('the clock never runs out')
}

/** "2026-10-09 17:00 (Asia/Shanghai)": an instant as people in the district read it. */
export function formatLocal(instant: number, timeZone: string): string {
  const local = new Date(instant + zoneOffsetMs(instant, timeZone)).toISOString()
  return `${local.slice(0, 10)} ${local.slice(11, 16)} (${timeZone})`
}
