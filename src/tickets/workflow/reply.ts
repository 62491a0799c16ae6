/**
 * Handlers from the first draft to the end: drafting, the two signatures (bureau head, then
 * supervising leader; each bound to one version and its SHA-256), publishing (一旬答复),
 * the citizen's rating, closing (一月办结) and reopening.
 */
import { CLOCK_NAMES } from '../../config/sections/operations.js'
import { startClock, stopClock } from '../clocks/clock.js'
import { ROLE_TITLES, maySign, skipLeaderApplies } from './policy.js'
import { blank, clockEffect, notify, positiveInt, refuse, withClock, type Env, type Outcome } from './step.js'
import { SATISFACTION_LEVELS, SIGNING_ROLES, type Effect, type Grade, type TicketEventOf, type TicketState } from './types.js'

const SHA256 = /^[0-9a-f]{64}$/

/** `reply-drafted`: a new version; every signature on an earlier version is void. */
export function replyDrafted(state: TicketState, event: TicketEventOf<'reply-drafted'>): Outcome {
  const { version, textSha256 } = event.payload
  if (state.characterisation?.status !== 'in-effect') {
    return refuse('characterisation-pending', `ticket #${state.id}'s characterisation is not in effect yet; the bureau head must approve an "unreasonable" finding before a reply is drafted`)
  }
  const expected = state.lastVersion + 1
  if (version !== expected) return refuse('bad-version', `the next reply version of ticket #${state.id} is ${expected}, not ${String(version)}`)
  if (typeof textSha256 !== 'string' || !SHA256.test(textSha256)) return refuse('bad-hash', 'textSha256 must be the SHA-256 of the reply text: 64 lowercase hex digits')
  const voided = state.draft ? state.decisions.filter((d) => d.version === state.draft?.version && d.decision === 'approved') : []
  const effects: Effect[] = voided.map((d) => notify(state, { user: d.by }, 'signature-voided', `version ${d.version} was replaced by version ${version}`))
  return {
    state: { ...state, status: 'drafting', lastVersion: version, draft: { version, textSha256, author: event.actor, draftedAt: event.at } },
    effects,
  }
}

/** `submitted`: the current draft goes to the bureau head. */
export function submitted(state: TicketState, event: TicketEventOf<'submitted'>): Outcome {
  const draft = state.draft
  if (!draft) return refuse('not-submitted', `ticket #${state.id} has no reply draft to submit`)
  const { version } = event.payload
  if (version !== undefined && version !== draft.version) return refuse('stale-version', `version ${version} is not the current draft (version ${draft.version})`)
  const rejection = state.decisions.find((d) => d.version === draft.version && d.decision === 'rejected')
  if (rejection) {
    return refuse('version-rejected', `version ${draft.version} was rejected (${rejection.reason ?? ''}); draft a new version before submitting again`)
  }
  const open = state.subtasks.filter((s) => s.status === 'open').map((s) => s.owner)
  if (open.length > 0) return refuse('subtasks-open', `sub-tasks still open on ticket #${state.id}: ${open.join(', ')}; they must be done before the reply is signed`)
  return {
    state: { ...state, status: 'awaiting-bureau-head', draft: { ...draft, submittedAt: event.at } },
    effects: [notify(state, { role: 'bureau-head' }, 'sign', `version ${draft.version}`)],
  }
}

type Decided = TicketEventOf<'approved'> | TicketEventOf<'rejected'>

