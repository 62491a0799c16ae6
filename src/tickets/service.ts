/**
 * Where the pure workflow meets the store: every action on a ticket replays its events,
 * asks {@link transition} whether the new event may happen, and appends exactly what the
 * transition recorded, in one transaction with the ticket row locked. Nothing else writes
 * ticket events.
 */
import type { LianxinConfig } from '../config/schema.js'
import { RefusedError } from '../errors.js'
import { listEvents, type StoredEvent } from '../store/events.js'
import { inTransaction, type Session } from '../store/session.js'
import { appendTicketEvent, openTicket, requireTicket, type OpenTicketInput, type TicketSummary } from '../store/tickets.js'
import { rosterFromLog, workflowPeople } from '../people/roster.js'
import { replayStored, storedEventInput, transition, workflowPolicy, type Effect, type Person, type TicketEvent, type TicketState, type WorkflowPolicy } from './workflow/index.js'

/** What a live transition checks against: the rules in force and the people in office now. */
export interface CaseContext {
  readonly policy: WorkflowPolicy
  readonly people: readonly Person[]
  /**
   * Runs in the transaction of every recorded action, after it (the daemon's and the commands'
   * context queue the notifications its effects ask for here, see `withEffectNotices`).
   */
  readonly onActed?: (tx: Session, state: TicketState, event: StoredEvent, effects: readonly Effect[]) => Promise<void>
}

/** The context of a loaded config and the store's active people. */
export async function caseContext(session: Session, config: Pick<LianxinConfig, 'approval' | 'sla' | 'district'>): Promise<CaseContext> {
  return { policy: workflowPolicy(config), people: workflowPeople((await rosterFromLog(session)).people) }
}

/** A ticket: its projection row, its state rebuilt from the log, and the log itself. */
export interface LoadedCase {
  readonly summary: TicketSummary
  readonly state: TicketState
  readonly events: readonly StoredEvent[]
}

/**
 * Loads a ticket and replays its events.
 *
 * @throws NotFoundError for an unknown id; ReplayError (exit 7) when the log breaks the rules.
 */
export async function loadCase(session: Session, id: number): Promise<LoadedCase> {
  const summary = await requireTicket(session, id)
  const events = await listEvents(session, { stream: `ticket:${id}` })
  return { summary, state: replayStored(events), events }
}

/** An event as a person or the daemon asks for it: the time is the store's. */
export type Action = TicketEvent extends infer E ? (E extends TicketEvent ? Omit<E, 'at'> : never) : never

/** What {@link act} did. */
export interface ActResult {
  readonly state: TicketState
  readonly effects: readonly Effect[]
  readonly event: StoredEvent
  /** False when the idempotency key was used before: nothing was written. */
  readonly created: boolean
}

/** Options of {@link act}. */
export interface ActOptions {
  /** Idempotency key of the event: a second call with it writes nothing. */
  readonly key?: string
  /** Extra payload stored with the event but not read by the workflow (the reply text, say). */
  readonly extra?: Readonly<Record<string, unknown>>
  /** Runs in the same transaction, after the event is appended (rows of other tables). */
  readonly also?: (tx: Session, state: TicketState, event: StoredEvent, effects: readonly Effect[]) => Promise<void>
  /** Checks run on the replayed state, in the transaction, before the transition. */
  readonly guard?: (state: TicketState) => void
}

/**
 * Records one workflow event on a ticket. `action` may be a function of the ticket's state as
 * replayed inside the transaction (to take the next version number, say).
 *
 * @throws RefusedError (exit 6, code = the workflow's refusal code) when the rules refuse it;
 *   nothing is written then.
 * @example await act(store, 12, { type: 'accepted', actor: 'zhangwei', payload: {} }, ctx)
 */
