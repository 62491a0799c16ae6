/**
 * Handlers from receipt to characterisation: 一时接访 (accepted), 一日交办 ("10+N" assignment,
 * sub-tasks, 退单 hand-backs), 一周定性 (characterisation, with the bureau head's approval of an
 * "unreasonable" finding), and merging into another ticket.
 */
import { CLOCK_NAMES } from '../../config/sections/operations.js'
import { startClock, stopClock, type TicketClocks } from '../clocks/clock.js'
import { maySign, unitOf } from './policy.js'
import { blank, clockEffect, notify, positiveInt, refuse, withClock, type Env, type Outcome } from './step.js'
import { CHARACTERISATION_KINDS, type Effect, type Subtask, type TicketEventOf, type TicketState } from './types.js'

/** `opened`: a new ticket in `received`, all five clocks started at receipt. */
export function opened(event: TicketEventOf<'opened'>): Outcome {
  const { ticketId, title, topic, urgency } = event.payload
  if (!positiveInt(ticketId)) return refuse('invalid-payload', 'an opened event needs the ticket id (a positive integer)')
  const clocks = Object.fromEntries(CLOCK_NAMES.map((name) => [name, startClock(name, event.at)])) as unknown as TicketClocks
  const state: TicketState = {
    id: ticketId,
    status: 'received',
    ...(title !== undefined ? { title } : {}),
    topic: topic ?? null,
    urgency: urgency ?? null,
    openedAt: event.at,
    updatedAt: event.at,
    events: 0,
    round: 1,
    assist: [],
    subtasks: [],
    assignments: 0,
    handBacks: {},
    handBackLog: [],
    lastVersion: 0,
    decisions: [],
    publications: [],
    ratings: [],
    reopenings: [],
    clocks,
    pastClocks: [],
    alerts: [],
  }
  return { state, effects: [...CLOCK_NAMES.map((c) => clockEffect(state, 'start-clock', c)), notify(state, { role: 'staff' }, 'accept')] }
}

/** Stops a clock if it still runs, with its effect. */
function stopIfRunning(state: TicketState, name: 'accept' | 'assign' | 'characterise', at: string): { state: TicketState; effects: Effect[] } {
  const record = state.clocks[name]
  if (record.stoppedAt !== undefined) return { state, effects: [] }
  return { state: withClock(state, stopClock(record, at)), effects: [clockEffect(state, 'stop-clock', name)] }
}

/** `accepted` (一时接访): stops the accept clock; dispatch is next. */
export function accepted(state: TicketState, event: TicketEventOf<'accepted'>): Outcome {
  const stopped = stopIfRunning({ ...state, status: 'accepted' }, 'accept', event.at)
  return { state: stopped.state, effects: [...stopped.effects, notify(state, { role: 'staff' }, 'assign')] }
}

/** `assigned` (一日交办): one lead plus assisting owners, each with an open sub-task. */
export function assigned(state: TicketState, event: TicketEventOf<'assigned'>): Outcome {
  const { lead } = event.payload
  const assist: unknown = event.payload.assist
  if (blank(lead)) return refuse('owner-required', 'an assignment needs a lead owner (a zone or a department)')
  if (!Array.isArray(assist) || assist.some((a) => blank(a))) {
    return refuse('owner-required', 'assisting owners must be a list of zone or department ids (an empty list when none)')
  }
  const owners = [lead, ...(assist as string[])]
  const repeated = owners.find((o, i) => owners.indexOf(o) !== i)
  if (repeated !== undefined) return refuse('owner-repeated', `${repeated} is named twice; each owner gets one sub-task, and the lead does not also assist`)
  const subtasks: Subtask[] = owners.map((owner, i) => ({ owner, role: i === 0 ? 'lead' : 'assist', status: 'open', assignedAt: event.at }))
  const next: TicketState = { ...state, status: 'assigned', lead, assist: owners.slice(1), subtasks, assignments: state.assignments + 1 }
  const stopped = stopIfRunning(next, 'assign', event.at)
  return {
    state: stopped.state,
    effects: [...stopped.effects, ...owners.map((owner, i) => notify(state, { owner }, i === 0 ? 'lead' : 'assist'))],
  }
}

