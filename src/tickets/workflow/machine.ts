/**
 * The ticket workflow as a pure transition function (xstate style, STYLE.md §5.3): explicit
 * states, an explicit table of which event may happen in which state, and guards per event.
 * No I/O: the caller stores `record` and runs `effects`.
 */
import { escalated, extended, paused, resumed } from './clock-events.js'
import { accepted, assigned, characterisationApproved, characterisationRejected, characterised, handedBack, merged, opened, subtaskDone } from './intake.js'
import { approved, closed, published, rated, rejected, reopened, replyDrafted, submitted } from './reply.js'
import { envOf, refuse, type Env, type Outcome } from './step.js'
import { OPEN_STATUSES as OPEN, type Refusal, type TicketEvent, type TicketEventOf, type TicketEventType, type TicketState, type TicketStatus, type Transition, type TransitionContext } from './types.js'

const HANDLING: readonly TicketStatus[] = ['assigned', 'characterised', 'drafting']

/** Which event may happen in which state. `opened` only starts a ticket; `merged` ends everything. */
export const ALLOWED: Readonly<Record<TicketEventType, readonly TicketStatus[]>> = {
  opened: [],
  accepted: ['received'],
  assigned: ['accepted'],
  'subtask-done': HANDLING,
  'handed-back': HANDLING,
  characterised: ['assigned', 'characterised'],
  'characterisation-approved': ['characterised'],
  'characterisation-rejected': ['characterised'],
  'reply-drafted': ['characterised', 'drafting', 'awaiting-bureau-head', 'awaiting-leader', 'approved'],
  submitted: ['drafting'],
  // Guards give the precise reason (not submitted, wrong order, already decided) in these states.
  approved: ['drafting', 'awaiting-bureau-head', 'awaiting-leader', 'approved', 'published'],
  rejected: ['drafting', 'awaiting-bureau-head', 'awaiting-leader', 'approved', 'published'],
  published: ['approved'],
  rated: ['published', 'closed'],
  closed: ['published'],
  reopened: ['published', 'closed'],
  merged: OPEN.filter((s) => s !== 'published'),
  paused: OPEN,
  resumed: OPEN,
  extended: OPEN,
  escalated: OPEN,
}

/** Why an event is not allowed in a state, in words, for the refusal message. */
const HINTS: Readonly<Partial<Record<TicketEventType, string>>> = {
  accepted: 'a ticket is accepted once, on receipt',
  assigned: 'assignment follows acceptance, or a hand-back (退单) that returned the case to dispatch',
  'subtask-done': 'sub-tasks are worked on between assignment and submission for signature',
  'handed-back': 'a case can be handed back only before its reply goes for signature',
  characterised: 'characterisation (定性) follows assignment and comes before the reply is drafted',
  'reply-drafted': 'a reply is drafted after characterisation and before it is published',
  submitted: 'only a draft can be submitted for signature',
  published: 'a reply is published only after both signatures (state approved)',
  rated: 'the citizen rates a published reply',
  closed: 'a case is closed after its reply is published',
  reopened: 'only a published or closed case can be reopened',
  merged: 'a case whose reply is published is closed, not merged',
}

type AnyHandler = (state: TicketState, event: TicketEvent, env: Env) => Outcome

function handler<T extends TicketEventType>(fn: (state: TicketState, event: TicketEventOf<T>, env: Env) => Outcome): AnyHandler {
  return fn as AnyHandler
}

const HANDLERS: Readonly<Record<Exclude<TicketEventType, 'opened'>, AnyHandler>> = {
  accepted: handler(accepted),
  assigned: handler(assigned),
  'subtask-done': handler(subtaskDone),
  'handed-back': handler(handedBack),
  characterised: handler(characterised),
  'characterisation-approved': handler(characterisationApproved),
  'characterisation-rejected': handler(characterisationRejected),
  'reply-drafted': handler(replyDrafted),
  submitted: handler(submitted),
  approved: handler(approved),
  rejected: handler(rejected),
  published: handler(published),
  rated: handler(rated),
  closed: handler(closed),
  reopened: handler(reopened),
  merged: handler(merged),
  paused: handler(paused),
  resumed: handler(resumed),
  extended: handler(extended),
  escalated: handler(escalated),
}

function instant(value: Date | string | number): number {
  return value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value)
}

/** Checks every event goes through before its own guards. */
function preflight(state: TicketState | undefined, event: TicketEvent, ctx: TransitionContext): Refusal | undefined {
  if (typeof event.at !== 'string' || Number.isNaN(Date.parse(event.at))) return refuse('bad-time', `"${String(event.at)}" is not an ISO 8601 time`)
  if (typeof event.actor !== 'string' || event.actor.trim() === '') return refuse('actor-required', 'every event names who recorded it (actor)')
  if (typeof event.payload !== 'object' || event.payload === null) return refuse('invalid-payload', `a ${event.type} event needs a payload object`)
  if (ctx.now !== undefined && Date.parse(event.at) > instant(ctx.now)) return refuse('future-event', `the event is dated ${event.at}, after now; events are recorded when they happen`)
  if (state === undefined) {
    return event.type === 'opened' ? undefined : refuse('not-opened', `the ticket does not exist yet; its first event must be "opened", not "${event.type}"`)
  }
  if (event.type === 'opened') return refuse('already-opened', `ticket #${state.id} was already opened at ${state.openedAt}`)
  if (Date.parse(event.at) < Date.parse(state.updatedAt)) {
    return refuse('out-of-order', `the event is dated ${event.at}, before the ticket's last event (${state.updatedAt}); events are appended in time order`)
  }
  if (state.status === 'merged') return refuse('terminal', `ticket #${state.id} was merged into #${state.mergedInto ?? '?'}; record events on that ticket`)
  if ((event.type === 'approved' || event.type === 'rejected') && state.status === 'closed') {
    return refuse('after-close', `ticket #${state.id} is closed; nothing can be approved or rejected after close`)
  }
  if (!Object.hasOwn(HANDLERS, event.type)) return refuse('invalid-payload', `"${String(event.type)}" is not a ticket event`)
  if (!ALLOWED[event.type].includes(state.status)) {
    const hint = HINTS[event.type]
    return refuse('wrong-state', `cannot record "${event.type}" while ticket #${state.id} is ${state.status}${hint ? `: ${hint}` : ''}`)
  }
  return undefined
}

/**
 * The next state of a ticket after one event, or a refusal saying why not.
 *
 * Pure: the input state is never changed. On success, store `record` (the event plus what the
 * transition recorded: a pause's or extension's deadline, whether the skip-leader rule applied)
 * and run `effects`. `ctx.policy` is needed in live mode for signatures, pauses, extensions and
 * alerts; `ctx.mode: 'log'` is how {@link replay} folds stored events.
 *
 * @example
 * const result = transition(state, { type: 'accepted', actor: 'zhangwei', at, payload: {} }, { policy })
 * if (result.refused) throw new RefusedError(result.message, { code: result.code })
 */
export function transition(state: TicketState | undefined, event: TicketEvent, ctx: TransitionContext): Transition | Refusal {
  const refusal = preflight(state, event, ctx)
  if (refusal) return refusal
  const outcome = state === undefined ? opened(event as TicketEventOf<'opened'>) : HANDLERS[event.type as Exclude<TicketEventType, 'opened'>](state, event, envOf(ctx))
  if ('refused' in outcome) return outcome
  return {
    refused: false,
    state: { ...outcome.state, updatedAt: event.at, events: (state?.events ?? 0) + 1 },
    effects: outcome.effects ?? [],
    record: outcome.record ?? event,
  }
}
