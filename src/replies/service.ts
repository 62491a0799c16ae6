/**
 * Replies from draft to sign-off: drafting a version, submitting it, what an approver is shown,
 * and approving (with an Ed25519 signature over the exact text) or rejecting it. Every step goes
 * through the ticket workflow ({@link act}); publishing is in ./publish.ts.
 */
import type { KeyObject } from 'node:crypto'
import { RefusedError, UsageError } from '../errors.js'
import { requireActor, rosterFromLog } from '../people/roster.js'
import { getPost, type Post } from '../store/posts.js'
import { addReplyDraft, recordDecision, replyDraft, type ReplyDraft } from '../store/replies.js'
import type { Session } from '../store/session.js'
import { ticketPosts } from '../store/tickets.js'
import { approvalMessage, signApproval, textSha256, verifyApproval } from '../signing/sign.js'
import { act, loadCase, type ActResult, type CaseContext } from '../tickets/service.js'
import type { SigningRole, TicketState } from '../tickets/workflow/index.js'
import { checkReply, type Finding } from './check.js'
import { publishAttempts } from './attempts.js'

/** The longest reply accepted, in characters (a board reply is a few hundred). */
export const MAX_REPLY_LENGTH = 20_000

/** Options of {@link draftReply}. */
export interface DraftInput {
  readonly ticketId: number
  readonly author: string
  readonly text: string
  /** Also submit it for signature (refused, with the draft kept, when sub-tasks are open). */
  readonly submit?: boolean
}

/** A stored draft, and whether it went for signature. */
export interface DraftResult {
  readonly draft: ReplyDraft
  readonly state: TicketState
  readonly submitted: boolean
  /** Why it was not submitted, when `submit` was asked. */
  readonly notSubmitted?: string
  readonly findings: readonly Finding[]
}

/**
 * Saves a new version of a ticket's reply. Any earlier version's signatures no longer count.
 *
 * @throws UsageError for an empty or oversized text; RefusedError when the workflow refuses.
 */
export async function draftReply(session: Session, ctx: CaseContext, input: DraftInput): Promise<DraftResult> {
  if (input.text.trim() === '') throw new UsageError('the reply text is empty', { suggestions: ['Give the text with --text or --file.'] })
  if (input.text.length > MAX_REPLY_LENGTH) throw new UsageError(`the reply is ${input.text.length} characters; at most ${MAX_REPLY_LENGTH} are accepted`)
  await requireActor(session, input.author, ['staff', 'handler', 'bureau-head'], 'draft replies')
  const hash = textSha256(input.text)
  await refuseWhilePublishing(session, input.ticketId)
  let draft: ReplyDraft | undefined
  const drafted = await act(
    session,
    input.ticketId,
    (state) => ({ type: 'reply-drafted', actor: input.author, payload: { version: state.lastVersion + 1, textSha256: hash } }),
    ctx,
    {
      extra: { text: input.text },
      also: async (tx, state) => {
        draft = await addReplyDraft(tx, { ticketId: input.ticketId, version: state.lastVersion, author: input.author, text: input.text, textSha256: hash })
      },
    },
  )
  const stored = draft as ReplyDraft
  const findings = await findingsFor(session, input.ticketId, input.text)
  if (!input.submit) return { draft: stored, state: drafted.state, submitted: false, findings }
  try {
    const sent = await act(session, input.ticketId, { type: 'submitted', actor: input.author, payload: { version: stored.version } }, ctx)
    return { draft: stored, state: sent.state, submitted: true, findings }
  } catch (err) {
    if (!(err instanceof RefusedError)) throw err
    return { draft: stored, state: drafted.state, submitted: false, notSubmitted: err.message, findings }
  }
}

/**
 * A publication that was started but not recorded (the sender crashed, or the channel failed
 * after sending) must be finished before the text can change: the citizen may already have it.
 */
async function refuseWhilePublishing(session: Session, ticketId: number): Promise<void> {
  const { state, events } = await loadCase(session, ticketId)
  if (state.status !== 'approved' || !state.draft) return
  const version = state.draft.version
  const open = publishAttempts(events, version).find((a) => a.refused === undefined)
  if (!open) return
  const channel = open.channel
  throw new RefusedError(
    `version ${version} of ticket #${ticketId} was sent to ${channel} on ${open.startedAt} and may already be in the citizen's hands, but its publication was never recorded; finish it before drafting a new version`,
    { code: 'PUBLISH_PENDING', suggestions: [`lianxin replies publish ${ticketId} --channel ${channel}`] },
  )
}

