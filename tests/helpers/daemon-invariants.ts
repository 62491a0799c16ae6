/**
 * What must hold of a store after daemons ran on it, however often they were killed: every post
 * once and triaged at its current version, once; one ticket per post; every clock alert that
 * fell due recorded once; every notification queued, sent and recorded once per channel; every
 * approved reply published once. Checked against the store, the capture servers and the reply
 * receiver, with vitest's `expect`.
 */
import { expect } from 'vitest'
import type { CaptureServers } from '../../fixtures/capture/index.js'
import type { LianxinConfig } from '../../src/config/index.js'
import { listEvents } from '../../src/store/events.js'
import type { Store } from '../../src/store/store.js'
import { dueEvents } from '../../src/tickets/clocks/index.js'
import { caseContext, loadCase } from '../../src/tickets/service.js'
import type { ReplyReceiver } from './reply-receiver.js'

/** What the checks counted (for the test's own assertions and its report). */
export interface Ledger {
  posts: number
  versions: number
  tickets: number
  alerts: number
  /** Outbox rows of requests to sign (not in `notifications`): whether a daemon saw a reply waiting is timing. */
  signRequests: string[]
  notifications: Record<string, number>
  /** Outbox rows claimed more than once (a daemon died holding them). */
  reclaimed: string[]
  /** Notification keys the webhook capture got more than once (each also in `reclaimed`). */
  webhookRepeats: string[]
  /** Messages WeCom showed beyond those recorded as sent. */
  wecomExtra: number
  published: Array<{ ticket: number; version: number }>
  replyRepeats: number
}

export interface LedgerOptions {
  readonly store: Store
  readonly config: LianxinConfig
  readonly capture: CaptureServers
  readonly replies: ReplyReceiver
  /** When the last complete cycle began: no clock alert due by then may be missing. */
  readonly clocksAt: Date
  /** Tickets whose reply was approved, to be published once each. */
  readonly approved: readonly number[]
  /** Whether a channel takes a notification (its `events` and `to`). @default every channel every one */
  readonly takes?: (channel: string, notification: string) => boolean
}

const countBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, number> => {
  const m = new Map<string, number>()
  for (const item of items) m.set(key(item), (m.get(key(item)) ?? 0) + 1)
  return m
}
const repeated = (m: Map<string, number>): string[] => [...m].filter(([, n]) => n > 1).map(([k]) => k)

/** The notification keys a captured webhook message carried (a digest carries several). */
export function webhookKeys(body: Record<string, unknown>): string[] {
  const items = body.items as Array<{ key: string }> | undefined
  return items && items.length > 0 ? items.map((i) => i.key) : [String(body.key)]
}

