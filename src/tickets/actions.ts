/**
 * What people do to a ticket, one function per command: who may do it, what input it needs,
 * and the workflow event it records. The rules themselves are the workflow's ({@link act}).
 */
import type { LianxinConfig } from '../config/schema.js'
import { CLOCK_NAMES, type ClockName } from '../config/sections/operations.js'
import { parseDuration } from '../config/duration.js'
import { NotFoundError, RefusedError, UsageError } from '../errors.js'
import { requireActor } from '../people/roster.js'
import type { Role } from '../store/people.js'
import type { Session } from '../store/session.js'
import { getPost } from '../store/posts.js'
import { getTicket, ticketForPost, type TicketSummary } from '../store/tickets.js'
import { act, loadCase, openCase, stateOf, type ActResult, type CaseContext } from './service.js'
import { CHARACTERISATION_KINDS, isGrade, SATISFACTION_LEVELS, type CharacterisationKind, type Grade, type TicketState } from './workflow/index.js'

/** Who may handle the intake and dispatch of cases (受理、交办). */
const DISPATCH: readonly Role[] = ['staff', 'bureau-head', 'admin']
/** Who may work on a case: dispatchers and the handlers of the zones and departments. */
const HANDLING: readonly Role[] = ['staff', 'handler', 'bureau-head', 'admin']
/** Who may approve a pause or an extension of a clock. */
const TIME_APPROVERS: readonly Role[] = ['bureau-head', 'supervising-leader']

/** The zones and departments of the "10+N", by id, and the fallback owner. */
export type Units = Pick<LianxinConfig, 'zones' | 'departments' | 'fallback'>

function checkUnit(units: Units, id: string, flag: string): void {
  const known = [...units.zones.map((z) => z.id), ...units.departments.map((d) => d.id), units.fallback.id]
  if (!known.includes(id)) {
    throw new UsageError(`${flag} ${id}: no zone or department has this id`, { suggestions: [`Known: ${known.join(', ')}`] })
  }
}

/** 一时接访: the bureau accepts the case. */
export async function acceptTicket(session: Session, ctx: CaseContext, id: number, actor: string): Promise<ActResult> {
  await requireActor(session, actor, DISPATCH, 'accept cases')
  return act(session, id, { type: 'accepted', actor, payload: {} }, ctx)
}

/**
 * Opens a case by hand for a post triage only watched — a self-media post that read as a notice
 * but is a complaint after all — routed as triage proposed, with the reason on record.
 */
export async function openTicketForPost(session: Session, postId: number, actor: string, reason: string): Promise<{ ticket: TicketSummary; created: boolean }> {
  await requireActor(session, actor, DISPATCH, 'open cases')
  if (reason.trim() === '') throw new UsageError('say why this post needs a case (--reason)')
  const post = await getPost(session, postId)
  if (!post) throw new NotFoundError(`post ${postId} does not exist`, { suggestions: ['Post ids are shown by "lianxin triage" and "lianxin hotspots --json".'] })
  const existing = await ticketForPost(session, postId)
  if (existing !== undefined) throw new RefusedError(`post ${postId} is already in case #${existing}`, { code: 'ALREADY_OPEN', suggestions: [`See it with "lianxin tickets show ${existing}".`] })
  const row = await session.db.selectFrom('triage_results').select(['topic', 'urgency', 'zone_id', 'lead', 'detail']).where('post_id', '=', postId).orderBy('version', 'desc').executeTakeFirst()
  if (!row) throw new RefusedError(`post ${postId} has not been triaged yet`, { code: 'NOT_TRIAGED', suggestions: ['Run "lianxin triage" first: the case is routed as triage proposes.'] })
  const routing = (JSON.parse(row.detail) as { routing?: { assist?: Array<{ id: string }>; reasons?: string[] } }).routing
  return openCase(session, {
    title: post.title,
    postIds: [post.id],
    actor,
    topic: row.topic,
    urgency: row.urgency,
    zoneId: row.zone_id,
    lead: row.lead,
    assist: (routing?.assist ?? []).map((a) => a.id),
    reasons: [`opened by ${actor}: ${reason.trim()}`, ...(routing?.reasons ?? [])],
    key: `ticket.opened:post:${post.id}`,
  })
}

