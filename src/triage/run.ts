import { defaultTicketPolicy } from '../config/sections/operations.js'
import { appendEvent } from '../store/events.js'
import { listPosts, markTriaged, type Post } from '../store/posts.js'
import type { Session } from '../store/session.js'
import type { Store } from '../store/store.js'
import { linkPost, ticketForPost } from '../store/tickets.js'
import { openCase } from '../tickets/service.js'
import { contentWords, postText, sameComplaint } from './dedup/index.js'
import { triage, type TriageEngine, type TriageResult, type UrgencyHistory } from './engine.js'

/** Finds earlier near-duplicates of a post version and remembers its fingerprint. */
export interface DuplicateMatcher {
  match(session: Session, post: { id: number; version: number; title: string; body: string; at: Date }): Promise<Array<{ postId: number; distance: number }>>
}

export type TriageOutcome = 'opened' | 'attached' | 'duplicate' | 'watched'

export interface TriagedPost {
  postId: number
  version: number
  outcome: TriageOutcome
  ticketId: number | null
  duplicateOf: number | null
  result: TriageResult
}

export interface TriageRunSummary {
  triaged: number
  ticketsOpened: number
  /** Revised posts whose case already existed. */
  attached: number
  /** New posts linked to the case of an earlier near-duplicate. */
  duplicates: number
  /** Posts that open no ticket (news and notice sources; self-media posts that are no appeal): triaged, watched. */
  watched: number
  posts: TriagedPost[]
}

export interface TriageRunOptions {
  onProgress?: (done: number, total: number) => void
  /** Posts handled per transaction. @default 100 */
  batchSize?: number
}

/**
 * Triages every post whose current version has not been triaged: the result is stored
 * (triage_results and a `post.triaged` event), the post is matched against earlier
 * near-duplicates, and then either linked to the existing case (a revision, or the same
 * complaint from another source), given a new ticket routed by "10+N", or — for news and
 * notice sources — only watched. Idempotent: every write has a key, and a crash mid-way leaves
 * the remaining posts untriaged for the next run.
 */
export async function triagePending(store: Store, engine: TriageEngine, matcher: DuplicateMatcher, options: TriageRunOptions = {}): Promise<TriageRunSummary> {
  const pending = await listPosts(store, { untriaged: true })
  const sources = new Map(engine.config.sources.map((s) => [s.id, s]))
  const summary: TriageRunSummary = { triaged: 0, ticketsOpened: 0, attached: 0, duplicates: 0, watched: 0, posts: [] }
  const size = options.batchSize ?? 100
  for (let i = 0; i < pending.length; i += size) {
    const batch = pending.slice(i, i + size)
    await store.transaction(async (db) => {
      const tx: Session = { db, now: store.now }
      for (const post of batch) {
        const source = sources.get(post.sourceId)
        const policy = source?.tickets ?? (source ? defaultTicketPolicy(source.kind) : true)
        const done = await triageOne(tx, engine, matcher, post, policy)
        summary.posts.push(done)
        summary.triaged++
        if (done.outcome === 'opened') summary.ticketsOpened++
        else if (done.outcome === 'attached') summary.attached++
        else if (done.outcome === 'duplicate') summary.duplicates++
        else summary.watched++
      }
    })
    options.onProgress?.(summary.triaged, pending.length)
  }
  return summary
}