/** Guards shared by approvals and rejections; `decider` is who decides. */
function decisionGuards(state: TicketState, event: Decided, decider: string, env: Env): ReturnType<typeof refuse> | undefined {
  const { role, version } = event.payload
  const verb = event.type === 'approved' ? 'approve' : 'reject'
  if (!(SIGNING_ROLES as readonly string[]).includes(role)) return refuse('invalid-payload', `role must be ${SIGNING_ROLES.join(' or ')}`)
  const prior = state.decisions.find((d) => d.role === role && d.version === version)
  if (prior) {
    return refuse('already-decided', `${env.name(prior.by)} already ${prior.decision} version ${version} as ${ROLE_TITLES[role]} at ${prior.at}; decisions are final`)
  }
  const draft = state.draft
  if (state.status === 'drafting' && draft) return refuse('not-submitted', `version ${draft.version} has not been submitted for signature`)
  if (!draft || (state.status !== 'awaiting-bureau-head' && state.status !== 'awaiting-leader')) {
    return refuse('wrong-state', `ticket #${state.id} is ${state.status}; there is nothing to ${verb}`)
  }
  if (!positiveInt(version) || version !== draft.version) return refuse('stale-version', `version ${String(version)} is not the current draft (version ${draft.version}); ${verb} the current one`)
  if (state.status === 'awaiting-bureau-head' && role === 'supervising-leader') {
    return refuse('wrong-order', 'the bureau head must sign before the supervising leader')
  }
  if (decider === draft.author) return refuse('self-approval', `${env.name(decider)} wrote this draft and cannot ${verb} it`)
  if (env.live) {
    if (!env.policy) return refuse('no-policy', 'checking who may sign needs the policy; pass ctx.policy')
    if (!maySign(env.policy, env.people, decider, role)) {
      const list = role === 'bureau-head' ? 'approval.bureauHeads' : 'approval.supervisingLeaders'
      return refuse('not-authorised', `${env.name(decider)} may not sign as ${ROLE_TITLES[role]} (not in ${list})`)
    }
  }
  const head = state.decisions.find((d) => d.role === 'bureau-head' && d.version === version && d.decision === 'approved')
  if (role === 'supervising-leader' && head?.by === decider) {
    return refuse('same-signer', `${env.name(decider)} already signed version ${version} as the bureau head; the second signature must come from someone else`)
  }
  return undefined
}

/** `approved`: a signature on the current version; the bureau head first, then the supervising leader. */
export function approved(state: TicketState, event: TicketEventOf<'approved'>, env: Env): Outcome {
  const { role, version, textSha256, approver } = event.payload
  if (blank(approver)) return refuse('approver-required', 'a signature must name its approver')
  if (approver !== event.actor) return refuse('not-own-signature', `${env.name(event.actor)} cannot sign in ${env.name(approver)}'s name`)
  const refusal = decisionGuards(state, event, approver, env)
  if (refusal) return refusal
  const draft = state.draft
  if (!draft) return refuse('wrong-state', `ticket #${state.id} has no draft`)
  if (textSha256 !== draft.textSha256) return refuse('hash-mismatch', `the text signed (sha256 ${String(textSha256).slice(0, 12)}…) is not version ${version} as drafted (${draft.textSha256.slice(0, 12)}…)`)
  const skip = role === 'bureau-head' && (env.live ? env.policy !== undefined && skipLeaderApplies(env.policy, state) : event.payload.skipLeader === true)
  const decision = { role, by: approver, version, textSha256, decision: 'approved' as const, at: event.at, ...(skip ? { skipLeader: true } : {}) }
  const decisions = [...state.decisions, decision]
  const record = role === 'bureau-head' ? { ...event, payload: { role, version, textSha256, approver, skipLeader: skip } } : event
  if (role === 'bureau-head' && !skip) {
    return {
      state: { ...state, status: 'awaiting-leader', decisions, draft: { ...draft, leaderWaitSince: event.at } },
      effects: [notify(state, { role: 'supervising-leader' }, 'sign', `version ${version}`)],
      record,
    }
  }
  return {
    state: { ...state, status: 'approved', decisions },
    effects: [notify(state, { user: draft.author }, 'publish', `version ${version}${skip ? ' (bureau head only: skip-leader rule)' : ''}`)],
    record,
  }
}

/** `rejected`: back to drafting, with a mandatory reason; that version can never be resubmitted. */
export function rejected(state: TicketState, event: TicketEventOf<'rejected'>, env: Env): Outcome {
  if (blank(event.payload.reason)) return refuse('reason-required', 'a rejection needs a reason, so the author knows what to change')
  const refusal = decisionGuards(state, event, event.actor, env)
  if (refusal) return refusal
  const draft = state.draft
  if (!draft) return refuse('wrong-state', `ticket #${state.id} has no draft`)
  const { role, version, reason } = event.payload
  const decision = { role, by: event.actor, version, textSha256: draft.textSha256, decision: 'rejected' as const, reason, at: event.at }
  const { leaderWaitSince: _since, ...kept } = draft
  return {
    state: { ...state, status: 'drafting', decisions: [...state.decisions, decision], draft: kept },
    effects: [notify(state, { user: draft.author }, 'rejected', reason)],
  }
}