/** The open sub-task of `owner`, or a refusal. Handlers may act only for their own unit. */
function openSubtask(state: TicketState, owner: string, actor: string, env: Env): Subtask | ReturnType<typeof refuse> {
  const subtask = state.subtasks.find((s) => s.owner === owner)
  if (!subtask) {
    const owners = state.subtasks.map((s) => s.owner).join(', ') || 'nobody yet'
    return refuse('not-an-owner', `${owner} has no sub-task on ticket #${state.id} (owners: ${owners})`)
  }
  if (subtask.status !== 'open') return refuse('subtask-not-open', `${owner}'s sub-task on ticket #${state.id} is already ${subtask.status}`)
  const person = env.people?.find((p) => p.name === actor)
  const unit = unitOf(env.people, actor)
  if (env.live && person?.roles.includes('handler') === true && !person.roles.some((r) => r !== 'handler') && unit !== owner) {
    return refuse('not-your-subtask', `${env.name(actor)} works for ${unit ?? 'no unit'} and cannot act on ${owner}'s sub-task`)
  }
  return subtask
}

/** `subtask-done`: one owner finished its part. */
export function subtaskDone(state: TicketState, event: TicketEventOf<'subtask-done'>, env: Env): Outcome {
  const found = openSubtask(state, event.payload.owner, event.actor, env)
  if ('refused' in found) return found
  const subtasks = state.subtasks.map((s) => (s === found ? { ...s, status: 'done' as const, doneAt: event.at } : s))
  const next = { ...state, subtasks }
  const allDone = subtasks.every((s) => s.status === 'done')
  return { state: next, effects: allDone && state.lead !== undefined ? [notify(state, { owner: state.lead }, 'subtasks-done')] : [] }
}

/** `handed-back` (退单): back to dispatch (`accepted`), counted against the owner. */
export function handedBack(state: TicketState, event: TicketEventOf<'handed-back'>, env: Env): Outcome {
  const { owner, reason, proposedOwner } = event.payload
  if (blank(reason)) return refuse('reason-required', 'a hand-back needs a reason (why this case is not yours)')
  if (blank(proposedOwner)) return refuse('proposed-owner-required', 'a hand-back needs a proposed owner (who should handle it instead)')
  if (proposedOwner === owner) return refuse('proposed-self', `${owner} cannot hand the case back and propose itself as the owner`)
  const found = openSubtask(state, owner, event.actor, env)
  if ('refused' in found) return found
  const { draft: _draft, ...rest } = state
  const next: TicketState = {
    ...rest,
    status: 'accepted',
    subtasks: state.subtasks.map((s) => (s === found ? { ...s, status: 'handed-back' as const } : s)),
    handBacks: { ...state.handBacks, [owner]: (state.handBacks[owner] ?? 0) + 1 },
    handBackLog: [...state.handBackLog, { owner, reason, proposedOwner, at: event.at, by: event.actor }],
  }
  return { state: next, effects: [notify(state, { role: 'staff' }, 'handed-back', `${owner} → ${proposedOwner}: ${reason}`)] }
}

