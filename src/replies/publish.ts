/**
 * Publishing a signed reply, exactly once, and only with both signatures over its exact text.
 *
 * Right before anything is sent, {@link verifyForPublish} rebuilds the sign-off from the
 * hash-chained log alone (the ticket's events, the people and keys an admin registered) and
 * checks every signature cryptographically; rows written straight into `approvals`,
 * `person_keys` or `replies` count for nothing. Sending is bracketed by two events: a
 * `reply.publish-started` intent before, the workflow's `published` after. A run that crashed in
 * between asks the channel whether the reply already arrived (`find`) before sending again, and
 * webhook receivers dedupe on the idempotency key, so a crash never sends twice.
 */
import { verifyStream } from '../audit/stream.js'
import { boardStars, type Grades } from '../crawl/adapters/liuyan/parse.js'
import { NotFoundError, RefusedError, UsageError, type LianxinError } from '../errors.js'
import { requireActor, rosterFromLog } from '../people/roster.js'
import { appendEvent, type StoredEvent } from '../store/events.js'
import { getPost, listPosts, postVersions, type Post } from '../store/posts.js'
import { replyDraft, type Decision } from '../store/replies.js'
import type { Session } from '../store/session.js'
import { getSource } from '../store/sources.js'
import { listTickets, ticketPosts } from '../store/tickets.js'
import { NOT_SENT_CODES, type PublishChannel, type PublishItem, type PublishReceipt } from '../publish/types.js'
import { intentKey, nextAttempt, publishAttempts } from './attempts.js'
import { textSha256 } from '../signing/sign.js'
import { verifyReplySignatures, type CountedSignature } from '../signing/verify-chain.js'
import { act, loadCase, stateOf, type CaseContext } from '../tickets/service.js'
import { skipLeaderApplies, type TicketState } from '../tickets/workflow/index.js'

/** A reply that passed every check and may be sent now. */
export interface VerifiedReply {
  readonly state: TicketState
  readonly version: number
  readonly text: string
  readonly textSha256: string
  readonly author: string
  readonly signers: readonly CountedSignature[]
  /** The ticket's events the checks were made on. */
  readonly events: readonly StoredEvent[]
}

/**
 * Everything that must hold for a reply to go out, checked from the log.
 *
 * @throws RefusedError (`NOT_APPROVED`, `LOG_TAMPERED`, `SIGNATURES_INVALID`) naming every reason.
 */
export async function verifyForPublish(session: Session, ctx: CaseContext, ticketId: number): Promise<VerifiedReply> {
  const { state, events } = await loadCase(session, ticketId)
  const draft = state.draft
  const done = state.publications.find((p) => p.round === state.round)
  if ((state.status === 'published' || state.status === 'closed') && done) {
    throw new RefusedError(`ticket #${ticketId} was already published (version ${done.version} via ${done.channel} on ${done.at}); there is nothing to publish`, { code: 'ALREADY_PUBLISHED' })
  }
  if (state.status !== 'approved' || !draft) {
    throw new RefusedError(`ticket #${ticketId} is ${state.status}; only a reply signed by the bureau head and then the supervising leader (state approved) can be published`, {
      code: 'NOT_APPROVED',
    })
  }
  const tampered = await verifyStream(session, `ticket:${ticketId}`)
  if (tampered.length > 0) {
    throw new RefusedError(`ticket #${ticketId}'s record was altered, so nothing is published: ${tampered.join('; ')}`, {
      code: 'LOG_TAMPERED',
      suggestions: ['Run "lianxin audit verify" and report it.'],
    })
  }
  const draftedEvent = events.find((e) => e.type === 'ticket.reply-drafted' && (e.payload as { version?: unknown }).version === draft.version)
  const text = (draftedEvent?.payload as { text?: unknown } | undefined)?.text
  const row = await replyDraft(session, ticketId, draft.version)
  if (typeof text !== 'string' || textSha256(text) !== draft.textSha256 || row?.text !== text) {
    throw new RefusedError(`the text of version ${draft.version} of ticket #${ticketId} does not match what was drafted and signed; nothing is published`, { code: 'LOG_TAMPERED' })
  }
  const decisions: Decision[] = events
    .filter((e) => e.type === 'ticket.approved' || e.type === 'ticket.rejected')
    .map((e) => {
      const p = e.payload as Record<string, unknown>
      return {
        id: e.seq,
        ticketId,
        replyVersion: Number(p.version),
        textSha256: typeof p.textSha256 === 'string' ? p.textSha256 : '',
        approver: e.type === 'ticket.approved' ? String(p.approver) : e.actor,
        role: String(p.role),
        decision: e.type === 'ticket.approved' ? 'approve' : 'reject',
        reason: typeof p.reason === 'string' ? p.reason : null,
        keyFingerprint: typeof p.keyFingerprint === 'string' ? p.keyFingerprint : null,
        signature: typeof p.signature === 'string' ? p.signature : null,
        at: e.at,
      }
    })
  const recordedSkip = state.decisions.some((d) => d.version === draft.version && d.role === 'bureau-head' && d.skipLeader === true)
  const { approval } = ctx.policy
  const roster = await rosterFromLog(session)
  const result = verifyReplySignatures({
    ticketId,
    version: draft.version,
    text,
    author: draft.author,
    decisions,
    keys: roster.keys,
    people: roster.people,
    policy: {
      ...(approval.bureauHeads.length > 0 ? { bureauHeads: approval.bureauHeads } : {}),
      ...(approval.supervisingLeaders.length > 0 ? { supervisingLeaders: approval.supervisingLeaders } : {}),
      skipLeader: recordedSkip && skipLeaderApplies(ctx.policy, state),
    },
  })
  if (!result.ok) {
    throw new RefusedError(`ticket #${ticketId} is not published: ${result.reasons.join('; ')}`, { code: 'SIGNATURES_INVALID', details: { reasons: result.reasons } })
  }
  return { state, version: draft.version, text, textSha256: draft.textSha256, author: draft.author, signers: result.signers, events }
}