export async function act(session: Session, id: number, action: Action | ((state: TicketState) => Action), ctx: CaseContext, options: ActOptions = {}): Promise<ActResult> {
  return inTransaction(session, async (tx) => {
    if (options.key !== undefined) {
      const prior = await tx.db.selectFrom('events').selectAll().where('key', '=', options.key).executeTakeFirst()
      if (prior) {
        const loaded = await loadCase(tx, id)
        const event = (await listEvents(tx, { stream: `ticket:${id}` })).find((e) => e.key === options.key) as StoredEvent
        return { state: loaded.state, effects: [], event, created: false }
      }
    }
    await lockTicket(tx, id)
    const { state } = await loadCase(tx, id)
    options.guard?.(state)
    const wanted = typeof action === 'function' ? action(state) : action
    // One instant for the transition and the stored event, never before the ticket's last event.
    const at = new Date(Math.max(tx.now().getTime(), Date.parse(state.updatedAt)))
    const frozen: Session = { db: tx.db, now: () => at }
    const event = { ...wanted, at: at.toISOString() } as TicketEvent
    const result = transition(state, event, { policy: ctx.policy, people: ctx.people, now: at })
    if (result.refused) throw new RefusedError(result.message, { code: result.code, details: { ticket: id, event: wanted.type } })
    const input = storedEventInput(result.record)
    const stored = await appendTicketEvent(
      frozen,
      id,
      { ...input, payload: { ...input.payload, ...options.extra }, ...(options.key !== undefined ? { key: options.key } : {}) },
      projection(result.state),
    )
    await options.also?.(frozen, result.state, stored, result.effects)
    await ctx.onActed?.(frozen, result.state, stored, result.effects)
    return { state: result.state, effects: result.effects, event: stored, created: true }
  })
}

/**
 * Opens a ticket for posts (see `openTicket`) and stores its workflow state in the projection,
 * so listing and the clock watch need no replay.
 */
export async function openCase(session: Session, input: OpenTicketInput): Promise<{ ticket: TicketSummary; created: boolean }> {
  return inTransaction(session, async (tx) => {
    const opened = await openTicket(tx, input)
    if (!opened.created) return opened
    const { state } = await loadCase(tx, opened.ticket.id)
    await tx.db
      .updateTable('tickets')
      .set({ state: JSON.stringify(state) })
      .where('id', '=', opened.ticket.id)
      .execute()
    return { ticket: { ...opened.ticket, state: state as unknown as Record<string, unknown> }, created: true }
  })
}

/** The workflow state stored in a projection row, or undefined for rows written before it was kept. */
export function projectedState(summary: TicketSummary): TicketState | undefined {
  const state = summary.state as Partial<TicketState>
  return typeof state.id === 'number' && state.clocks !== undefined ? (state as TicketState) : undefined
}

/** The state of a listed ticket: the projection's, or replayed from the log for rows that predate it. */
export async function stateOf(session: Session, summary: TicketSummary): Promise<TicketState> {
  return projectedState(summary) ?? replayStored(await listEvents(session, { stream: `ticket:${summary.id}` }))
}

/** The projection columns of a state. */
function projection(state: TicketState) {
  return {
    status: state.status,
    ...(state.lead !== undefined ? { lead: state.lead, assist: [...state.assist] } : {}),
    state: state as unknown as Record<string, unknown>,
  }
}

/**
 * Serialises actions on one ticket: no-op updates take the row locks on PostgreSQL until the
 * transaction ends (SQLite transactions already hold the database's write lock). The log's head
 * is locked first, in the same order as every append (triage takes it, then ticket rows), so two
 * daemons never deadlock.
 */
async function lockTicket(tx: Session, id: number): Promise<void> {
  await tx.db
    .updateTable('chain_head')
    .set((eb) => ({ seq: eb.ref('seq') }))
    .where('id', '=', 1)
    .execute()
  await tx.db
    .updateTable('tickets')
    .set((eb) => ({ last_seq: eb.ref('last_seq') }))
    .where('id', '=', id)
    .execute()
}
