import { canonicalJson } from '../audit/canonical.js'
import { eventHash } from '../audit/chain.js'
import { inTransaction, type Session } from './session.js'
import type { EventRow } from './types.js'

export interface NewEvent {
  /** What the event is about: `post:12`, `ticket:7`, `person:liuju`, `source:liuyan-pingfang`. */
  stream: string
  /** Dotted event type: `post.captured`, `ticket.opened`, `reply.approved`… */
  type: string
  /** Who did it: a user name, or `system:<part>` for lianxin itself. */
  actor: string
  payload: unknown
  /** Idempotency key: an event whose key is already in the log is not written again. */
  key?: string
}

export interface StoredEvent<P = unknown> {
  seq: number
  at: string
  actor: string
  stream: string
  type: string
  key: string | null
  payload: P
  prevHash: string
  hash: string
}

export interface AppendResult<P = unknown> {
  event: StoredEvent<P>
  /** False when an event with the same key was already in the log (nothing was written). */
  created: boolean
}

/**
 * Appends one event to the hash-chained log, atomically with whatever else the session's
 * transaction writes. Appends are serialised by a row lock on `chain_head` (PostgreSQL) or by
 * the write lock (SQLite), so the chain never forks.
 */
export async function appendEvent<P>(session: Session, input: NewEvent & { payload: P }): Promise<AppendResult<P>> {
  return inTransaction(session, async ({ db, now }) => {
    // Take the chain lock first: on PostgreSQL this locks the head row until commit.
    await db
      .updateTable('chain_head')
      .set((eb) => ({ seq: eb.ref('seq') }))
      .where('id', '=', 1)
      .execute()
    if (input.key !== undefined) {
      const existing = await db.selectFrom('events').selectAll().where('key', '=', input.key).executeTakeFirst()
      if (existing) return { event: toStoredEvent<P>(existing), created: false }
    }
    const head = await db.selectFrom('chain_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow()
    const content = {
      at: now().toISOString(),
      actor: input.actor,
      stream: input.stream,
      type: input.type,
      key: input.key ?? null,
      payload: canonicalJson(input.payload),
    }
    const hash = eventHash(head.hash, content)
    const seq = head.seq + 1
    const row: EventRow = { seq, ...content, prev_hash: head.hash, hash }
    await db.insertInto('events').values(row).execute()
    await db.updateTable('chain_head').set({ seq, hash }).where('id', '=', 1).execute()
    return { event: toStoredEvent<P>(row), created: true }
  })
}

export interface ListEventsOptions {
  stream?: string
  streamPrefix?: string
  types?: string[]
  afterSeq?: number
  limit?: number
}

/** Events in log order. */
export async function listEvents(session: Session, options: ListEventsOptions = {}): Promise<StoredEvent[]> {
  let query = session.db.selectFrom('events').selectAll().orderBy('seq')
  if (options.stream !== undefined) query = query.where('stream', '=', options.stream)
  if (options.streamPrefix !== undefined) query = query.where('stream', 'like', `${options.streamPrefix}%`)
  if (options.types && options.types.length > 0) query = query.where('type', 'in', options.types)
  if (options.afterSeq !== undefined) query = query.where('seq', '>', options.afterSeq)
  if (options.limit !== undefined) query = query.limit(options.limit)
  const rows = await query.execute()
  return rows.map((row) => toStoredEvent(row))
}

/** The newest event's seq and hash (seq 0 and the genesis hash for an empty log). */
export async function chainHead(session: Session): Promise<{ seq: number; hash: string }> {
  return session.db.selectFrom('chain_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow()
}

export function toStoredEvent<P = unknown>(row: EventRow): StoredEvent<P> {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    stream: row.stream,
    type: row.type,
    key: row.key,
    payload: JSON.parse(row.payload) as P,
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}