/** What {@link publishReply} did. */
export interface PublishOutcome {
  readonly ticketId: number
  readonly version: number
  readonly channel: string
  readonly receipt: PublishReceipt
  /** `published`: the ticket is published; `exported`: staff post it, then confirm-published. */
  readonly outcome: 'published' | 'exported'
  /** True when an earlier, interrupted run had already delivered it. */
  readonly resumed: boolean
  readonly state: TicketState
}

/** Roles that may publish (and the daemon, as `system:daemon`). */
const PUBLISHERS = ['staff', 'bureau-head', 'admin'] as const

/**
 * Verifies and sends an approved reply through one channel, exactly once.
 *
 * @throws RefusedError when the signatures do not hold (nothing is sent), SourceError and
 *   others from the channel (nothing is recorded as published; running again is safe).
 */
export async function publishReply(session: Session, ctx: CaseContext, input: { ticketId: number; actor: string; channel: PublishChannel }): Promise<PublishOutcome> {
  if (!input.actor.startsWith('system:')) await requireActor(session, input.actor, PUBLISHERS, 'publish replies')
  const verified = await verifyForPublish(session, ctx, input.ticketId)
  const item = await publishItem(session, input.ticketId, verified)
  const { channel } = input
  const attempt = nextAttempt(publishAttempts(verified.events, verified.version), channel.id)
  const started = await appendEvent(session, {
    stream: `ticket:${input.ticketId}`,
    type: 'reply.publish-started',
    actor: input.actor,
    key: intentKey(input.ticketId, verified.version, channel.id, attempt),
    payload: { ticketId: input.ticketId, version: verified.version, textSha256: verified.textSha256, channel: channel.id, kind: channel.kind, attempt },
  })
  let receipt: PublishReceipt
  let earlier: PublishReceipt | undefined
  try {
    earlier = started.created ? undefined : await channel.find(item)
    receipt = earlier ?? (await channel.send(item))
  } catch (err) {
    // Nothing was delivered: settle the attempt, so the reply can be corrected or sent again.
    if (nothingSent(err)) {
      await appendEvent(session, {
        stream: `ticket:${input.ticketId}`,
        type: 'reply.publish-refused',
        actor: input.actor,
        key: `reply.publish-refused:${input.ticketId}:v${verified.version}:${channel.id}:a${attempt}`,
        payload: { ticketId: input.ticketId, version: verified.version, channel: channel.id, attempt, code: err.code, reason: err.message },
      })
    }
    throw err
  }
  const resumed = earlier !== undefined || receipt.alreadyThere === true
  if (channel.kind === 'export') {
    await appendEvent(session, {
      stream: `ticket:${input.ticketId}`,
      type: 'reply.exported',
      actor: input.actor,
      key: `reply.exported:${input.ticketId}:v${verified.version}:${channel.id}`,
      payload: { ticketId: input.ticketId, version: verified.version, textSha256: verified.textSha256, channel: channel.id, files: receipt.files ?? [] },
    })
    return { ticketId: input.ticketId, version: verified.version, channel: channel.id, receipt, outcome: 'exported', resumed, state: verified.state }
  }
  const done = await act(
    session,
    input.ticketId,
    {
      type: 'published',
      actor: input.actor,
      payload: { channel: channel.id, version: verified.version, textSha256: verified.textSha256, ...(receipt.url !== undefined ? { url: receipt.url } : {}) },
    },
    ctx,
    { key: `ticket.published:${input.ticketId}:v${verified.version}`, extra: { kind: channel.kind, ...(receipt.remoteId !== undefined ? { remoteId: receipt.remoteId } : {}) } },
  )
  return { ticketId: input.ticketId, version: verified.version, channel: channel.id, receipt, outcome: 'published', resumed, state: done.state }
}