/** Submits the current draft for the bureau head's signature. */
export async function submitReply(session: Session, ctx: CaseContext, ticketId: number, actor: string): Promise<ActResult> {
  await requireActor(session, actor, ['staff', 'handler', 'bureau-head'], 'submit replies')
  const { state } = await loadCase(session, ticketId)
  return act(session, ticketId, { type: 'submitted', actor, payload: state.draft ? { version: state.draft.version } : {} }, ctx)
}

/** Everything an approver sees before signing. */
export interface ApprovalBrief {
  readonly ticketId: number
  readonly state: TicketState
  /** The signature this person would give now, if any. */
  readonly role: SigningRole | null
  readonly draft: ReplyDraft | null
  readonly posts: readonly Post[]
  /** Routing as triage proposed it, with its reasons. */
  readonly routing: { readonly lead: string | null; readonly assist: readonly string[]; readonly reasons: readonly string[] }
  /** Earlier versions and every decision, oldest first. */
  readonly history: ReadonlyArray<{ readonly at: string; readonly actor: string; readonly what: string }>
  readonly findings: readonly Finding[]
}

/** The signature the current state waits for. */
export function awaitedRole(state: TicketState): SigningRole | null {
  if (state.status === 'awaiting-bureau-head') return 'bureau-head'
  if (state.status === 'awaiting-leader') return 'supervising-leader'
  return null
}

/** What `replies approve` shows before signing: the citizen's posts, the routing, the draft, its history and the reply check. */
export async function approvalBrief(session: Session, ticketId: number): Promise<ApprovalBrief> {
  const { state, events, summary } = await loadCase(session, ticketId)
  const draft = state.draft ? ((await replyDraft(session, ticketId, state.draft.version)) ?? null) : null
  const posts = (await Promise.all((await ticketPosts(session, ticketId)).map((link) => getPost(session, link.postId)))).filter((p): p is Post => p !== undefined)
  const opened = events.find((e) => e.type === 'ticket.opened')?.payload as { reasons?: string[] } | undefined
  const history = events
    .filter((e) => ['ticket.reply-drafted', 'ticket.submitted', 'ticket.approved', 'ticket.rejected', 'ticket.published', 'ticket.reopened'].includes(e.type))
    .map((e) => ({ at: e.at, actor: e.actor, what: describe(e.type, e.payload as Record<string, unknown>) }))
  const findings = draft ? checkReply({ post: firstPost(posts, summary.title), reply: draft.text }).findings : []
  return {
    ticketId,
    state,
    role: awaitedRole(state),
    draft,
    posts,
    routing: { lead: summary.lead, assist: summary.assist, reasons: opened?.reasons ?? [] },
    history,
    findings,
  }
}

function describe(type: string, p: Record<string, unknown>): string {
  const v = `version ${String(p.version)}`
  switch (type) {
    case 'ticket.reply-drafted':
      return `drafted ${v}`
    case 'ticket.submitted':
      return `submitted ${v} for signature`
    case 'ticket.approved':
      return `signed ${v} as ${String(p.role)}`
    case 'ticket.rejected':
      return `rejected ${v} as ${String(p.role)}: ${String(p.reason)}`
    case 'ticket.published':
      return `published ${v} via ${String(p.channel)}${p.url ? ` at ${String(p.url)}` : ''}`
    default:
      return `reopened: ${String(p.reason)}`
  }
}

function firstPost(posts: readonly Post[], title: string): { title: string; body: string } {
  const post = posts[0]
  return post ? { title: post.title, body: post.body } : { title, body: '' }
}

async function findingsFor(session: Session, ticketId: number, text: string): Promise<Finding[]> {
  const links = await ticketPosts(session, ticketId)
  const post = links[0] ? await getPost(session, links[0].postId) : undefined
  return checkReply({ post: post ? { title: post.title, body: post.body } : { title: '', body: '' }, reply: text }).findings
}

/** An approval as the approver gives it. */
export interface ApproveInput {
  readonly ticketId: number
  readonly approver: string
  /** The version and hash the approver was shown: refused if the draft changed since. */
  readonly version: number
  readonly textSha256: string
  /** The approver's private key (from `loadPrivateKey`) and its fingerprint. */
  readonly privateKey: KeyObject
  readonly fingerprint: string
}

