import type { Session } from '../store/session.js'
import { GENESIS_HASH, eventHash } from './chain.js'

export type TamperKind = 'changed' | 'removed' | 'inserted' | 'reordered' | 'anchor-mismatch'

export interface TamperFinding {
  kind: TamperKind
  /** The event where the damage shows (for `removed`, the first event after the gap). */
  seq: number
  message: string
}

export interface VerifyReport {
  ok: boolean
  events: number
  head: { seq: number; hash: string }
  /** The first finding, in log order: what a person should look at first. */
  first: TamperFinding | undefined
  findings: TamperFinding[]
}

/** A seq and the hash recorded for it elsewhere (printed by an earlier `audit verify`, say). */
export interface Anchor {
  seq: number
  hash: string
}

const BATCH = 5000

/**
 * Walks the event log in seq order and checks every event: its hash must match its content,
 * and its prev_hash must be the hash of the event before it. A broken link is classified by
 * looking up which event (if any) the prev_hash names: none (events were removed), an earlier
 * one (the events in between were inserted), a later one (events were reordered). The stored
 * chain head catches removal or forgery at the end of the log. Anchors catch a log that was
 * rewritten and re-hashed from some point on.
 */
export async function verifyChain(session: Session, anchors: Anchor[] = []): Promise<VerifyReport> {
  const { db } = session
  const findings: TamperFinding[] = []
  const anchorBySeq = new Map(anchors.map((a) => [a.seq, a.hash]))
  let expectedPrev = GENESIS_HASH
  let prevSeq = 0
  let count = 0
  let last: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }

  for (let after = -Infinity; ; ) {
    let query = db.selectFrom('events').selectAll().orderBy('seq').limit(BATCH)
    if (after !== -Infinity) query = query.where('seq', '>', after)
    const rows = await query.execute()
    if (rows.length === 0) break
    for (const row of rows) {
      count++
      const recomputed = eventHash(row.prev_hash, row)
      if (recomputed !== row.hash) {
        findings.push({
          kind: 'changed',
          seq: row.seq,
          message: `event ${row.seq} (${row.type} on ${row.stream}) was changed after it was written: its content no longer matches its hash`,
        })
      }
      if (row.prev_hash !== expectedPrev) {
        findings.push(await classifyBrokenLink(session, row.seq, row.prev_hash, prevSeq))
      }
      const anchored = anchorBySeq.get(row.seq)
      if (anchored !== undefined && anchored !== row.hash) {
        findings.push({
          kind: 'anchor-mismatch',
          seq: row.seq,
          message: `event ${row.seq} has hash ${row.hash.slice(0, 12)}… but the anchor recorded ${anchored.slice(0, 12)}…: the log was rewritten up to here`,
        })
      }
      anchorBySeq.delete(row.seq)
      expectedPrev = row.hash
      prevSeq = row.seq
      last = { seq: row.seq, hash: row.hash }
    }
    after = rows.at(-1)?.seq ?? after
    if (rows.length < BATCH) break
  }

  for (const [seq] of anchorBySeq) {
    findings.push({ kind: 'removed', seq, message: `anchored event ${seq} is no longer in the log` })
  }

  const head = await db.selectFrom('chain_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst()
  if (head && head.hash !== last.hash) {
    const known = await db.selectFrom('events').select('seq').where('hash', '=', head.hash).executeTakeFirst()
    if (known) {
      findings.push({
        kind: 'inserted',
        seq: known.seq + 1,
        message: `events after ${known.seq} were appended without going through lianxin (the chain head still ends at ${known.seq})`,
      })
    } else {
      findings.push({
        kind: 'removed',
        seq: last.seq + 1,
        message: `the log ends at event ${last.seq}, but the chain head records event ${head.seq}: events at the end were removed`,
      })
    }
  }

  findings.sort((a, b) => a.seq - b.seq)
  return { ok: findings.length === 0, events: count, head: last, first: findings[0], findings }
}

async function classifyBrokenLink(session: Session, seq: number, prevHash: string, prevSeq: number): Promise<TamperFinding> {
  const linked =
    prevHash === GENESIS_HASH
      ? { seq: 0 }
      : await session.db.selectFrom('events').select('seq').where('hash', '=', prevHash).executeTakeFirst()
  if (!linked) {
    return {
      kind: 'removed',
      seq,
      message: `the event before ${seq} is missing: ${seq} links to a hash that is nowhere in the log (after event ${prevSeq})`,
    }
  }
  if (linked.seq < prevSeq) {
    const from = linked.seq + 1
    return {
      kind: 'inserted',
      seq: from,
      message:
        from === prevSeq
          ? `event ${prevSeq} was inserted: event ${seq} links straight to event ${linked.seq}`
          : `events ${from}–${prevSeq} were inserted: event ${seq} links straight to event ${linked.seq}`,
    }
  }
  return {
    kind: 'reordered',
    seq,
    message: `event ${seq} links to event ${linked.seq}, which comes after it: events were reordered`,
  }
}