/** `characterised` (一周定性). An `unreasonable` finding waits for the bureau head. */
export function characterised(state: TicketState, event: TicketEventOf<'characterised'>): Outcome {
  const { kind, duplicateOf } = event.payload
  if (!(CHARACTERISATION_KINDS as readonly string[]).includes(kind)) {
    return refuse('invalid-payload', `"${String(kind)}" is not a characterisation; use ${CHARACTERISATION_KINDS.join(', ')}`)
  }
  if (kind === 'duplicate' && !positiveInt(duplicateOf)) return refuse('duplicate-of-required', 'a duplicate must name the ticket it duplicates (duplicateOf)')
  if (kind === 'duplicate' && duplicateOf === state.id) return refuse('duplicate-of-self', `ticket #${state.id} cannot be a duplicate of itself`)
  const pending = kind === 'unreasonable'
  const next: TicketState = {
    ...state,
    status: 'characterised',
    characterisation: {
      kind,
      ...(kind === 'duplicate' && duplicateOf !== undefined ? { duplicateOf } : {}),
      by: event.actor,
      at: event.at,
      status: pending ? 'pending-approval' : 'in-effect',
    },
  }
  if (pending) return { state: next, effects: [notify(state, { role: 'bureau-head' }, 'approve-characterisation', 'unreasonable demand')] }
  return stopIfRunning(next, 'characterise', event.at)
}

/** Guards shared by approving and rejecting an "unreasonable" finding. */
function characterisationDecision(state: TicketState, approver: string, actor: string, env: Env): ReturnType<typeof refuse> | undefined {
  const finding = state.characterisation
  if (finding?.status !== 'pending-approval') return refuse('characterisation-not-pending', `ticket #${state.id} has no characterisation waiting for approval`)
  if (blank(approver)) return refuse('approver-required', 'name the bureau head who decides (approver)')
  if (approver !== actor) return refuse('not-own-signature', `${env.name(actor)} cannot decide in ${env.name(approver)}'s name; the approver records it`)
  if (approver === finding.by) return refuse('self-approval', `${env.name(approver)} proposed this characterisation and cannot approve it`)
  if (env.live && (!env.policy || !maySign(env.policy, env.people, approver, 'bureau-head'))) {
    return refuse('not-authorised', `${env.name(approver)} is not a bureau head (approval.bureauHeads) and cannot decide on an "unreasonable" finding`)
  }
  return undefined
}

/** `characterisation-approved`: the bureau head confirms an "unreasonable" finding; it takes effect. */
export function characterisationApproved(state: TicketState, event: TicketEventOf<'characterisation-approved'>, env: Env): Outcome {
  const refusal = characterisationDecision(state, event.payload.approver, event.actor, env)
  if (refusal) return refusal
  const finding = state.characterisation
  if (!finding) return refuse('characterisation-not-pending', `ticket #${state.id} has no characterisation waiting for approval`)
  const next = { ...state, characterisation: { ...finding, status: 'in-effect' as const, approvedBy: event.payload.approver } }
  return stopIfRunning(next, 'characterise', event.at)
}

/** `characterisation-rejected`: back to `assigned`, to be characterised again. */
export function characterisationRejected(state: TicketState, event: TicketEventOf<'characterisation-rejected'>, env: Env): Outcome {
  if (blank(event.payload.reason)) return refuse('reason-required', 'rejecting a characterisation needs a reason')
  const refusal = characterisationDecision(state, event.payload.approver, event.actor, env)
  if (refusal) return refusal
  const { characterisation: _finding, ...rest } = state
  const effects = state.lead !== undefined ? [notify(state, { owner: state.lead }, 'characterise-again', event.payload.reason)] : []
  return { state: { ...rest, status: 'assigned' }, effects }
}

/** `merged`: folded into another ticket; its running clocks are cancelled. */
export function merged(state: TicketState, event: TicketEventOf<'merged'>): Outcome {
  const { into } = event.payload
  if (!positiveInt(into)) return refuse('into-required', 'a merge must name the ticket it goes into (into)')
  if (into === state.id) return refuse('merge-into-self', `ticket #${state.id} cannot be merged into itself`)
  let next: TicketState = { ...state, status: 'merged', mergedInto: into }
  const effects: Effect[] = []
  for (const name of CLOCK_NAMES) {
    if (state.clocks[name].stoppedAt !== undefined) continue
    next = withClock(next, stopClock(state.clocks[name], event.at, true))
    effects.push(clockEffect(state, 'stop-clock', name))
  }
  return { state: next, effects: [...effects, notify(state, { role: 'staff' }, 'merged', `into #${into}`)] }
}