/**
 * Signs the current draft as the bureau head or the supervising leader, whichever it waits for.
 * The signature is checked against the approver's registered, unrevoked key before it is stored.
 *
 * @throws RefusedError when the draft changed since it was shown, the key is not registered to
 *   the approver, or the workflow refuses (wrong order, own draft, not in the approval list…).
 */
export async function approveReply(session: Session, ctx: CaseContext, input: ApproveInput): Promise<ActResult> {
  await requireActor(session, input.approver, ['bureau-head', 'supervising-leader'], 'sign replies')
  const { state } = await loadCase(session, input.ticketId)
  const role = awaitedRole(state)
  const draft = state.draft
  if (!role || !draft) throw new RefusedError(`ticket #${input.ticketId} is ${state.status}; there is no reply waiting for a signature`, { code: 'wrong-state' })
  if (draft.version !== input.version || draft.textSha256 !== input.textSha256) {
    throw new RefusedError(`the reply changed since it was shown (now version ${draft.version}); review it again before signing`, { code: 'stale-version' })
  }
  const text = await replyDraft(session, input.ticketId, draft.version)
  if (!text || textSha256(text.text) !== draft.textSha256) {
    throw new RefusedError(`the stored text of version ${draft.version} does not match its recorded hash; run "lianxin audit verify"`, { code: 'hash-mismatch' })
  }
  const roster = await rosterFromLog(session)
  const key = roster.keys.find((k) => k.fingerprint === input.fingerprint)
  if (!key || key.person !== input.approver || key.revokedAt !== null) {
    const short = `${input.approver}'s key ${input.fingerprint.slice(0, 16)}…`
    if (!key) {
      throw new RefusedError(`${short} is not registered; an admin must register the public key first`, {
        code: 'KEY_NOT_REGISTERED',
        suggestions: [`lianxin keys register ${input.approver} --file ${input.approver}.pub --as <admin>`],
      })
    }
    if (key.person !== input.approver) throw new RefusedError(`${short} is registered to ${key.person}, not to ${input.approver}`, { code: 'KEY_NOT_YOURS' })
    throw new RefusedError(`${short} was revoked on ${key.revokedAt ?? '?'}; create a new key ("lianxin keys init --user ${input.approver} --force") and have an admin register it`, {
      code: 'KEY_REVOKED',
    })
  }
  const message = approvalMessage({ ticketId: input.ticketId, version: draft.version, text: text.text })
  const signature = signApproval(input.privateKey, message)
  if (!verifyApproval(key.publicKey, message, signature)) {
    throw new RefusedError(`the private key in use does not match ${input.approver}'s registered key ${key.fingerprint.slice(0, 16)}…`, { code: 'KEY_MISMATCH' })
  }
  return act(
    session,
    input.ticketId,
    { type: 'approved', actor: input.approver, payload: { role, version: draft.version, textSha256: draft.textSha256, approver: input.approver } },
    ctx,
    {
      extra: { keyFingerprint: key.fingerprint, signature },
      guard: (now) => {
        if (now.draft?.version !== draft.version || awaitedRole(now) !== role) throw new RefusedError('the reply changed while signing; review it again', { code: 'stale-version' })
      },
      also: async (tx) => {
        await recordDecision(tx, {
          ticketId: input.ticketId,
          replyVersion: draft.version,
          textSha256: draft.textSha256,
          approver: input.approver,
          role,
          decision: 'approve',
          reason: null,
          keyFingerprint: key.fingerprint,
          signature,
        })
      },
    },
  )
}

/** Rejects the draft waiting for this person's signature; the reason goes to the author. */
export async function rejectReply(session: Session, ctx: CaseContext, input: { ticketId: number; approver: string; reason: string }): Promise<ActResult> {
  await requireActor(session, input.approver, ['bureau-head', 'supervising-leader'], 'reject replies')
  const { state } = await loadCase(session, input.ticketId)
  const role = awaitedRole(state)
  const draft = state.draft
  if (!role || !draft) throw new RefusedError(`ticket #${input.ticketId} is ${state.status}; there is no reply waiting for a decision`, { code: 'wrong-state' })
  return act(session, input.ticketId, { type: 'rejected', actor: input.approver, payload: { role, version: draft.version, reason: input.reason } }, ctx, {
    also: async (tx) => {
      await recordDecision(tx, {
        ticketId: input.ticketId,
        replyVersion: draft.version,
        textSha256: draft.textSha256,
        approver: input.approver,
        role,
        decision: 'reject',
        reason: input.reason,
        keyFingerprint: null,
        signature: null,
      })
    },
  })
}
