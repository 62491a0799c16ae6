/**
 * The ticket workflow's vocabulary: states, events, the replayed ticket state, effects and
 * refusals. Types only (plus the constant lists they come from); the rules are in machine.ts.
 */
import type { ClockName } from '../../config/sections/operations.js'
import type { Role } from '../../config/sections/organisation.js'
import type { ClockPolicy, ClockRecord, TicketClocks } from '../clocks/clock.js'
import type { AlertLevel } from '../clocks/status.js'
import type { RefusalCode } from './codes.js'

export type { RefusalCode } from './codes.js'

/** Ticket states, in the order a case normally meets them; `merged` is a second way out. */
export const TICKET_STATUSES = [
  'received',
  'accepted',
  'assigned',
  'characterised',
  'drafting',
  'awaiting-bureau-head',
  'awaiting-leader',
  'approved',
  'published',
  'closed',
  'merged',
] as const
/** One of {@link TICKET_STATUSES}. */
export type TicketStatus = (typeof TICKET_STATUSES)[number]

/** The statuses of a case no longer in hand. */
export const ENDED_STATUSES: readonly TicketStatus[] = ['closed', 'merged']
/** The statuses of a case still in hand: every one but {@link ENDED_STATUSES}. */
export const OPEN_STATUSES: readonly TicketStatus[] = TICKET_STATUSES.filter((s) => !ENDED_STATUSES.includes(s))

/** 一周定性: what the case is. `unreasonable` takes effect only once a bureau head approves it. */
export const CHARACTERISATION_KINDS = ['petition', 'out-of-scope', 'duplicate', 'unreasonable'] as const
/** One of {@link CHARACTERISATION_KINDS}. */
export type CharacterisationKind = (typeof CHARACTERISATION_KINDS)[number]

/** The citizen's verdict in words (the 1–5 grades of 留言板 are the other form). */
export const SATISFACTION_LEVELS = ['satisfied', 'basically', 'dissatisfied', 'partly-solved'] as const
/** One of {@link SATISFACTION_LEVELS}. */
export type Satisfaction = (typeof SATISFACTION_LEVELS)[number]
/** A rating: a verdict in words or a grade 1 (worst) to 5 (best). */
export type Grade = Satisfaction | 1 | 2 | 3 | 4 | 5

/** The two signatures every reply needs, in this order. */
export const SIGNING_ROLES = ['bureau-head', 'supervising-leader'] as const
/** One of {@link SIGNING_ROLES}. */
export type SigningRole = (typeof SIGNING_ROLES)[number]

interface EventBase<T extends string, P> {
  readonly type: T
  /** Who recorded it: a user name, or `system:<part>` for lianxin itself. */
  readonly actor: string
  /** ISO 8601 instant. */
  readonly at: string
  readonly payload: P
}
/** The payload of an event that carries nothing. */
export type NoPayload = Readonly<Record<string, never>>

/** Every event a ticket's log can hold. */
export type TicketEvent =
  | EventBase<'opened', { readonly ticketId: number; readonly title?: string; readonly topic?: string | null; readonly urgency?: string | null }>
  | EventBase<'accepted', NoPayload>
  | EventBase<'assigned', { readonly lead: string; readonly assist: readonly string[] }>
  | EventBase<'subtask-done', { readonly owner: string; readonly note?: string }>
  | EventBase<'handed-back', { readonly owner: string; readonly reason: string; readonly proposedOwner: string }>
  | EventBase<'characterised', { readonly kind: CharacterisationKind; readonly duplicateOf?: number; readonly note?: string }>
  | EventBase<'characterisation-approved', { readonly approver: string }>
  | EventBase<'characterisation-rejected', { readonly approver: string; readonly reason: string }>
  | EventBase<'reply-drafted', { readonly version: number; readonly textSha256: string }>
  | EventBase<'submitted', { readonly version?: number }>
  | EventBase<
      'approved',
      {
        readonly role: SigningRole
        readonly version: number
        readonly textSha256: string
        readonly approver: string
        /** Recorded by the transition: the skip-leader rule applied to this bureau-head signature. */
        readonly skipLeader?: boolean
      }
    >
  | EventBase<'rejected', { readonly role: SigningRole; readonly version: number; readonly reason: string }>
  | EventBase<'published', { readonly channel: string; readonly version: number; readonly textSha256: string; readonly url?: string }>
  | EventBase<'rated', { readonly grade: Grade; readonly source: string; readonly comment?: string }>
  | EventBase<'closed', NoPayload>
  | EventBase<'reopened', { readonly reason: string }>
  | EventBase<'merged', { readonly into: number }>
  | EventBase<
      'paused',
      {
        readonly clock: ClockName
        readonly reason: string
        readonly approver: string
        /** Recorded by the transition: the deadline the request was checked against. */
        readonly deadline?: string
      }
    >
  | EventBase<'resumed', { readonly clock: ClockName }>
  | EventBase<
      'extended',
      {
        readonly clock: ClockName
        /** Extra time in ms, counted on the clock's basis (working time for a working-day clock). */
        readonly by: number
        readonly reason: string
        readonly approver: string
        /** Recorded by the transition: the deadline the request was checked against. */
        readonly deadline?: string
      }
    >
  | EventBase<'escalated', { readonly clock: ClockName; readonly level: AlertLevel }>

/** The `type` of a ticket event. */
export type TicketEventType = TicketEvent['type']
/** The event of one type. */
export type TicketEventOf<T extends TicketEventType> = Extract<TicketEvent, { type: T }>

