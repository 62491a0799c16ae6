/**
 * One "五个一" clock as a ticket records it, and its timing under a policy. The record keeps
 * only facts (when it started and stopped, every pause interval, every extension); the
 * limits come from the policy at the time of asking, so changing the policy never loses the
 * paused time or the extensions already granted.
 */
import { parseDuration } from '../../config/duration.js'
import type { ClockName } from '../../config/sections/operations.js'
import { countedBetween, instantAfter, type ClockBasis, type Interval, type WorkingCalendar } from './calendar.js'

/** One clock's limit: how long and on which basis. `within` is a duration ("1d") or ms. */
export interface ClockSettings {
  readonly within: string | number
  readonly basis: ClockBasis
}

/** The SLA part of the policy: the `sla` section of lianxin.yaml, or the same shape in ms. */
export interface SlaPolicy {
  readonly calendar: Omit<WorkingCalendar, 'timeZone'>
  /** Warn when this fraction of a clock's time has run, e.g. 0.8. */
  readonly warnAt: number
  /** Remind the supervising leader after a reply has waited this long for their signature (natural time). */
  readonly escalateLeaderAfter: string | number
  /** How long after a breach the supervising leader is told (分层督办, third tier); 1d when unset. */
  readonly escalateAfterBreach?: string | number
  readonly clocks: Readonly<Record<ClockName, ClockSettings>>
}

/** What the clocks need from the policy. */
export interface ClockPolicy {
  readonly sla: SlaPolicy
  /** District time zone (`district.timezone`), e.g. Asia/Shanghai. */
  readonly timeZone: string
}

/** A pause of a clock, approved by a bureau head or supervising leader. */
export interface ClockPause {
  readonly from: string
  /** Absent while the clock is still paused. */
  readonly to?: string
  readonly reason: string
  readonly approver: string
  readonly by: string
}

/** Extra time granted to a clock, counted on the clock's own basis. */
export interface ClockExtension {
  readonly at: string
  readonly byMs: number
  readonly reason: string
  readonly approver: string
  readonly by: string
}

/** A clock as the ticket state records it. */
export interface ClockRecord {
  readonly name: ClockName
  /** 1 for the first handling; a reopened ticket restarts its reply and close clocks in round 2, 3… */
  readonly round: number
  readonly startedAt: string
  /** When its target event happened (or the ticket was merged away, see `cancelled`). */
  readonly stoppedAt?: string
  /** Stopped because the ticket was merged into another, not because the target was reached. */
  readonly cancelled?: boolean
  readonly pauses: readonly ClockPause[]
  readonly extensions: readonly ClockExtension[]
}

/** The five clocks of a ticket. */
export type TicketClocks = Readonly<Record<ClockName, ClockRecord>>

/**
 * Where each clock starts and stops. Every clock counts from receipt (`opened`): 一时接访,
 * 一日交办, 一周定性, 一旬答复 and 一月办结 are all limits from the day a case came in.
 * A reopened ticket restarts `reply` and `close` at `reopened`.
 */
export const CLOCK_TARGETS: Readonly<Record<ClockName, string>> = {
  accept: 'accepted',
  assign: 'assigned (the first assignment)',
  characterise: 'characterised, once in effect (an "unreasonable" finding when the bureau head approves it)',
  reply: 'published',
  close: 'closed',
}

/** A duration from the policy in ms: a number is ms already, a string is parsed ("1d"). */
export function durationMs(value: string | number): number {
  return typeof value === 'number' ? value : parseDuration(value)
}

/** A clock's timing at one instant, all instants in epoch ms. */
export interface ClockTiming {
  readonly basis: ClockBasis
  readonly withinMs: number
  readonly extendedMs: number
  /** withinMs + extendedMs: the counted time the clock allows. */
  readonly budgetMs: number
  /** Wall time spent paused (an open pause counts up to `now`). */
  readonly pausedMs: number
  /** Counted time used, up to the stop or `now`. */
  readonly elapsedMs: number
  readonly startedAt: number
  readonly stoppedAt: number | undefined
  /** When the budget runs out; while paused, the deadline if the clock resumed at `now`. */
  readonly dueAt: number
  /** When `warnAt` of the budget has run. */
  readonly warnAt: number
  readonly paused: boolean
}

/** The calendar of a policy, with its time zone. */
export function calendarOf(policy: ClockPolicy): WorkingCalendar {
  return { ...policy.sla.calendar, timeZone: policy.timeZone }
}

/** Pause intervals of a record, an open pause ending at `now`. */
export function pauseIntervals(record: ClockRecord, now: number): Interval[] {
  return record.pauses.map((p) => [Date.parse(p.from), p.to === undefined ? Math.max(now, Date.parse(p.from)) : Date.parse(p.to)] as const)
}

/** How a clock stands at `now` under `policy`. */
export function clockTiming(record: ClockRecord, policy: ClockPolicy, now: number): ClockTiming {
  const settings = policy.sla.clocks[record.name]
  const calendar = calendarOf(policy)
  const withinMs = durationMs(settings.within)
  const extendedMs = record.extensions.reduce((sum, e) => sum + e.byMs, 0)
  const budgetMs = withinMs + extendedMs
  const startedAt = Date.parse(record.startedAt)
  const stoppedAt = record.stoppedAt === undefined ? undefined : Date.parse(record.stoppedAt)
  const pauses = pauseIntervals(record, now)
  const end = stoppedAt ?? now
  return {
    basis: settings.basis,
    withinMs,
    extendedMs,
    budgetMs,
    pausedMs: pauses.reduce((sum, [a, b]) => sum + Math.max(0, b - a), 0),
    elapsedMs: countedBetween(startedAt, end, settings.basis, calendar, pauses),
    startedAt,
    stoppedAt,
    dueAt: instantAfter(startedAt, budgetMs, settings.basis, calendar, pauses),
    warnAt: instantAfter(startedAt, Math.round(budgetMs * policy.sla.warnAt), settings.basis, calendar, pauses),
    paused: stoppedAt === undefined && record.pauses.some((p) => p.to === undefined),
  }
}

/** A fresh clock record. */
export function startClock(name: ClockName, at: string, round = 1): ClockRecord {
  return { name, round, startedAt: at, pauses: [], extensions: [] }
}

/** The record stopped at `at` (an open pause ends there too). A stopped clock stays as it is. */
export function stopClock(record: ClockRecord, at: string, cancelled = false): ClockRecord {
  if (record.stoppedAt !== undefined) return record
  const pauses = record.pauses.map((p) => (p.to === undefined ? { ...p, to: at } : p))
  return { ...record, pauses, stoppedAt: at, ...(cancelled ? { cancelled: true } : {}) }
}
