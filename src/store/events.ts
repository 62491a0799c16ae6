import { canonicalJson } from '../audit/canonical.js'
import { IntegrityError } from '../errors.js'
import { eventHash } from '../audit/chain.js'
import { insertRows } from './bulk.js'
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
  const [result] = await appendEvents<P>(session, [input])
  return result as AppendResult<P>
}

/**
 * Appends events in order, with one lock, one read of the head, one multi-row insert and one
 * head update: what a crawl page or a triage batch needs. An event whose key is already in the
 * log (or earlier in the same batch) is not written again.
 */
export async function appendEvents<P>(session: Session, inputs: Array<NewEvent & { payload: P }>): Promise<Array<AppendResult<P>>> {
  if (inputs.length === 0) return []
  return inTransaction(session, async ({ db, now }) => {
    // Take the chain lock first (on PostgreSQL a row lock held until commit) and read the head.
    let head = await db
      .updateTable('chain_head')
      .set((eb) => ({ seq: eb.ref('seq') }))
      .where('id', '=', 1)
      .returning(['seq', 'hash'])
      .executeTakeFirstOrThrow()
    // A row past the head was written around lianxin; appending would collide with it.
    const stray = await db.selectFrom('events').select(['seq', 'type']).where('seq', '>', head.seq).orderBy('seq').limit(1).executeTakeFirst()
    if (stray) {
      throw new IntegrityError(`the event log holds event ${stray.seq} (${stray.type}) past its recorded head (${head.seq}): it was written around lianxin, so nothing more is written`, {
        suggestions: ['Run "lianxin audit verify" and report it.'],
      })
    }
    const keys = inputs.map((i) => i.key).filter((k): k is string => k !== undefined)
    const existing = new Map<string, EventRow>()
    for (let i = 0; i < keys.length; i += CHUNK) {
      const rows = await db.selectFrom('events').selectAll().where('key', 'in', keys.slice(i, i + CHUNK)).execute()
      for (const row of rows) existing.set(row.key as string, row)
    }
    const at = now().toISOString()
    const rows: EventRow[] = []
    const results: Array<AppendResult<P>> = []
    for (const input of inputs) {
      const prior = input.key === undefined ? undefined : existing.get(input.key)
      if (prior) {
        results.push({ event: toStoredEvent<P>(prior), created: false })
        continue
      }
      const content = { at, actor: input.actor, stream: input.stream, type: input.type, key: input.key ?? null, payload: canonicalJson(input.payload) }
      const row: EventRow = { seq: head.seq + 1, ...content, prev_hash: head.hash, hash: eventHash(head.hash, content) }
      head = { seq: row.seq, hash: row.hash }
      rows.push(row)
      if (input.key !== undefined) existing.set(input.key, row)
      results.push({ event: toStoredEvent<P>(row), created: true })
    }
    for (let i = 0; i < rows.length; i += CHUNK) await insertRows(db, 'events', rows.slice(i, i + CHUNK) as unknown as Array<Record<string, unknown>>)
    if (rows.length > 0) await db.updateTable('chain_head').set(head).where('id', '=', 1).execute()
    return results
  })
}

/** Rows per multi-row statement: well under SQLite's 32,766 bound parameters at 9 columns. */
const CHUNK = 500

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
