/**
 * Small helpers the event handlers share: refusals, effects, the guard environment and
 * immutable updates of the ticket state.
 */
import type { ClockName } from '../../config/sections/operations.js'
import type { ClockRecord } from '../clocks/clock.js'
import { nameOf } from './policy.js'
import type { Effect, NotifyTarget, Person, Refusal, RefusalCode, TicketEvent, TicketState, TransitionContext, WorkflowPolicy } from './types.js'

/** What a handler may use besides the state and the event. */
export interface Env {
  readonly live: boolean
  readonly policy: WorkflowPolicy | undefined
  readonly people: readonly Person[] | undefined
  /** A user as messages name them (display name when known). */
  readonly name: (user: string) => string
}

/** A handler's result: the next state, its effects, and the event as it must be stored when it differs. */
export interface Step {
  readonly state: TicketState
  readonly effects?: readonly Effect[]
  readonly record?: TicketEvent
}

/** What a handler returns: a step or a refusal. */
export type Outcome = Step | Refusal

/** The guard environment of a context. */
export function envOf(ctx: TransitionContext): Env {
  return {
    live: (ctx.mode ?? 'live') === 'live',
    policy: ctx.policy,
    people: ctx.people,
    name: (user) => nameOf(ctx.people, user),
  }
}

/** A refusal value. */
export function refuse(code: RefusalCode, message: string): Refusal {
  return { refused: true, code, message }
}

/** Whether an outcome is a refusal. */
export function isRefusal(outcome: Outcome | Refusal | { refused: false }): outcome is Refusal {
  return 'refused' in outcome && outcome.refused
}

/** True for anything but a string with non-space characters. */
export function blank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === ''
}

/** A notification effect. */
export function notify(state: TicketState, to: NotifyTarget, about: string, detail?: string): Effect {
  return { kind: 'notify', ticket: state.id, to, about, ...(detail !== undefined ? { detail } : {}) }
}

/** A clock effect. */
export function clockEffect(state: TicketState, kind: 'start-clock' | 'stop-clock' | 'pause-clock' | 'resume-clock', clock: ClockName): Effect {
  return { kind, ticket: state.id, clock }
}

/** The state with one clock replaced. */
export function withClock(state: TicketState, record: ClockRecord): TicketState {
  return { ...state, clocks: { ...state.clocks, [record.name]: record } }
}

/** The live-mode policy, or a refusal saying it is missing. */
export function livePolicy(env: Env, what: string): WorkflowPolicy | Refusal {
  return env.policy ?? refuse('no-policy', `checking ${what} needs the policy (approval and sla settings); pass ctx.policy`)
}

/** Whether a value is a positive safe integer (ticket ids, versions, ms). */
export function positiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}
