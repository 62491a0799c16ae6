/**
 * Delivering the outbox: claim due rows (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
 * several daemons never take the same row), send them through each channel's notifier (which
 * rate-limits, merges and retries), and record every delivery and failure as an event.
 *
 * A run never waits on a channel's rate limit: it sends only as many messages as the channel
 * takes now (its notifier's capacity, at most `perRun`), merges the rest into digests, and gives
 * what still does not fit back for a later run, so a busy channel never holds up the cycle.
 *
 * A row is claimed for a while before it is sent; a daemon killed mid-send leaves it claimed,
 * and once the claim expires another run sends it again. A kill in the milliseconds between the
 * platform's answer and the commit can therefore repeat that one message; webhook receivers
 * drop the repeat by its Idempotency-Key. Nothing is ever lost.
 */
import { sql } from 'kysely'
import type { DeliveryResult } from '../notify/delivery.js'
import { renderDigest, type Notification } from '../notify/message.js'
import type { Notifier } from '../notify/notifier.js'
import { appendEvent } from '../store/events.js'
import { inTransaction, type Session } from '../store/session.js'
import type { OutboxRow } from '../store/types.js'

/** Options of {@link deliverOutbox}. */
export interface DeliverOptions {
  readonly holder: string
  readonly postgres: boolean
  /** Notifier per channel id. */
  readonly notifiers: ReadonlyMap<string, Notifier>
  /** How long a claim holds before another run may take the row again. @default 5 min */
  readonly claimMs?: number
  /** Rows per run. @default 200 */
  readonly limit?: number
  /** Deliveries per row before it is given up as failed. @default 5 */
  readonly maxRuns?: number
  /** Messages per channel per run. @default 90% of the channel's limit a minute (18 of a bot's 20), leaving room for retries */
  readonly perRun?: number
  /** Notifications per digest message, so one digest fits one chat message. @default 10 */
  readonly digestSize?: number
}

/** What one delivery run did. */
export interface DeliverReport {
  sent: number
  failed: number
  retrying: number
  /** Messages sent (a digest carries several rows). */
  messages: number
  /** Rows given back unsent for a later run because their channel was at its rate limit. */
  deferred: number
}

/** Claims up to `limit` due rows for `holder`. */
export async function claimDue(session: Session, options: Pick<DeliverOptions, 'holder' | 'postgres' | 'claimMs' | 'limit'>): Promise<OutboxRow[]> {
  const now = session.now()
  const at = now.toISOString()
  const until = new Date(now.getTime() + (options.claimMs ?? 5 * 60_000)).toISOString()
  return inTransaction(session, async (tx) => {
    let due = tx.db
      .selectFrom('outbox')
      .select('key')
      .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<', at)])]))
      .where('not_before', '<=', at)
      .orderBy('urgent', 'desc')
      .orderBy('created_at')
      .limit(options.limit ?? 200)
    if (options.postgres) due = due.forUpdate().skipLocked()
    const keys = (await due.execute()).map((r) => r.key)
    if (keys.length === 0) return []
    return tx.db
      .updateTable('outbox')
      .set({ status: 'sending', claimed_by: options.holder, claimed_until: until, attempts: sql<number>`attempts + 1` })
      .where('key', 'in', keys)
      .returningAll()
      .execute()
  })
}

/** Sends what is due and records the outcome of every row. */
export async function deliverOutbox(session: Session, options: DeliverOptions): Promise<DeliverReport> {
  const rows = await claimDue(session, options)
  const report: DeliverReport = { sent: 0, failed: 0, retrying: 0, messages: 0, deferred: 0 }
  const byChannel = new Map<string, OutboxRow[]>()
  for (const row of rows) byChannel.set(row.channel, [...(byChannel.get(row.channel) ?? []), row])
  await Promise.all(
    [...byChannel].map(async ([channel, channelRows]) => {
      const notifier = options.notifiers.get(channel)
      if (!notifier) {
        for (const row of channelRows) await settle(session, row, { ok: false, permanent: true, error: `channel ${channel} is no longer configured or enabled`, attempts: 0 }, options, report)
        return
      }
      const capacity = notifier.capacity()
      const budget = Math.min(options.perRun ?? Math.max(1, Math.floor(capacity.limit * 0.9)), capacity.available)
      if (budget <= 0) {
        await defer(session, channelRows, capacity.waitMs)
        report.deferred += channelRows.length
        return
      }
      const { singles, digests, deferred } = plan(channelRows, budget, options.digestSize ?? 10)
      const send = async (rows: readonly OutboxRow[], message: Notification, digest?: string) => {
        const [result] = await notifier.deliver(message)
        const outcome = outcomeOf(result)
        if (outcome.busyMs !== undefined) {
          await defer(session, rows, outcome.busyMs)
          report.deferred += rows.length
          return
        }
        report.messages += 1
        for (const row of rows) await settle(session, row, outcome, options, report, digest)
      }
      const sends: Array<Promise<void>> = singles.map((row) => send([row], JSON.parse(row.payload) as Notification))
      for (const rows of digests) {
        const items = rows.map((r) => JSON.parse(r.payload) as Notification)
        const message = rows.length === 1 ? (items[0] as Notification) : renderDigest(items, { at: session.now().toISOString() })
        sends.push(send(rows, message, rows.length > 1 ? message.key : undefined))
      }
      if (deferred.length > 0) {
        await defer(session, deferred, 60_000)
        report.deferred += deferred.length
      }
      await Promise.all(sends)
    }),
  )
  return report
}

