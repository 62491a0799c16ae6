/**
 * Where a ticket's clocks stand, and which alerts are due: what `lianxin tickets` shows and
 * what the daemon turns into `escalated` events, each exactly once (its key is the idempotency
 * key of the stored event, and the replayed state remembers it).
 */
import { CLOCK_NAMES, type ClockName } from '../../config/sections/operations.js'
import type { TicketState } from '../workflow/types.js'
import { clockTiming, durationMs, type ClockPolicy } from './clock.js'
import type { ClockBasis } from './calendar.js'

/** Alert levels: 80 % used, time ran out, and the supervising leader sat too long on a reply. */
export const ALERT_LEVELS = ['warning', 'breach', 'escalate', 'leader'] as const
/** One of {@link ALERT_LEVELS}. */
export type AlertLevel = (typeof ALERT_LEVELS)[number]

/** How a clock stands. `cancelled`: stopped because the ticket was merged into another. */
export type ClockState = 'running' | 'paused' | 'met' | 'warned' | 'breached' | 'cancelled'

/** One clock of one ticket at one instant. Instants are ISO strings. */
export interface ClockStatus {
  readonly name: ClockName
  readonly round: number
  readonly basis: ClockBasis
  readonly startedAt: string
  readonly stoppedAt?: string
  readonly dueAt: string
  readonly warnAt: string
  readonly state: ClockState
  /** Counted time left on the clock's basis (working time for a working clock); negative when overdue. */
  readonly remainingMs: number
  readonly elapsedMs: number
  readonly withinMs: number
  readonly extendedMs: number
  readonly pausedMs: number
}

/** An alert the daemon should record now. */
export interface DueEvent {
  readonly clock: ClockName
  readonly level: AlertLevel
  /** When it fell due. */
  readonly at: string
  /** `clock:<ticket>:<clock>:<level>`, `:r<round>` from the second round, `:v<version>` for leader alerts. */
  readonly key: string
}

function instant(value: Date | string | number): number {
  return value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value)
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The five clocks of a ticket at `now`, in 五个一 order. */
export function clockStatus(ticket: TicketState, policy: ClockPolicy, now: Date | string | number): ClockStatus[] {
  const at = instant(now)
  return CLOCK_NAMES.map((name) => {
    const record = ticket.clocks[name]
    const t = clockTiming(record, policy, at)
    let state: ClockState
    if (record.cancelled) state = 'cancelled'
    else if (t.stoppedAt !== undefined) state = t.stoppedAt <= t.dueAt ? 'met' : 'breached'
    else if (t.paused) state = 'paused'
    else if (at >= t.dueAt) state = 'breached'
    else if (at >= t.warnAt) state = 'warned'
    else state = 'running'
    return {
      name,
      round: record.round,
      basis: t.basis,
      startedAt: record.startedAt,
      ...(record.stoppedAt !== undefined ? { stoppedAt: record.stoppedAt } : {}),
      dueAt: iso(t.dueAt),
      warnAt: iso(t.warnAt),
      state,
      remainingMs: t.budgetMs - t.elapsedMs,
      elapsedMs: t.elapsedMs,
      withinMs: t.withinMs,
      extendedMs: t.extendedMs,
      pausedMs: t.pausedMs,
    }
  })
}

/** The key of an alert, as the daemon stores it and the ticket state remembers it. */
export function alertKey(ticket: TicketState, clock: ClockName, level: AlertLevel): string {
  const base = `clock:${ticket.id}:${clock}:${level}`
  if (level === 'leader') return `${base}:v${ticket.draft?.version ?? 0}`
  const round = ticket.clocks[clock].round
  return round > 1 ? `${base}:r${round}` : base
}

/**
 * The alerts due at `now` that the ticket has not recorded yet, oldest first. A running or
 * paused clock past its warning instant owes a `warning`, past its deadline a `breach` (both,
 * if the daemon was away for both). A reply waiting for the supervising leader longer than
 * `escalateLeaderAfter` (natural time) owes a `leader` alert, once per draft version. Stopped
 * clocks and closed or merged tickets owe nothing.
 */
export function dueEvents(ticket: TicketState, policy: ClockPolicy, now: Date | string | number): DueEvent[] {
  if (ticket.status === 'closed' || ticket.status === 'merged') return []
  const at = instant(now)
  const due: DueEvent[] = []
  const add = (clock: ClockName, level: AlertLevel, when: number) => {
    const key = alertKey(ticket, clock, level)
    if (when <= at && !ticket.alerts.includes(key)) due.push({ clock, level, at: iso(when), key })
  }
  for (const name of CLOCK_NAMES) {
    const record = ticket.clocks[name]
    if (record.stoppedAt !== undefined) continue
    const t = clockTiming(record, policy, at)
    add(name, 'warning', t.warnAt)
    if (!t.paused) {
      add(name, 'breach', t.dueAt)
      add(name, 'escalate', t.dueAt + durationMs(policy.sla.escalateAfterBreach ?? '1d'))
    }
  }
  const since = ticket.draft?.leaderWaitSince
  if (ticket.status === 'awaiting-leader' && since !== undefined) {
    add('reply', 'leader', Date.parse(since) + durationMs(policy.sla.escalateLeaderAfter))
  }
  return due.sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key))
}
