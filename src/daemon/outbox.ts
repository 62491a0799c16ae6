/**
 * Delivering the outbox: claim due rows (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
 * several daemons never take the same row), send them through each channel's notifier (which
 * rate-limits, merges and retries), and record every delivery and failure as an event.
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
  /** Messages per channel per run, under the bots' 20 a minute. @default 18 */
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
  const report: DeliverReport = { sent: 0, failed: 0, retrying: 0, messages: 0 }
  const byChannel = new Map<string, OutboxRow[]>()
  for (const row of rows) byChannel.set(row.channel, [...(byChannel.get(row.channel) ?? []), row])
  await Promise.all(
    [...byChannel].map(async ([channel, channelRows]) => {
      const notifier = options.notifiers.get(channel)
      if (!notifier) {
        for (const row of channelRows) await settle(session, row, { ok: false, permanent: true, error: `channel ${channel} is no longer configured or enabled`, attempts: 0 }, options, report)
        return
      }
      const { singles, digests, deferred } = plan(channelRows, options.perRun ?? 18, options.digestSize ?? 10)
      const sends: Array<Promise<void>> = singles.map(async (row) => {
        const [result] = await notifier.deliver(JSON.parse(row.payload) as Notification)
        report.messages += 1
        await settle(session, row, outcomeOf(result), options, report)
      })
      for (const rows of digests) {
        const items = rows.map((r) => JSON.parse(r.payload) as Notification)
        const message = rows.length === 1 ? (items[0] as Notification) : renderDigest(items, { at: session.now().toISOString() })
        sends.push(
          (async () => {
            const [result] = await notifier.deliver(message)
            report.messages += 1
            for (const row of rows) await settle(session, row, outcomeOf(result), options, report, rows.length > 1 ? message.key : undefined)
          })(),
        )
      }
      if (deferred.length > 0) await defer(session, deferred)
      await Promise.all(sends)
    }),
  )
  return report
}

/**
 * How a channel's due rows go out in one run without waiting on its rate limit: urgent ones one
 * by one, the rest (and urgent ones beyond the budget) merged into digests; what does not fit
 * in `perRun` messages waits for the next run.
 */
export function plan(rows: readonly OutboxRow[], perRun: number, digestSize: number): { singles: OutboxRow[]; digests: OutboxRow[][]; deferred: OutboxRow[] } {
  const urgent = rows.filter((r) => r.urgent === 1)
  const later = rows.filter((r) => r.urgent !== 1)
  const overflow = urgent.length > perRun || (urgent.length === perRun && later.length > 0)
  const singles = overflow ? urgent.slice(0, perRun - 1) : urgent
  const rest = [...(overflow ? urgent.slice(perRun - 1) : []), ...later]
  const digests: OutboxRow[][] = []
  let budget = perRun - singles.length
  while (rest.length > 0 && budget > 0) {
    digests.push(rest.splice(0, digestSize))
    budget -= 1
  }
  return { singles, digests, deferred: rest }
}

/** Gives claimed rows back for the next run (not counted as an attempt). */
async function defer(session: Session, rows: readonly OutboxRow[]): Promise<void> {
  const next = new Date(session.now().getTime() + 60_000).toISOString()
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
}

function outcomeOf(result: DeliveryResult | undefined): Outcome {
  if (!result) return { ok: false, permanent: true, error: 'the channel did not take the notification (its recipients or events filter excludes it)', attempts: 0 }
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
