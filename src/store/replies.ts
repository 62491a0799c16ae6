import type { Session } from './session.js'

export interface ReplyDraft {
  ticketId: number
  version: number
  author: string
  text: string
  textSha256: string
  createdAt: string
}

export interface Decision {
  id: number
  ticketId: number
  replyVersion: number
  textSha256: string
  approver: string
  role: string
  decision: 'approve' | 'reject'
  reason: string | null
  keyFingerprint: string | null
  signature: string | null
  at: string
}

/**
 * Stores the text of one reply version (the `replies` table is append-only: versions are never
 * changed). The caller appends the `ticket.reply-drafted` event in the same transaction; the
 * event, which carries the text and its hash, is the record.
 */
export async function addReplyDraft(session: Session, draft: Omit<ReplyDraft, 'createdAt'>): Promise<ReplyDraft> {
  const row = { ...draft, createdAt: session.now().toISOString() }
  await session.db
    .insertInto('replies')
    .values({ ticket_id: row.ticketId, version: row.version, author: row.author, text: row.text, text_sha256: row.textSha256, created_at: row.createdAt })
    .execute()
  return row
}

/** One version of a ticket's reply. */
export async function replyDraft(session: Session, ticketId: number, version: number): Promise<ReplyDraft | undefined> {
  const r = await session.db.selectFrom('replies').selectAll().where('ticket_id', '=', ticketId).where('version', '=', version).executeTakeFirst()
  return r ? { ticketId: r.ticket_id, version: r.version, author: r.author, text: r.text, textSha256: r.text_sha256, createdAt: r.created_at } : undefined
}

export async function replyDrafts(session: Session, ticketId: number): Promise<ReplyDraft[]> {
  const rows = await session.db.selectFrom('replies').selectAll().where('ticket_id', '=', ticketId).orderBy('version').execute()
  return rows.map((r) => ({ ticketId: r.ticket_id, version: r.version, author: r.author, text: r.text, textSha256: r.text_sha256, createdAt: r.created_at }))
}

/**
 * Stores a sign-off decision on an exact reply version (append-only `approvals`). The caller
 * appends the `ticket.approved` / `ticket.rejected` event, which is the record, in the same
 * transaction; publishing checks the signatures carried by those events, not this table.
 */
export async function recordDecision(session: Session, decision: Omit<Decision, 'id' | 'at'>): Promise<Decision> {
  const at = session.now().toISOString()
  const inserted = await session.db
    .insertInto('approvals')
    .values({
      ticket_id: decision.ticketId,
      reply_version: decision.replyVersion,
      text_sha256: decision.textSha256,
      approver: decision.approver,
      role: decision.role,
      decision: decision.decision,
      reason: decision.reason,
      key_fingerprint: decision.keyFingerprint,
      signature: decision.signature,
      at,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { ...decision, id: inserted.id, at }
}

export async function listDecisions(session: Session, ticketId: number): Promise<Decision[]> {
  const rows = await session.db.selectFrom('approvals').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    ticketId: r.ticket_id,
    replyVersion: r.reply_version,
    textSha256: r.text_sha256,
    approver: r.approver,
    role: r.role,
    decision: r.decision as 'approve' | 'reject',
    reason: r.reason,
    keyFingerprint: r.key_fingerprint,
    signature: r.signature,
    at: r.at,
  }))
}