/**
 * Options of {@link assignTicket}: without a lead, the current assignment (at first, the routing
 * triage proposed) with every unit that handed the case back replaced by the owner it proposed.
 */
export interface AssignInput {
  readonly id: number
  readonly actor: string
  readonly lead?: string
  readonly assist?: readonly string[]
}

/** 一日交办: one lead zone or department, N assisting departments, each with a sub-task. */
export async function assignTicket(session: Session, ctx: CaseContext, units: Units, input: AssignInput): Promise<ActResult> {
  await requireActor(session, input.actor, DISPATCH, 'assign cases')
  const summary = await getTicket(session, input.id)
  if (!summary) throw new NotFoundError(`ticket ${input.id} does not exist`, { suggestions: ['List tickets with "lianxin tickets list".'] })
  const state = await stateOf(session, summary)
  const instead = proposedOwners(state)
  const lead = input.lead ?? (summary.lead === null ? undefined : (instead.get(summary.lead) ?? summary.lead))
  if (lead === undefined) throw new UsageError(`ticket #${input.id} has no proposed lead; name one with --lead`)
  const assist = input.assist ?? (input.lead === undefined ? [...new Set(summary.assist.map((a) => instead.get(a) ?? a))] : [])
  checkUnit(units, lead, '--lead')
  for (const a of assist) checkUnit(units, a, '--assist')
  return act(session, input.id, { type: 'assigned', actor: input.actor, payload: { lead, assist: assist.filter((a) => a !== lead) } }, ctx)
}

/** The units whose sub-task of the current assignment was handed back, and the owner each proposed. */
function proposedOwners(state: TicketState): Map<string, string> {
  const handedBack = new Set(state.subtasks.filter((s) => s.status === 'handed-back').map((s) => s.owner))
  return new Map(state.handBackLog.filter((h) => handedBack.has(h.owner)).map((h) => [h.owner, h.proposedOwner]))
}

/** A lead or assisting unit finished its part. */
export async function finishSubtask(session: Session, ctx: CaseContext, input: { id: number; actor: string; owner: string; note?: string }): Promise<ActResult> {
  await requireActor(session, input.actor, HANDLING, 'report sub-tasks done')
  const payload = { owner: input.owner, ...(input.note !== undefined ? { note: input.note } : {}) }
  return act(session, input.id, { type: 'subtask-done', actor: input.actor, payload }, ctx)
}

/** 退单: a unit gives the case back to dispatch, with a reason and who should have it. */
export async function handBack(session: Session, ctx: CaseContext, units: Units, input: { id: number; actor: string; owner: string; reason: string; proposedOwner: string }): Promise<ActResult> {
  await requireActor(session, input.actor, HANDLING, 'hand cases back')
  checkUnit(units, input.proposedOwner, '--propose')
  return act(session, input.id, { type: 'handed-back', actor: input.actor, payload: { owner: input.owner, reason: input.reason, proposedOwner: input.proposedOwner } }, ctx)
}

/** 一周定性. */
export async function characteriseTicket(
  session: Session,
  ctx: CaseContext,
  input: { id: number; actor: string; kind: string; duplicateOf?: number; note?: string },
): Promise<ActResult> {
  await requireActor(session, input.actor, HANDLING, 'characterise cases')
  if (!(CHARACTERISATION_KINDS as readonly string[]).includes(input.kind)) {
    throw new UsageError(`--kind ${input.kind}: use one of ${CHARACTERISATION_KINDS.join(', ')}`)
  }
  if (input.duplicateOf !== undefined && !(await getTicket(session, input.duplicateOf))) {
    throw new NotFoundError(`--duplicate-of ${input.duplicateOf}: there is no such ticket`)
  }
  const payload = {
    kind: input.kind as CharacterisationKind,
    ...(input.duplicateOf !== undefined ? { duplicateOf: input.duplicateOf } : {}),
    ...(input.note !== undefined ? { note: input.note } : {}),
  }
  return act(session, input.id, { type: 'characterised', actor: input.actor, payload }, ctx)
}

