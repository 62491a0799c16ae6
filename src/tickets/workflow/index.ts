/**
 * The ticket workflow: a pure transition function over explicit states and events, replay of
 * a ticket's log, and the policy it enforces. docs/workflow.md describes the rules.
 * Re-exports only.
 */
export { ALLOWED, transition } from './machine.js'
export { mayApproveTime, maySign, nameOf, peopleOf, skipLeaderApplies, workflowPolicy } from './policy.js'
export { ReplayError, replay, type ReplayOptions } from './replay.js'
export { isGrade, satisfied } from './reply.js'
export { isWorkflowType, replayStored, storedEventInput, ticketEventFromStored } from './stored.js'
export { REFUSAL_CODES } from './codes.js'
export * from './types.js'