/** Checks every invariant (with `expect`) and returns what it counted. */
export async function checkLedger(options: LedgerOptions): Promise<Ledger> {
  const { store, config, capture, replies } = options
  const db = store.db

  // Posts: each (source, external id) once, versions 1..n without gaps.
  const posts = await db.selectFrom('posts').select(['id', 'source_id', 'external_id', 'version', 'triaged_version']).orderBy('id').execute()
  expect(repeated(countBy(posts, (p) => `${p.source_id} ${p.external_id}`)), 'a post stored twice').toEqual([])
  const versions = await db.selectFrom('post_versions').select(['post_id', 'version']).execute()
  const versionsOf = countBy(versions, (v) => String(v.post_id))
  expect(posts.filter((p) => versionsOf.get(String(p.id)) !== p.version).map((p) => p.id), 'posts whose versions have gaps or repeats').toEqual([])

  // Triage: every post at its current version, each (post, version) once, with one post.triaged event.
  expect(posts.filter((p) => p.triaged_version !== p.version).map((p) => `${p.id}: v${p.version} triaged v${p.triaged_version ?? '-'}`), 'posts not triaged at their current version').toEqual([])
  const results = await db.selectFrom('triage_results').select(['post_id', 'version', 'urgency']).execute()
  const resultKeys = results.map((r) => `post.triaged:${r.post_id}:v${r.version}`).sort()
  expect(repeated(countBy(resultKeys, (k) => k))).toEqual([])
  const triagedEvents = await listEvents(store, { types: ['post.triaged'] })
  expect(triagedEvents.map((e) => e.key).sort(), 'one post.triaged event per triage result').toEqual(resultKeys)
  const current = new Set(posts.map((p) => `post.triaged:${p.id}:v${p.version}`))
  expect([...current].filter((k) => !resultKeys.includes(k))).toEqual([])

  // Tickets: no post in two tickets; every post in one, except self-media posts that triage
  // watched (read as no appeal, not 特急); one opening each.
  const links = await db.selectFrom('ticket_posts').select(['ticket_id', 'post_id']).execute()
  const linked = countBy(links, (l) => String(l.post_id))
  expect(posts.filter((p) => (linked.get(String(p.id)) ?? 0) > 1).map((p) => `${p.id}×${linked.get(String(p.id))}`), 'posts in two tickets').toEqual([])
  const lastTriage = new Map(triagedEvents.map((e) => [String((e.payload as { postId: number }).postId), e.payload as { appeal?: boolean; urgency?: string }]))
  const kindOf = new Map(config.sources.map((s) => [s.id, s.kind]))
  const mayBeWatched = (p: (typeof posts)[number]) => {
    const t = lastTriage.get(String(p.id))
    return ['weibo', 'wechat'].includes(kindOf.get(p.source_id) ?? '') && t?.appeal === false && t.urgency !== '特急'
  }
  expect(posts.filter((p) => !linked.has(String(p.id)) && !mayBeWatched(p)).map((p) => p.id), 'appeals in no ticket').toEqual([])
  const tickets = await db.selectFrom('tickets').select(['id', 'status']).orderBy('id').execute()
  const opened = await listEvents(store, { types: ['ticket.opened'] })
  expect(opened.length, 'one ticket.opened event per ticket').toBe(tickets.length)
  expect(repeated(countBy(opened, (e) => String(e.key)))).toEqual([])
  const ticketsWithPosts = new Set(links.map((l) => Number(l.ticket_id)))
  expect(tickets.filter((t) => !ticketsWithPosts.has(Number(t.id))).map((t) => t.id), 'tickets without a post').toEqual([])

  // Clocks: every alert due by the last cycle recorded, once, and remembered by the ticket.
  const ctx = await caseContext(store, config)
  const escalated = await listEvents(store, { types: ['ticket.escalated'] })
  expect(repeated(countBy(escalated, (e) => String(e.key))), 'an alert recorded twice').toEqual([])
  const alertKeys = new Set(escalated.map((e) => String(e.key).replace(/^ticket\.escalated:/, '')))
  const missing: string[] = []
  for (const ticket of tickets) {
    const { state } = await loadCase(store, Number(ticket.id))
    for (const due of dueEvents(state, ctx.policy, options.clocksAt)) missing.push(`${due.key} (due ${due.at})`)
    for (const key of state.alerts) expect(alertKeys.has(key), `alert ${key} in the state but not in the log`).toBe(true)
  }
  expect(missing, `alerts due by ${options.clocksAt.toISOString()} but never recorded`).toEqual([])

  // Outbox: each alert and each 特急 post queued once per channel, all sent, each recorded once.
  const outbox = await db.selectFrom('outbox').select(['key', 'notification', 'channel', 'status', 'attempts', 'last_error', 'payload']).execute()
  expect(outbox.filter((r) => r.status !== 'sent').map((r) => `${r.key} ${r.status} ${r.last_error ?? ''}`), 'outbox rows not sent').toEqual([])
  const urgentKeys = results.filter((r) => r.urgency === '特急').map((r) => `urgent:post:${r.post_id}:v${r.version}`)
  const expected = [...alertKeys, ...urgentKeys].sort()
  // Sign requests: a reply waits for a signature only while the test signs it, so whether a
  // daemon saw it waiting is timing. Each one seen must be for an approved reply, at a stage it
  // went through, to that stage's signers only (queued once per channel: the outbox key is unique).
  const signers = { 'bureau-head': config.approval.bureauHeads, leader: config.approval.supervisingLeaders }
  const isSignRequest = (r: (typeof outbox)[number]) => r.notification.startsWith('sign:')
  for (const row of outbox.filter(isSignRequest)) {
    const [, id, stage] = /^sign:(\d+):v\d+:(bureau-head|leader)$/.exec(row.notification) ?? []
    expect(id !== undefined && options.approved.includes(Number(id)), `sign request ${row.key} for a reply the test approved`).toBe(true)
    const recipients = (JSON.parse(row.payload) as { recipients: string[] }).recipients
    expect(recipients.filter((r) => !signers[stage as keyof typeof signers].includes(r)), `sign request ${row.key} to someone who does not sign at that stage`).toEqual([])
  }
  const channels = config.notify.channels.filter((c) => c.enabled).map((c) => c.id)
  const notifications: Record<string, number> = {}
  for (const channel of channels) {
    const queued = outbox.filter((r) => r.channel === channel && !isSignRequest(r)).map((r) => r.notification).sort()
    expect(queued, `the notifications queued for ${channel}`).toEqual(expected.filter((k) => options.takes?.(channel, k) ?? true))
    notifications[channel] = queued.length
  }
  const sent = await listEvents(store, { types: ['notify.sent', 'notify.failed'] })
  expect(sent.filter((e) => e.type === 'notify.failed').map((e) => e.key)).toEqual([])
  expect(sent.map((e) => e.key).sort(), 'one notify.sent event per outbox row').toEqual(outbox.map((r) => `notify.sent:${r.key}`).sort())
  const reclaimed = outbox.filter((r) => r.attempts > 1)
  const reclaimedKeys = new Set(reclaimed.map((r) => r.key))

  expect(capture.webhook.log.filter((r) => r.outcome !== 'accepted').map((r) => `${r.status} ${JSON.stringify(r.answer)}`), 'webhook requests refused').toEqual([])
  // The webhook: every notification arrived; one that arrived twice was claimed twice (its
  // daemon died between the receiver's answer and the commit that records it).
  const delivered = capture.webhook.received.flatMap((m) => webhookKeys(m.body))
  const hookRows = outbox.filter((r) => r.channel === 'hook')
  const got = countBy(delivered, (k) => k)
  expect(hookRows.filter((r) => !got.has(r.notification)).map((r) => r.notification), 'notifications the webhook never got').toEqual([])
  const webhookRepeats = repeated(got)
  expect(webhookRepeats.filter((k) => !reclaimedKeys.has(`${k}@hook`)), 'notifications the webhook got twice though sent once').toEqual([])
  const seenIdem = new Set(capture.webhook.received.map((m) => m.key))
  expect(capture.webhook.duplicates.filter((d) => !seenIdem.has(d.key))).toEqual([])
  for (const d of capture.webhook.duplicates) {
    for (const k of webhookKeys(d.body)) expect(reclaimedKeys.has(`${k}@hook`), `webhook repeat of ${k}, never claimed twice`).toBe(true)
  }

  // WeCom has no idempotency key and its messages carry no notification keys: every request was
  // taken, and a message beyond one per row is allowed only for rows claimed twice.
  expect(capture.wecom.log.filter((r) => r.outcome !== 'accepted').map((r) => `${r.status} ${JSON.stringify(r.answer)}`)).toEqual([])
  const wecomRows = outbox.filter((r) => r.channel === 'wecom-bureau')
  expect(capture.wecom.received.length).toBeGreaterThan(0)
  const wecomExtra = Math.max(0, capture.wecom.received.length - wecomRows.length)
  expect(wecomExtra, 'WeCom messages beyond one per row, more than rows claimed twice').toBeLessThanOrEqual(reclaimed.filter((r) => r.channel === 'wecom-bureau').length)

  // Replies: each approved one published once, stored once by the receiver.
  const published: Array<{ ticket: number; version: number }> = []
  for (const id of options.approved) {
    const { state, events } = await loadCase(store, id)
    expect(state.status, `ticket #${id}`).toBe('published')
    expect(events.filter((e) => e.type === 'ticket.published')).toHaveLength(1)
    published.push({ ticket: id, version: state.draft?.version ?? 0 })
  }
  const stored = replies.stored.map((s) => ({ ticket: Number(s.body.ticketId), version: Number(s.body.version) }))
  const order = (xs: Array<{ ticket: number; version: number }>) => [...xs].sort((a, b) => a.ticket - b.ticket || a.version - b.version)
  expect(order(stored), 'the receiver stored each approved reply once').toEqual(order(published))
  const storedKeys = new Set(replies.stored.map((s) => s.key))
  expect(replies.repeats.filter((k) => !storedKeys.has(k))).toEqual([])
  expect(replies.refused).toBe(0)

  return {
    posts: posts.length,
    versions: versions.length,
    tickets: tickets.length,
    alerts: escalated.length,
    notifications,
    signRequests: outbox.filter(isSignRequest).map((r) => r.key).sort(),
    reclaimed: reclaimed.map((r) => r.key),
    webhookRepeats,
    wecomExtra,
    published,
    replyRepeats: replies.repeats.length,
  }
}

