/**
 * Handlers that act on the clocks themselves: pauses and extensions (asked before the
 * deadline, with a reason and an approver), resuming, and the daemon's alerts.
 */
import { CLOCK_NAMES, type ClockName } from '../../config/sections/operations.js'
import { formatLocal } from '../clocks/calendar.js'
import { clockTiming, type ClockRecord } from '../clocks/clock.js'
import { ALERT_LEVELS, alertKey, dueEvents } from '../clocks/status.js'
import { mayApproveTime } from './policy.js'
import { blank, clockEffect, notify, positiveInt, refuse, withClock, type Env, type Outcome } from './step.js'
import type { Effect, Refusal, TicketEventOf, TicketState } from './types.js'

const CLOCK_TITLES: Readonly<Record<ClockName, string>> = {
  accept: 'accept (一时接访)',
  assign: 'assign (一日交办)',
  characterise: 'characterise (一周定性)',
  reply: 'reply (一旬答复)',
  close: 'close (一月办结)',
}

/** The named clock, if it still runs. */
function runningClock(state: TicketState, clock: unknown): ClockRecord | Refusal {
  if (!(CLOCK_NAMES as readonly unknown[]).includes(clock)) return refuse('invalid-payload', `clock must be one of ${CLOCK_NAMES.join(', ')}`)
  const record = state.clocks[clock as ClockName]
  if (record.stoppedAt !== undefined) return refuse('clock-stopped', `the ${CLOCK_TITLES[record.name]} clock of ticket #${state.id} already stopped at ${record.stoppedAt}`)
  return record
}

/**
 * The deadline a pause or extension asked at `at` is checked against: computed from the
 * policy in live mode, read from the event in log mode. Refuses once the deadline has passed.
 */
function beforeDeadline(
  state: TicketState,
  record: ClockRecord,
  event: TicketEventOf<'paused'> | TicketEventOf<'extended'>,
  env: Env,
): { deadline: string } | Refusal {
  const at = Date.parse(event.at)
  const what = event.type === 'paused' ? 'pauses' : 'extensions'
  let deadline: number
  if (env.live) {
    if (!env.policy) return refuse('no-policy', `checking a clock's deadline needs the policy; pass ctx.policy`)
    deadline = clockTiming(record, env.policy, at).dueAt
  } else {
    const recorded = event.payload.deadline
    if (recorded === undefined || Number.isNaN(Date.parse(recorded))) {
      return refuse('deadline-missing', `this ${event.type} event does not record the deadline it was checked against; it was not written through the workflow`)
    }
    deadline = Date.parse(recorded)
  }
  if (at >= deadline) {
    const zone = env.policy?.timeZone ?? 'Asia/Shanghai'
    return refuse('deadline-passed', `the ${CLOCK_TITLES[record.name]} clock ran out at ${formatLocal(deadline, zone)}; ${what} must be asked before the deadline`)
  }
  return { deadline: new Date(deadline).toISOString() }
}

/** Reason and approver checks shared by pauses and extensions. */
function approval(event: TicketEventOf<'paused'> | TicketEventOf<'extended'>, env: Env): Refusal | undefined {
  const what = event.type === 'paused' ? 'a pause' : 'an extension'
  if (blank(event.payload.reason)) return refuse('reason-required', `${what} needs a reason`)
  if (blank(event.payload.approver)) return refuse('approver-required', `${what} needs an approver (a bureau head or the supervising leader)`)
  if (env.live && (!env.policy || !mayApproveTime(env.policy, env.people, event.payload.approver))) {
    return refuse('not-authorised', `${env.name(event.payload.approver)} is neither a bureau head nor a supervising leader and cannot approve ${what}`)
  }
  return undefined
}

