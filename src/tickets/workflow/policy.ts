/**
 * The policy the workflow enforces, built from lianxin.yaml, and the questions the guards ask
 * of it: who may sign as what, and whether the skip-leader rule covers a ticket.
 */
import type { LianxinConfig } from '../../config/schema.js'
import { URGENCY_LEVELS } from '../../config/sections/organisation.js'
import type { Person, SigningRole, TicketState, WorkflowPolicy } from './types.js'

/**
 * The workflow policy of a loaded config: `approval`, `sla` and `district.timezone`.
 *
 * @example const policy = workflowPolicy(config)
 */
export function workflowPolicy(config: Pick<LianxinConfig, 'approval' | 'sla' | 'district'>): WorkflowPolicy {
  return { approval: config.approval, sla: config.sla, timeZone: config.district.timezone }
}

/** The people of a loaded config, for names in messages and role checks. */
export function peopleOf(config: Pick<LianxinConfig, 'users'>): readonly Person[] {
  return config.users
}

/**
 * Whether `user` may sign as `role`: they are in the policy's list for that role
 * (`approval.bureauHeads` / `approval.supervisingLeaders`), or, when that list is empty, the
 * people list gives them the role.
 */
export function maySign(policy: WorkflowPolicy, people: readonly Person[] | undefined, user: string, role: SigningRole): boolean {
  const list = role === 'bureau-head' ? policy.approval.bureauHeads : policy.approval.supervisingLeaders
  if (list.length > 0) return list.includes(user)
  return people?.some((p) => p.name === user && p.roles.includes(role)) ?? false
}

/** Whether `user` may approve a pause or an extension: a bureau head or a supervising leader. */
export function mayApproveTime(policy: WorkflowPolicy, people: readonly Person[] | undefined, user: string): boolean {
  return maySign(policy, people, user, 'bureau-head') || maySign(policy, people, user, 'supervising-leader')
}

/**
 * Whether the skip-leader rule lets the bureau head's signature suffice for this ticket: the
 * rule is enabled, the ticket's topic is listed, and its urgency is known and at most
 * `maxUrgency` (一般 < 紧急 < 特急). An unknown topic or urgency never skips. Off by default.
 */
export function skipLeaderApplies(policy: WorkflowPolicy, ticket: Pick<TicketState, 'topic' | 'urgency'>): boolean {
  const rule = policy.approval.skipLeader
  if (!rule.enabled || ticket.topic === null || ticket.urgency === null || !rule.topics.includes(ticket.topic)) return false
  const levels: readonly string[] = URGENCY_LEVELS
  const rank = levels.indexOf(ticket.urgency)
  const max = levels.indexOf(rule.maxUrgency)
  return rank >= 0 && max >= 0 && rank <= max
}

/** How a user is named in messages: their display name when known (王副区长), else the login name. */
export function nameOf(people: readonly Person[] | undefined, user: string): string {
  return people?.find((p) => p.name === user)?.displayName ?? user
}

/** The zone or department a person works for, if the people list says. */
export function unitOf(people: readonly Person[] | undefined, user: string): string | undefined {
  const person = people?.find((p) => p.name === user)
  return person?.zone ?? person?.department
}

/** Role names as the bureau says them, for messages. */
export const ROLE_TITLES: Readonly<Record<SigningRole, string>> = {
  'bureau-head': 'the bureau head',
  'supervising-leader': 'the supervising leader',
}