/** Whether a channel's error promises that nothing reached the board or the receiver ({@link NOT_SENT_CODES}). */
function nothingSent(err: unknown): err is LianxinError {
  return err instanceof UsageError || err instanceof NotFoundError || (err instanceof RefusedError && NOT_SENT_CODES.has(err.code))
}

/** The item a channel sends: the verified text, the signers and where the citizen posted. */
async function publishItem(session: Session, ticketId: number, verified: VerifiedReply): Promise<PublishItem> {
  const links = await ticketPosts(session, ticketId)
  const post = links[0] ? await getPost(session, links[0].postId) : undefined
  const source = post ? await getSource(session, post.sourceId) : undefined
  return {
    ticketId,
    version: verified.version,
    text: verified.text,
    textSha256: verified.textSha256,
    title: verified.state.title ?? post?.title ?? `ticket #${ticketId}`,
    ...(post && source
      ? { target: { sourceKind: source.kind, sourceId: source.id, itemId: post.externalId, ...(post.url !== null ? { url: post.url } : {}) } }
      : {}),
    signers: verified.signers.map((s) => ({ role: s.role, person: s.person, at: s.at })),
  }
}

/** Whitespace-insensitive form of a text: boards re-wrap and trim what they show. */
function squeeze(text: string): string {
  return text.replace(/\s+/gu, '')
}

/** What {@link confirmPublished} found. */
export interface ConfirmOutcome {
  readonly ticketId: number
  readonly version: number
  readonly url: string
  readonly post: Post
  /** `exact`, or `whitespace` when only spaces and line breaks differ. */
  readonly match: 'exact' | 'whitespace'
  readonly state: TicketState
}

/**
 * Records that staff posted the approved reply on the board, after checking that the reply the
 * crawler read back from the thread at `url` is the approved text.
 *
 * @throws RefusedError when the thread was not crawled, has no reply yet, or shows another text.
 */
export async function confirmPublished(session: Session, ctx: CaseContext, input: { ticketId: number; actor: string; url: string }): Promise<ConfirmOutcome> {
  await requireActor(session, input.actor, PUBLISHERS, 'confirm publications')
  const verified = await verifyForPublish(session, ctx, input.ticketId)
  const post = (await listPosts(session, { url: input.url }))[0]
  if (!post) {
    throw new RefusedError(`no crawled post has the address ${input.url}; crawl the board first so lianxin can read the reply back`, {
      code: 'NOT_CRAWLED',
      suggestions: ['lianxin crawl --source <the board source>', 'Check the address: it is the thread page, as "lianxin tickets show" lists it.'],
    })
  }
  const reply = (post.meta.reply as { content?: unknown } | null | undefined)?.content
  if (typeof reply !== 'string' || reply.trim() === '') {
    throw new RefusedError(`the thread at ${input.url} shows no official reply yet (crawled ${post.updatedAt}); crawl it again after posting`, { code: 'NOT_ON_BOARD' })
  }
  let match: ConfirmOutcome['match']
  if (reply === verified.text) match = 'exact'
  else if (squeeze(reply) === squeeze(verified.text)) match = 'whitespace'
  else {
    const a = squeeze(reply)
    const b = squeeze(verified.text)
    let i = 0
    while (i < a.length && a[i] === b[i]) i++
    throw new RefusedError(
      `the reply on the board is not the approved text of version ${verified.version}: they differ from character ${i + 1} ("…${a.slice(i, i + 20)}…" on the board, "…${b.slice(i, i + 20)}…" approved); correct it on the board, crawl again and confirm`,
      { code: 'TEXT_MISMATCH' },
    )
  }
  const done = await act(
    session,
    input.ticketId,
    { type: 'published', actor: input.actor, payload: { channel: 'board', version: verified.version, textSha256: verified.textSha256, url: input.url } },
    ctx,
    { key: `ticket.published:${input.ticketId}:v${verified.version}`, extra: { kind: 'export', match, postId: post.id } },
  )
  return { ticketId: input.ticketId, version: verified.version, url: input.url, post, match, state: done.state }
}