async function triageOne(tx: Session, engine: TriageEngine, matcher: DuplicateMatcher, post: Post, policy: boolean | 'appeals'): Promise<TriagedPost> {
  const now = tx.now()
  const place = engine.gazetteer.locate(post.title, post.body)
  const history = await historyOf(tx, post, now, place.community)
  const result = triage(engine, { title: post.title, body: post.body, history, place }, now)
  const at = new Date(post.publishedAt ?? post.firstSeenAt)
  const near = (await matcher.match(tx, { id: post.id, version: post.version, title: post.title, body: post.body, at })).filter((d) => d.postId !== post.id)
  // Content words only when there is something to compare; this post's places are triage's.
  const words = (title: string, body: string, places = engine.gazetteer.locate(title, body).matches) => contentWords(engine.tokenizer, postText(title, body), places.map((m) => m.text))
  const { kept: duplicates, dropped } =
    near.length === 0 ? { kept: near, dropped: [] } : sameComplaint(near, words(post.title, post.body, result.place.matches), await wordsOf(tx, near.map((d) => d.postId), words))
  await tx.db
    .insertInto('triage_results')
    .values({
      post_id: post.id,
      version: post.version,
      at: now.toISOString(),
      model: result.model,
      topic: result.topic.label,
      topic_score: result.topic.score,
      urgency: result.urgency.level,
      urgency_score: result.urgency.score,
      zone_id: result.place.zoneId,
      community: result.place.community,
      lead: result.routing.lead.id,
      detail: JSON.stringify({ ...result, duplicates, ...(dropped.length > 0 ? { notDuplicates: dropped } : {}) }),
    })
    .onConflict((oc) => oc.columns(['post_id', 'version']).doNothing())
    .execute()
  await appendEvent(tx, {
    stream: `post:${post.id}`,
    type: 'post.triaged',
    actor: 'system:triage',
    key: `post.triaged:${post.id}:v${post.version}`,
    payload: {
      postId: post.id,
      version: post.version,
      model: result.model,
      topic: result.topic.label,
      topicScore: result.topic.score,
      urgency: result.urgency.level,
      cues: result.urgency.cues.map((c) => c.cue),
      appeal: result.appeal.appeal,
      appealScore: result.appeal.score,
      zoneId: result.place.zoneId,
      community: result.place.community,
      lead: result.routing.lead.id,
      assist: result.routing.assist.map((a) => a.id),
      duplicates,
    },
  })
  await markTriaged(tx, post.id, post.version)
  const base = { postId: post.id, version: post.version, result }

  const existing = await ticketForPost(tx, post.id)
  if (existing !== undefined) return { ...base, outcome: 'attached', ticketId: existing, duplicateOf: null }
  for (const dup of duplicates) {
    const ticketId = await ticketForPost(tx, dup.postId)
    if (ticketId === undefined) continue
    await linkPost(tx, ticketId, post.id, `near-duplicate of post ${dup.postId} (SimHash distance ${dup.distance})`, 'system:triage')
    return { ...base, outcome: 'duplicate', ticketId, duplicateOf: dup.postId }
  }
  const opensTicket = policy === true || (policy === 'appeals' && (result.appeal.appeal || result.urgency.level === '特急'))
  if (!opensTicket) return { ...base, outcome: 'watched', ticketId: null, duplicateOf: duplicates[0]?.postId ?? null }
  const { ticket } = await openCase(tx, {
    title: post.title,
    postIds: [post.id],
    actor: 'system:triage',
    topic: result.topic.label,
    urgency: result.urgency.level,
    zoneId: result.place.zoneId,
    lead: result.routing.lead.id,
    assist: result.routing.assist.map((a) => a.id),
    reasons: [...result.routing.reasons, ...result.place.reasons],
    key: `ticket.opened:post:${post.id}`,
  })
  return { ...base, outcome: 'opened', ticketId: ticket.id, duplicateOf: null }
}

const DAY = 24 * 3600_000

/** The content words of each post's current text. */
async function wordsOf(tx: Session, postIds: readonly number[], words: (title: string, body: string) => Set<string>): Promise<Map<number, Set<string>>> {
  if (postIds.length === 0) return new Map()
  const rows = await tx.db.selectFrom('posts').select(['id', 'title', 'body']).where('id', 'in', [...postIds]).execute()
  return new Map(rows.map((row) => [row.id, words(row.title, row.body)]))
}

/**
 * Earlier posts by the same author (30 days; not for masked names such as 张***, which many
 * people share) and about the same community (7 days).
 */
async function historyOf(tx: Session, post: Post, now: Date, community: string | null): Promise<UrgencyHistory> {
  const history: UrgencyHistory = {}
  if (community) {
    const row = await tx.db
      .selectFrom('triage_results')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('community', '=', community)
      .where('post_id', '!=', post.id)
      .where('at', '>=', new Date(now.getTime() - 7 * DAY).toISOString())
      .executeTakeFirst()
    history.samePlace = Number(row?.n ?? 0)
  }
  if (post.author && !post.author.includes('*')) {
    const row = await tx.db
      .selectFrom('posts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source_id', '=', post.sourceId)
      .where('author', '=', post.author)
      .where('id', '!=', post.id)
      .where('first_seen_at', '>=', new Date(now.getTime() - 30 * DAY).toISOString())
      .executeTakeFirst()
    history.sameAuthor = Number(row?.n ?? 0)
  }
  return history
}