/**
 * How a channel's due rows go out in one run of at most `perRun` messages, without waiting on its
 * rate limit: as many urgent rows one by one as leave room for everything else in digests of
 * `digestSize`; when even all-digests cannot carry every row, digests only, urgent rows first,
 * and what does not fit waits for the next run. A storm of alerts thus costs few messages
 * instead of a backlog.
 */
export function plan(rows: readonly OutboxRow[], perRun: number, digestSize: number): { singles: OutboxRow[]; digests: OutboxRow[][]; deferred: OutboxRow[] } {
  const urgent = rows.filter((r) => r.urgent === 1)
  const later = rows.filter((r) => r.urgent !== 1)
  let alone = Math.min(urgent.length, perRun)
  while (alone > 0 && alone + Math.ceil((rows.length - alone) / digestSize) > perRun) alone -= 1
  const rest = [...urgent.slice(alone), ...later]
  const digests: OutboxRow[][] = []
  for (let budget = perRun - alone; rest.length > 0 && budget > 0; budget -= 1) digests.push(rest.splice(0, digestSize))
  return { singles: urgent.slice(0, alone), digests, deferred: rest }
}

/** Gives claimed rows back for a run at least `afterMs` from now (not counted as an attempt). */
async function defer(session: Session, rows: readonly OutboxRow[], afterMs: number): Promise<void> {
  const next = new Date(session.now().getTime() + Math.max(1000, afterMs)).toISOString()
  await session.db
    .updateTable('outbox')
    .set({ status: 'pending', claimed_until: null, not_before: next, attempts: sql<number>`attempts - 1` })
    .where('key', 'in', rows.map((r) => r.key))
    .execute()
}

interface Outcome {
  ok: boolean
  permanent: boolean
  error?: string
  attempts: number
  status?: number
  /** Not sent: the channel was at its own rate limit; try again after this long. */
  busyMs?: number
}

function outcomeOf(result: DeliveryResult | undefined): Outcome {
  if (!result) return { ok: false, permanent: true, error: 'the channel did not take the notification (its recipients or events filter excludes it)', attempts: 0 }
  if (!result.ok && result.retryInMs !== undefined) return { ok: false, permanent: false, attempts: 0, busyMs: result.retryInMs }
  return {
    ok: result.ok,
    permanent: result.failure === 'permanent',
    attempts: result.attempts,
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.status !== undefined ? { status: result.status } : {}),
  }
}

async function settle(session: Session, row: OutboxRow, outcome: Outcome, options: DeliverOptions, report: DeliverReport, digest?: string): Promise<void> {
  const now = session.now()
  const giveUp = !outcome.ok && (outcome.permanent || row.attempts >= (options.maxRuns ?? 5))
  await inTransaction(session, async (tx) => {
    if (outcome.ok) {
      await tx.db.updateTable('outbox').set({ status: 'sent', sent_at: now.toISOString(), claimed_until: null, last_error: null }).where('key', '=', row.key).execute()
    } else {
      const retryAt = new Date(now.getTime() + Math.min(3600_000, 60_000 * 2 ** Math.max(0, row.attempts - 1)))
      await tx.db
        .updateTable('outbox')
        .set({ status: giveUp ? 'failed' : 'pending', not_before: retryAt.toISOString(), claimed_until: null, last_error: outcome.error ?? 'failed' })
        .where('key', '=', row.key)
        .execute()
    }
    if (outcome.ok || giveUp) {
      await appendEvent(tx, {
        stream: `notify:${row.channel}`,
        type: outcome.ok ? 'notify.sent' : 'notify.failed',
        actor: 'system:daemon',
        key: `${outcome.ok ? 'notify.sent' : 'notify.failed'}:${row.key}`,
        payload: {
          notification: row.notification,
          channel: row.channel,
          ticketId: row.ticket_id,
          runs: row.attempts,
          requests: outcome.attempts,
          ...(digest !== undefined ? { digest } : {}),
          ...(outcome.error !== undefined ? { error: outcome.error } : {}),
          ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        },
      })
    }
  })
  if (outcome.ok) report.sent += 1
  else if (giveUp) report.failed += 1
  else report.retrying += 1
}