/** How long after a case closed a grade on its board thread is still taken in. */
const BOARD_GRADE_AFTER_CLOSE_MS = 30 * 24 * 3600_000

/**
 * Takes the citizens' grades from crawled board threads into their published tickets (`rated`
 * by `system:crawl`, once per round), for the cases published and those closed in the last 30
 * days. A grade counts only as the verdict on this round's reply: the version of the thread where
 * it appeared either shows that reply as the official one or was crawled after it was published
 * (a thread graded before, on an earlier answer, is not taken). The board's overall
 * grade, a mean of three, is recorded as the stars the board shows ({@link boardStars}), with
 * the three parts in the comment.
 *
 * @returns the tickets rated.
 */
export async function collectBoardRatings(session: Session, ctx: CaseContext): Promise<number[]> {
  const rated: number[] = []
  const closedFrom = new Date(session.now().getTime() - BOARD_GRADE_AFTER_CLOSE_MS).toISOString()
  const cases = [...(await listTickets(session, { status: ['published'] })), ...(await listTickets(session, { status: ['closed'], updatedFrom: closedFrom }))]
  for (const summary of cases) {
    const state = await stateOf(session, summary)
    const publication = state.publications.filter((p) => p.round === state.round).at(-1)
    if (publication === undefined || state.ratings.some((r) => r.round === state.round)) continue
    const text = (await replyDraft(session, state.id, publication.version))?.text
    for (const link of await ticketPosts(session, state.id)) {
      const graded = await boardGrade(session, link.postId, publication.at, text)
      if (!graded) continue
      const { grades, url } = graded
      const parts = [`解决程度 ${grades.gradeLevel ?? '-'}`, `办理态度 ${grades.gradeManner ?? '-'}`, `办理速度 ${grades.gradeSpeed ?? '-'}`].join('，')
      await act(session, state.id, { type: 'rated', actor: 'system:crawl', payload: { grade: boardStars(grades.grade), source: 'board', comment: `留言板评价 ${grades.grade}（${parts}）${url ? ` ${url}` : ''}` } }, ctx, {
        key: `ticket.rated:board:${state.id}:r${state.round}`,
      })
      rated.push(state.id)
      break
    }
  }
  return rated
}

/**
 * The grade on a crawled thread if it answers the reply published at `publishedAt` (text `text`):
 * the version of the thread where its latest grade appeared shows that reply, or was crawled after
 * it was published.
 */
async function boardGrade(session: Session, postId: number, publishedAt: string, text: string | undefined): Promise<{ grades: Grades & { grade: number }; url: string | null } | undefined> {
  const post = await getPost(session, postId)
  if (!post || !gradeOf(post.meta)) return undefined
  let graded: { meta: Record<string, unknown>; capturedAt: string; grades: Grades & { grade: number } } | undefined
  let previous: string | undefined
  for (const version of await postVersions(session, postId)) {
    const meta = JSON.parse(version.meta) as Record<string, unknown>
    const grades = gradeOf(meta)
    const key = grades ? JSON.stringify(grades) : undefined
    if (grades && key !== previous) graded = { meta, capturedAt: version.captured_at, grades }
    previous = key
  }
  if (!graded) return undefined
  const reply = (graded.meta.reply as { content?: unknown } | null | undefined)?.content
  const onThisReply = text !== undefined && typeof reply === 'string' && squeeze(reply) === squeeze(text)
  return onThisReply || graded.capturedAt >= publishedAt ? { grades: graded.grades, url: post.url } : undefined
}

/** A thread's grades when it has an overall grade (1–5). */
function gradeOf(meta: Record<string, unknown>): (Grades & { grade: number }) | undefined {
  const grades = meta.grades as Grades | null | undefined
  return grades && typeof grades.grade === 'number' && grades.grade >= 1 && grades.grade <= 5 ? (grades as Grades & { grade: number }) : undefined
}