/** `paused`: the clock stops counting until `resumed`. */
export function paused(state: TicketState, event: TicketEventOf<'paused'>, env: Env): Outcome {
  const record = runningClock(state, event.payload.clock)
  if ('refused' in record) return record
  if (record.pauses.some((p) => p.to === undefined)) return refuse('clock-paused', `the ${CLOCK_TITLES[record.name]} clock is already paused`)
  const refusal = approval(event, env)
  if (refusal) return refusal
  const checked = beforeDeadline(state, record, event, env)
  if ('refused' in checked) return checked
  const { reason, approver } = event.payload
  const next = withClock(state, { ...record, pauses: [...record.pauses, { from: event.at, reason, approver, by: event.actor }] })
  return {
    state: next,
    effects: [clockEffect(state, 'pause-clock', record.name)],
    record: { ...event, payload: { clock: record.name, reason, approver, deadline: checked.deadline } },
  }
}

/** `resumed`: a paused clock counts again. */
export function resumed(state: TicketState, event: TicketEventOf<'resumed'>): Outcome {
  const record = runningClock(state, event.payload.clock)
  if ('refused' in record) return record
  if (!record.pauses.some((p) => p.to === undefined)) return refuse('clock-not-paused', `the ${CLOCK_TITLES[record.name]} clock is not paused`)
  const pauses = record.pauses.map((p) => (p.to === undefined ? { ...p, to: event.at } : p))
  return { state: withClock(state, { ...record, pauses }), effects: [clockEffect(state, 'resume-clock', record.name)] }
}

/** `extended`: more time on the clock's own basis, asked before it runs out. */
export function extended(state: TicketState, event: TicketEventOf<'extended'>, env: Env): Outcome {
  const record = runningClock(state, event.payload.clock)
  if ('refused' in record) return record
  if (!positiveInt(event.payload.by)) return refuse('bad-extension', 'an extension gives a positive whole number of milliseconds (by)')
  const refusal = approval(event, env)
  if (refusal) return refusal
  const checked = beforeDeadline(state, record, event, env)
  if ('refused' in checked) return checked
  const { by, reason, approver } = event.payload
  const next = withClock(state, { ...record, extensions: [...record.extensions, { at: event.at, byMs: by, reason, approver, by: event.actor }] })
  const effects: Effect[] = state.lead !== undefined ? [notify(state, { owner: state.lead }, 'clock-extended', record.name)] : []
  return { state: next, effects, record: { ...event, payload: { clock: record.name, by, reason, approver, deadline: checked.deadline } } }
}

/** `escalated`: the daemon recorded a clock alert; each key once. Live mode checks it is due. */
export function escalated(state: TicketState, event: TicketEventOf<'escalated'>, env: Env): Outcome {
  const { clock, level } = event.payload
  if (!(CLOCK_NAMES as readonly unknown[]).includes(clock) || !(ALERT_LEVELS as readonly unknown[]).includes(level)) {
    return refuse('invalid-payload', `an alert names a clock (${CLOCK_NAMES.join(', ')}) and a level (${ALERT_LEVELS.join(', ')})`)
  }
  const key = alertKey(state, clock, level)
  if (state.alerts.includes(key)) return refuse('already-escalated', `alert ${key} was already recorded`)
  if (env.live) {
    if (!env.policy) return refuse('no-policy', 'checking that an alert is due needs the policy; pass ctx.policy')
    if (!dueEvents(state, env.policy, event.at).some((d) => d.key === key)) return refuse('not-due', `alert ${key} is not due at ${event.at}`)
  }
  const to: Effect[] =
    level === 'leader'
      ? [notify(state, { role: 'supervising-leader' }, 'leader-reminder', `reply version ${state.draft?.version ?? 0} waits for your signature`)]
      : level === 'escalate'
        ? [notify(state, { role: 'supervising-leader' }, 'clock-escalated', clock), notify(state, { role: 'bureau-head' }, 'clock-escalated', clock)]
        : level === 'breach'
        ? [notify(state, { role: 'bureau-head' }, 'clock-breached', clock), ...(state.lead !== undefined ? [notify(state, { owner: state.lead }, 'clock-breached', clock)] : [])]
        : [state.lead !== undefined ? notify(state, { owner: state.lead }, 'clock-warning', clock) : notify(state, { role: 'staff' }, 'clock-warning', clock)]
  return { state: { ...state, alerts: [...state.alerts, key] }, effects: to }
}
