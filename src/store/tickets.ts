import { NotFoundError } from '../errors.js'
import { appendEvent, type StoredEvent } from './events.js'
import { inTransaction, type Session } from './session.js'
import type { TicketRow } from './types.js'

/** The projected columns of a ticket that commands list and filter on. */
export interface TicketSummary {
  id: number
  status: string
  title: string
  topic: string | null
  urgency: string | null
  zoneId: string | null
  lead: string | null
  assist: string[]
  openedAt: string
  updatedAt: string
  state: Record<string, unknown>
  lastSeq: number
}

export interface OpenTicketInput {
  title: string
  postIds: number[]
  actor: string
  topic?: string | null
  urgency?: string | null
  zoneId?: string | null
  lead?: string | null
  assist?: string[]
  /** Why the ticket was opened and routed this way (kept with the record). */
  reasons?: string[]
  /** Extra state for the ticket's workflow. */
  state?: Record<string, unknown>
  /** Idempotency key, e.g. `ticket.opened:post:12` so a rerun opens nothing twice. */
  key?: string
}

/**
 * Opens a ticket for one or more posts: a projection row, the post links and a
 * `ticket.opened` event, in one transaction. With a key that was already used, returns the
 * ticket opened then.
 */
export async function openTicket(session: Session, input: OpenTicketInput): Promise<{ ticket: TicketSummary; created: boolean }> {
  return inTransaction(session, async (tx) => {
    if (input.key !== undefined) {
      const prior = await tx.db.selectFrom('events').select('stream').where('key', '=', input.key).executeTakeFirst()
      if (prior) {
        const ticket = await getTicket(tx, Number(prior.stream.slice('ticket:'.length)))
        if (ticket) return { ticket, created: false }
      }
    }
    const at = tx.now().toISOString()
    const status = 'received'
    const inserted = await tx.db
      .insertInto('tickets')
      .values({
        status,
        title: input.title,
        topic: input.topic ?? null,
        urgency: input.urgency ?? null,
        zone_id: input.zoneId ?? null,
        lead: input.lead ?? null,
        assist: JSON.stringify(input.assist ?? []),
        opened_at: at,
        updated_at: at,
        state: JSON.stringify(input.state ?? {}),
        last_seq: 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const id = inserted.id
    for (const postId of input.postIds) {
      await tx.db.insertInto('ticket_posts').values({ ticket_id: id, post_id: postId, linked_at: at, reason: 'opened' }).execute()
    }
    const { event } = await appendEvent(tx, {
      stream: `ticket:${id}`,
      type: 'ticket.opened',
      actor: input.actor,
      key: input.key,
      payload: {
        ticketId: id,
        title: input.title,
        postIds: input.postIds,
        topic: input.topic ?? null,
        urgency: input.urgency ?? null,
        zoneId: input.zoneId ?? null,
        lead: input.lead ?? null,
        assist: input.assist ?? [],
        reasons: input.reasons ?? [],
      },
    })
    await tx.db.updateTable('tickets').set({ last_seq: event.seq }).where('id', '=', id).execute()
    return { ticket: (await getTicket(tx, id)) as TicketSummary, created: true }
  })
}

/** Links another post to an existing case (a duplicate from another source, a follow-up). */
export async function linkPost(session: Session, ticketId: number, postId: number, reason: string, actor: string): Promise<boolean> {
  return inTransaction(session, async (tx) => {
    const already = await tx.db
      .selectFrom('ticket_posts')
      .select('post_id')
      .where('ticket_id', '=', ticketId)
      .where('post_id', '=', postId)
      .executeTakeFirst()
    if (already) return false
    await requireTicket(tx, ticketId)
    await tx.db.insertInto('ticket_posts').values({ ticket_id: ticketId, post_id: postId, linked_at: tx.now().toISOString(), reason }).execute()
    const { event } = await appendEvent(tx, { stream: `ticket:${ticketId}`, type: 'ticket.post-linked', actor, payload: { ticketId, postId, reason } })
    await tx.db.updateTable('tickets').set({ last_seq: event.seq, updated_at: event.at }).where('id', '=', ticketId).execute()
    return true
  })
}

/** The ticket already linked to a post, if any. */
export async function ticketForPost(session: Session, postId: number): Promise<number | undefined> {
  const row = await session.db.selectFrom('ticket_posts').select('ticket_id').where('post_id', '=', postId).orderBy('ticket_id').executeTakeFirst()
  return row?.ticket_id
}

export interface TicketChange {
  status?: string
  topic?: string | null
  urgency?: string | null
  zoneId?: string | null
  lead?: string | null
  assist?: string[]
  state?: Record<string, unknown>
}

/**
 * Appends an event to a ticket's stream and folds its effect into the projection row, in one
 * transaction. The event is the record; the row is only a cache of the replayed state.
 */
export async function appendTicketEvent(
  session: Session,
  ticketId: number,
  event: { type: string; actor: string; payload: Record<string, unknown>; key?: string },
  change: TicketChange = {},
): Promise<StoredEvent> {
  return inTransaction(session, async (tx) => {
    await requireTicket(tx, ticketId)
    const { event: stored, created } = await appendEvent(tx, { stream: `ticket:${ticketId}`, ...event, payload: { ticketId, ...event.payload } })
    if (!created) return stored
    await tx.db
      .updateTable('tickets')
      .set({
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.topic !== undefined ? { topic: change.topic } : {}),
        ...(change.urgency !== undefined ? { urgency: change.urgency } : {}),
        ...(change.zoneId !== undefined ? { zone_id: change.zoneId } : {}),
        ...(change.lead !== undefined ? { lead: change.lead } : {}),
        ...(change.assist !== undefined ? { assist: JSON.stringify(change.assist) } : {}),
        ...(change.state !== undefined ? { state: JSON.stringify(change.state) } : {}),
        updated_at: stored.at,
        last_seq: stored.seq,
      })
      .where('id', '=', ticketId)
      .execute()
    return stored
  })
}

export interface ListTicketsOptions {
  status?: string[]
  zoneId?: string
  lead?: string
  /** Opened at or after this instant (ISO-8601). */
  openedFrom?: string
  /** Opened before this instant (ISO-8601). */
  openedBefore?: string
  /** Changed at or after this instant (ISO-8601). */
  updatedFrom?: string
  limit?: number
}

export async function listTickets(session: Session, options: ListTicketsOptions = {}): Promise<TicketSummary[]> {
  let query = session.db.selectFrom('tickets').selectAll().orderBy('id')
  if (options.status && options.status.length > 0) query = query.where('status', 'in', options.status)
  if (options.zoneId !== undefined) query = query.where('zone_id', '=', options.zoneId)
  if (options.lead !== undefined) query = query.where('lead', '=', options.lead)
  if (options.openedFrom !== undefined) query = query.where('opened_at', '>=', options.openedFrom)
  if (options.openedBefore !== undefined) query = query.where('opened_at', '<', options.openedBefore)
  if (options.updatedFrom !== undefined) query = query.where('updated_at', '>=', options.updatedFrom)
  if (options.limit !== undefined) query = query.limit(options.limit)
  return (await query.execute()).map(toTicket)
}

export async function getTicket(session: Session, id: number): Promise<TicketSummary | undefined> {
  const row = await session.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? toTicket(row) : undefined
}

export async function requireTicket(session: Session, id: number): Promise<TicketSummary> {
  const ticket = await getTicket(session, id)
  if (!ticket) throw new NotFoundError(`ticket ${id} does not exist`, { suggestions: ['List tickets with "lianxin tickets list".'] })
  return ticket
}

/** The ids of the posts linked to a ticket, in the order they were linked. */
export async function ticketPosts(session: Session, ticketId: number): Promise<Array<{ postId: number; reason: string; linkedAt: string }>> {
  const rows = await session.db.selectFrom('ticket_posts').selectAll().where('ticket_id', '=', ticketId).orderBy('linked_at').orderBy('post_id').execute()
  return rows.map((r) => ({ postId: r.post_id, reason: r.reason, linkedAt: r.linked_at }))
}

function toTicket(row: TicketRow): TicketSummary {
  return {
    id: row.id,
    status: row.status,
    title: row.title,
    topic: row.topic,
    urgency: row.urgency,
    zoneId: row.zone_id,
    lead: row.lead,
    assist: JSON.parse(row.assist) as string[],
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    state: JSON.parse(row.state) as Record<string, unknown>,
    lastSeq: row.last_seq,
  }
}
