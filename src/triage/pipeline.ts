import type { LianxinConfig } from '../config/schema.js'
import { appendEvent } from '../store/events.js'
import { listPosts, markTriaged, type Post } from '../store/posts.js'
import type { Session } from '../store/session.js'
import type { Store } from '../store/store.js'
import { openTicket, ticketForPost } from '../store/tickets.js'
import { basicTriage } from './basic.js'

export interface TriageRunSummary {
  triaged: number
  ticketsOpened: number
  attached: number
}

/**
 * Triages every post whose current version was not triaged yet, records the result as a
 * `post.triaged` event, and opens a ticket for a post that has none. Idempotent: each step has
 * an idempotency key, and each post is handled in one transaction.
 */
export async function triagePending(store: Store, config: LianxinConfig, onProgress?: (done: number, total: number) => void): Promise<TriageRunSummary> {
  const pending = await listPosts(store, { untriaged: true })
  const summary: TriageRunSummary = { triaged: 0, ticketsOpened: 0, attached: 0 }
  for (const post of pending) {
    await store.transaction(async (db) => {
      const tx: Session = { db, now: store.now }
      const outcome = await triageOne(tx, config, post)
      summary.triaged++
      if (outcome === 'opened') summary.ticketsOpened++
      else summary.attached++
    })
    onProgress?.(summary.triaged, pending.length)
  }
  return summary
}

async function triageOne(tx: Session, config: LianxinConfig, post: Post): Promise<'opened' | 'attached'> {
  const result = basicTriage(config, `${post.title}\n${post.body}`)
  await appendEvent(tx, {
    stream: `post:${post.id}`,
    type: 'post.triaged',
    actor: 'system:triage',
    key: `post.triaged:${post.id}:v${post.version}`,
    payload: { postId: post.id, version: post.version, model: 'basic-keywords', ...result },
  })
  await markTriaged(tx, post.id, post.version)
  if ((await ticketForPost(tx, post.id)) !== undefined) return 'attached'
  await openTicket(tx, {
    title: post.title,
    postIds: [post.id],
    actor: 'system:triage',
    topic: result.topic,
    urgency: result.urgency,
    zoneId: result.zoneId,
    lead: result.lead,
    assist: result.assist,
    reasons: result.reasons,
    key: `ticket.opened:post:${post.id}`,
  })
  return 'opened'
}