/** `published` (一旬答复): only the approved version and text; the effect says what to verify. */
export function published(state: TicketState, event: TicketEventOf<'published'>): Outcome {
  const { channel, version, textSha256, url } = event.payload
  const draft = state.draft
  if (!draft) return refuse('wrong-state', `ticket #${state.id} has no approved reply`)
  if (blank(channel)) return refuse('invalid-payload', 'say where the reply was published (channel, e.g. liuyan)')
  if (version !== draft.version) return refuse('stale-version', `version ${String(version)} is not the approved reply (version ${draft.version})`)
  if (textSha256 !== draft.textSha256) return refuse('hash-mismatch', 'the published text is not the text both signers approved (sha256 differs)')
  const publication = { round: state.round, version, textSha256, channel, ...(url !== undefined ? { url } : {}), at: event.at, by: event.actor }
  const next = withClock({ ...state, status: 'published', publications: [...state.publications, publication] }, stopClock(state.clocks.reply, event.at))
  const effects: Effect[] = [{ kind: 'publish', ticket: state.id, channel, version, textSha256 }]
  if (state.clocks.reply.stoppedAt === undefined) effects.push(clockEffect(state, 'stop-clock', 'reply'))
  return { state: next, effects }
}

/** Whether a value is a rating. */
export function isGrade(value: unknown): value is Grade {
  return (SATISFACTION_LEVELS as readonly unknown[]).includes(value) || (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5)
}

/** Whether a grade counts as satisfied (满意, 基本满意, 4–5 stars), not (不满意, 部分解决, 1–2), or neither (3). */
export function satisfied(grade: Grade): boolean | null {
  if (grade === 'satisfied' || grade === 'basically') return true
  if (grade === 'dissatisfied' || grade === 'partly-solved') return false
  return grade >= 4 ? true : grade <= 2 ? false : null
}

/** `rated`: the citizen's satisfaction, once per round, never recorded by the reply's author. */
export function rated(state: TicketState, event: TicketEventOf<'rated'>, env: Env): Outcome {
  const { grade, source, comment } = event.payload
  if (!isGrade(grade)) return refuse('bad-grade', `a rating is ${SATISFACTION_LEVELS.join(', ')} or a grade 1–5, not ${JSON.stringify(grade)}`)
  if (blank(source)) return refuse('source-required', 'say where the rating came from (source: board, survey, phone…)')
  if (state.ratings.some((r) => r.round === state.round)) return refuse('already-rated', `ticket #${state.id} already has the citizen's rating for this reply`)
  if (event.actor === state.draft?.author) return refuse('self-rating', `${env.name(event.actor)} wrote the reply and cannot record the citizen's rating`)
  const rating = { round: state.round, grade, source, ...(comment !== undefined ? { comment } : {}), at: event.at, by: event.actor }
  const low = satisfied(grade) === false
  return { state: { ...state, ratings: [...state.ratings, rating] }, effects: low ? [notify(state, { role: 'bureau-head' }, 'dissatisfied', String(grade))] : [] }
}

/** `closed` (一月办结): stops every clock still running. */
export function closed(state: TicketState, event: TicketEventOf<'closed'>): Outcome {
  let next: TicketState = { ...state, status: 'closed', closedAt: event.at }
  const effects: Effect[] = []
  for (const name of CLOCK_NAMES) {
    if (state.clocks[name].stoppedAt !== undefined) continue
    next = withClock(next, stopClock(state.clocks[name], event.at))
    effects.push(clockEffect(state, 'stop-clock', name))
  }
  return { state: next, effects }
}

/** `reopened`: a new round; sub-tasks reopen, a new reply is needed, the reply and close clocks restart. */
export function reopened(state: TicketState, event: TicketEventOf<'reopened'>): Outcome {
  if (blank(event.payload.reason)) return refuse('reason-required', 'reopening a case needs a reason')
  const round = state.round + 1
  const { draft: _draft, closedAt: _closed, ...rest } = state
  let next: TicketState = {
    ...rest,
    status: 'characterised',
    round,
    subtasks: state.subtasks.map((s) => (s.status === 'done' ? { owner: s.owner, role: s.role, status: 'open' as const, assignedAt: event.at } : s)),
    reopenings: [...state.reopenings, { at: event.at, by: event.actor, reason: event.payload.reason }],
    pastClocks: [...state.pastClocks, stopClock(state.clocks.reply, event.at), stopClock(state.clocks.close, event.at)],
  }
  next = withClock(withClock(next, startClock('reply', event.at, round)), startClock('close', event.at, round))
  const effects: Effect[] = [clockEffect(state, 'start-clock', 'reply'), clockEffect(state, 'start-clock', 'close')]
  if (state.lead !== undefined) effects.push(notify(state, { owner: state.lead }, 'reopened', event.payload.reason))
  return { state: next, effects }
}