/**
 * Whether the daemons have nothing left to do: both sources crawled to the end since `since`,
 * every post triaged, nothing waiting in the outbox (with `putOffAllowed`, nothing due now:
 * what did not fit in a run waits a minute), the approved replies published, and no clock alert
 * due before `horizon` (past the short clocks, before the long ones) unrecorded.
 */
export async function settled(store: Store, config: LianxinConfig, since: Date, approved: readonly number[], horizon: Date, options: { putOffAllowed?: boolean } = {}): Promise<boolean> {
  const db = store.db
  const sources = await db.selectFrom('sources').select(['id', 'last_success_at']).execute()
  if (sources.length < 2 || sources.some((s) => s.last_success_at === null || s.last_success_at < since.toISOString())) return false
  const untriaged = await db.selectFrom('posts').select('id').where((eb) => eb.or([eb('triaged_version', 'is', null), eb('triaged_version', '<', eb.ref('version'))])).executeTakeFirst()
  if (untriaged) return false
  let unsent = db.selectFrom('outbox').select('key').where('status', 'in', ['pending', 'sending'])
  if (options.putOffAllowed) unsent = unsent.where('not_before', '<=', new Date().toISOString())
  const waiting = await unsent.executeTakeFirst()
  if (waiting) return false
  const ctx = await caseContext(store, config)
  for (const t of await db.selectFrom('tickets').select(['id']).execute()) {
    const { state } = await loadCase(store, Number(t.id))
    if (approved.includes(Number(t.id)) && state.status !== 'published') return false
    if (dueEvents(state, ctx.policy, horizon).length > 0) return false
  }
  return true
}
