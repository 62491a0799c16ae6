import { sha256Hex } from '../audit/canonical.js'
import { appendEvent } from './events.js'
import { inTransaction, type Session } from './session.js'

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

/** Stores a new version of a ticket's reply draft (event `reply.drafted`); earlier versions stay. */
export async function addReplyDraft(session: Session, ticketId: number, author: string, text: string): Promise<ReplyDraft> {
  return inTransaction(session, async (tx) => {
    const last = await tx.db
      .selectFrom('replies')
      .select((eb) => eb.fn.max<number | null>('version').as('v'))
      .where('ticket_id', '=', ticketId)
      .executeTakeFirst()
    const version = (last?.v ?? 0) + 1
    const draft: ReplyDraft = { ticketId, version, author, text, textSha256: sha256Hex(text), createdAt: tx.now().toISOString() }
    await tx.db
      .insertInto('replies')
      .values({ ticket_id: ticketId, version, author, text, text_sha256: draft.textSha256, created_at: draft.createdAt })
      .execute()
    await appendEvent(tx, {
      stream: `ticket:${ticketId}`,
      type: 'reply.drafted',
      actor: author,
      payload: { ticketId, version, textSha256: draft.textSha256, text },
    })
    return draft
  })
}

export async function replyDrafts(session: Session, ticketId: number): Promise<ReplyDraft[]> {
  const rows = await session.db.selectFrom('replies').selectAll().where('ticket_id', '=', ticketId).orderBy('version').execute()
  return rows.map((r) => ({ ticketId: r.ticket_id, version: r.version, author: r.author, text: r.text, textSha256: r.text_sha256, createdAt: r.created_at }))
}

/** Records a sign-off decision on an exact reply version (event `reply.approved` / `reply.rejected`). */
export async function recordDecision(session: Session, decision: Omit<Decision, 'id' | 'at'>): Promise<Decision> {
  return inTransaction(session, async (tx) => {
    const at = tx.now().toISOString()
    const inserted = await tx.db
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
    await appendEvent(tx, {
      stream: `ticket:${decision.ticketId}`,
      type: decision.decision === 'approve' ? 'reply.approved' : 'reply.rejected',
      actor: decision.approver,
      payload: { ...decision, approvalId: inserted.id },
    })
    return { ...decision, id: inserted.id, at }
  })
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