/** A sub-task of the "10+N" assignment: the lead's or an assisting department's. */
export interface Subtask {
  readonly owner: string
  readonly role: 'lead' | 'assist'
  readonly status: 'open' | 'done' | 'handed-back'
  readonly assignedAt: string
  readonly doneAt?: string
}

/** A 退单: an owner gave the case back to dispatch. */
export interface HandBack {
  readonly owner: string
  readonly reason: string
  readonly proposedOwner: string
  readonly at: string
  readonly by: string
}

/** The 一周定性 finding. */
export interface Characterisation {
  readonly kind: CharacterisationKind
  readonly duplicateOf?: number
  readonly by: string
  readonly at: string
  readonly status: 'in-effect' | 'pending-approval'
  readonly approvedBy?: string
}

/** The current reply draft (the text itself lives elsewhere; its hash binds the signatures). */
export interface Draft {
  readonly version: number
  readonly textSha256: string
  readonly author: string
  readonly draftedAt: string
  readonly submittedAt?: string
  /** When it started waiting for the supervising leader. */
  readonly leaderWaitSince?: string
}

/** A final decision by one signer on one version. Never changed, never removed. */
export interface Decision {
  readonly role: SigningRole
  readonly by: string
  readonly version: number
  readonly textSha256: string
  readonly decision: 'approved' | 'rejected'
  readonly reason?: string
  readonly at: string
  readonly skipLeader?: boolean
}

/** A reply as it went out. */
export interface Publication {
  readonly round: number
  readonly version: number
  readonly textSha256: string
  readonly channel: string
  readonly url?: string
  readonly at: string
  readonly by: string
}

/** The citizen's verdict on one round's reply. */
export interface Rating {
  readonly round: number
  readonly grade: Grade
  readonly source: string
  readonly comment?: string
  readonly at: string
  readonly by: string
}

/** A ticket as replaying its events builds it. Plain JSON; never mutated in place. */
export interface TicketState {
  readonly id: number
  readonly status: TicketStatus
  readonly title?: string
  readonly topic: string | null
  readonly urgency: string | null
  readonly openedAt: string
  readonly updatedAt: string
  /** Events folded so far. */
  readonly events: number
  /** 1, then +1 on every reopening. */
  readonly round: number
  readonly lead?: string
  readonly assist: readonly string[]
  /** Sub-tasks of the current assignment. */
  readonly subtasks: readonly Subtask[]
  /** How many times the case was assigned (1 + re-assignments after hand-backs). */
  readonly assignments: number
  /** 退单 per owner (zone or department), for the department evaluation. */
  readonly handBacks: Readonly<Record<string, number>>
  readonly handBackLog: readonly HandBack[]
  readonly characterisation?: Characterisation
  readonly draft?: Draft
  /** The highest reply version drafted so far (versions never repeat, even across reopenings). */
  readonly lastVersion: number
  readonly decisions: readonly Decision[]
  readonly publications: readonly Publication[]
  readonly ratings: readonly Rating[]
  readonly closedAt?: string
  readonly mergedInto?: number
  readonly reopenings: ReadonlyArray<{ readonly at: string; readonly by: string; readonly reason: string }>
  readonly clocks: TicketClocks
  /** Clocks of earlier rounds, kept when a reopening restarts them. */
  readonly pastClocks: readonly ClockRecord[]
  /** Keys of the clock alerts already recorded (`escalated` events). */
  readonly alerts: readonly string[]
}

/** Who a notification is for. */
export type NotifyTarget = { readonly role: Role } | { readonly owner: string } | { readonly user: string }

/** What the executor must do after a transition; the transition itself does no I/O. */
export type Effect =
  | { readonly kind: 'notify'; readonly ticket: number; readonly to: NotifyTarget; readonly about: string; readonly detail?: string }
  | { readonly kind: 'publish'; readonly ticket: number; readonly channel: string; readonly version: number; readonly textSha256: string }
  | { readonly kind: 'start-clock' | 'stop-clock' | 'pause-clock' | 'resume-clock'; readonly ticket: number; readonly clock: ClockName }

/** A person as the workflow needs them: lianxin.yaml `users` entries fit. */
export interface Person {
  readonly name: string
  readonly displayName?: string
  readonly roles: readonly Role[]
  readonly zone?: string
  readonly department?: string
}

/** The rules in force: lianxin.yaml `approval`, `sla` and `district.timezone`. */
export interface WorkflowPolicy extends ClockPolicy {
  readonly approval: {
    readonly bureauHeads: readonly string[]
    readonly supervisingLeaders: readonly string[]
    readonly skipLeader: { readonly enabled: boolean; readonly topics: readonly string[]; readonly maxUrgency: string }
  }
}

/**
 * The context of a transition. `live` (default) checks everything against the policy and the
 * people in office now. `log` is how stored events are replayed: rules that depend on who held
 * which office, or on the limits in force then, are taken from what the event recorded.
 */
export interface TransitionContext {
  readonly policy?: WorkflowPolicy
  /** Refuse events dated after this instant. */
  readonly now?: Date | string | number
  readonly people?: readonly Person[]
  readonly mode?: 'live' | 'log'
}

/** A refused event: nothing changes. */
export interface Refusal {
  readonly refused: true
  readonly code: RefusalCode
  /** One sentence a person can act on. */
  readonly message: string
}

/** An accepted event: the next state, what to do about it, and the event as it must be stored. */
export interface Transition {
  readonly refused: false
  readonly state: TicketState
  readonly effects: readonly Effect[]
  /** The event to append to the log: the input plus what the transition recorded (deadline, skipLeader). */
  readonly record: TicketEvent
}