/** The bureau head decides on an "unreasonable demand" finding. */
export async function decideCharacterisation(session: Session, ctx: CaseContext, input: { id: number; actor: string; reject?: string }): Promise<ActResult> {
  await requireActor(session, input.actor, ['bureau-head'], 'decide on characterisations')
  if (input.reject !== undefined) {
    return act(session, input.id, { type: 'characterisation-rejected', actor: input.actor, payload: { approver: input.actor, reason: input.reject } }, ctx)
  }
  return act(session, input.id, { type: 'characterisation-approved', actor: input.actor, payload: { approver: input.actor } }, ctx)
}

function clockName(value: string): ClockName {
  if (!(CLOCK_NAMES as readonly string[]).includes(value)) throw new UsageError(`--clock ${value}: use one of ${CLOCK_NAMES.join(', ')}`)
  return value as ClockName
}

/** Extends one clock, with a reason and the approving leader (who records it). */
export async function extendClock(session: Session, ctx: CaseContext, input: { id: number; actor: string; clock: string; by: string; reason: string }): Promise<ActResult> {
  await requireActor(session, input.actor, TIME_APPROVERS, 'approve extensions')
  const clock = clockName(input.clock)
  let by: number
  try {
    by = parseDuration(input.by)
  } catch {
    throw new UsageError(`--by ${input.by}: not a duration; write 3d, 12h or 1w`)
  }
  return act(session, input.id, { type: 'extended', actor: input.actor, payload: { clock, by, reason: input.reason, approver: input.actor } }, ctx)
}

/** Pauses or resumes one clock (pausing needs a reason and a leader's approval). */
export async function pauseClock(session: Session, ctx: CaseContext, input: { id: number; actor: string; clock: string; reason?: string; resume?: boolean }): Promise<ActResult> {
  const clock = clockName(input.clock)
  if (input.resume) {
    await requireActor(session, input.actor, [...new Set([...DISPATCH, ...TIME_APPROVERS])], 'resume clocks')
    return act(session, input.id, { type: 'resumed', actor: input.actor, payload: { clock } }, ctx)
  }
  await requireActor(session, input.actor, TIME_APPROVERS, 'approve pauses')
  return act(session, input.id, { type: 'paused', actor: input.actor, payload: { clock, reason: input.reason ?? '', approver: input.actor } }, ctx)
}

/** 一月办结. */
export async function closeTicket(session: Session, ctx: CaseContext, id: number, actor: string): Promise<ActResult> {
  await requireActor(session, actor, DISPATCH, 'close cases')
  return act(session, id, { type: 'closed', actor, payload: {} }, ctx)
}

/** Reopens a published or closed case (the citizen was not satisfied, say). */
export async function reopenTicket(session: Session, ctx: CaseContext, id: number, actor: string, reason: string): Promise<ActResult> {
  await requireActor(session, actor, DISPATCH, 'reopen cases')
  return act(session, id, { type: 'reopened', actor, payload: { reason } }, ctx)
}

/** Folds a case into another (the same matter reported twice). */
export async function mergeTicket(session: Session, ctx: CaseContext, id: number, actor: string, into: number): Promise<ActResult> {
  await requireActor(session, actor, DISPATCH, 'merge cases')
  if (!(await getTicket(session, into))) throw new NotFoundError(`--into ${into}: there is no such ticket`)
  const target = await loadCase(session, into)
  if (target.state.status === 'merged') throw new UsageError(`ticket #${into} was itself merged into #${target.state.mergedInto ?? '?'}; merge into that one`)
  return act(session, id, { type: 'merged', actor, payload: { into } }, ctx)
}

/** Parses a rating as a person types it: a word (satisfied, basically…) or 1–5. */
export function parseGrade(value: string): Grade {
  const grade: unknown = /^\d$/.test(value) ? Number(value) : value
  if (!isGrade(grade)) throw new UsageError(`--grade ${value}: use ${SATISFACTION_LEVELS.join(', ')} or a grade 1–5`)
  return grade
}

/** Records the citizen's satisfaction from a survey, a phone call or a visit. */
export async function rateTicket(session: Session, ctx: CaseContext, input: { id: number; actor: string; grade: string; source: string; comment?: string }): Promise<ActResult> {
  await requireActor(session, input.actor, HANDLING, 'record ratings')
  const payload = { grade: parseGrade(input.grade), source: input.source, ...(input.comment !== undefined ? { comment: input.comment } : {}) }
  return act(session, input.id, { type: 'rated', actor: input.actor, payload }, ctx)
}
