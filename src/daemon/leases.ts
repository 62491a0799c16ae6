/**
 * Leases: which daemon runs which job until when. A lease is taken (or renewed) in one atomic
 * statement, so two daemons on one PostgreSQL never hold the same job at once. Leases are short
 * and renewed while their job runs: a daemon that dies lets them lapse within one TTL, and one
 * restarted on the same host voids them at once (see `voidDeadHolders` in daemon.ts).
 */
import { sql } from 'kysely'
import type { Session } from '../store/session.js'

/** The lease row, as far as callers need it. */
export interface Lease {
  readonly name: string
  readonly holder: string
  readonly acquiredAt: string
  readonly expiresAt: string
}

/**
 * Takes the lease `name` for `holder` for `ttlMs`, or renews it if the holder already has it.
 *
 * @returns true when the holder has the lease now; false when another live holder has it.
 */
export async function acquireLease(session: Session, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const now = session.now()
  const at = now.toISOString()
  const until = new Date(now.getTime() + ttlMs).toISOString()
  const row = await session.db
    .insertInto('leases')
    .values({ name, holder, acquired_at: at, expires_at: until })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({
          holder,
          acquired_at: sql<string>`case when leases.holder = ${holder} then leases.acquired_at else ${at} end`,
          expires_at: until,
        })
        .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<=', at)])),
    )
    .returning('holder')
    .executeTakeFirst()
  return row?.holder === holder
}

/** Gives a lease up (it expires now), if the holder has it. */
export async function releaseLease(session: Session, name: string, holder: string): Promise<void> {
  await session.db.updateTable('leases').set({ expires_at: session.now().toISOString() }).where('name', '=', name).where('holder', '=', holder).execute()
}

/** The lease `name`, whoever holds it, expired or not. */
export async function readLease(session: Session, name: string): Promise<Lease | undefined> {
  const row = await session.db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst()
  return row ? { name: row.name, holder: row.holder, acquiredAt: row.acquired_at, expiresAt: row.expires_at } : undefined
}

/**
 * Runs `fn` only if the lease can be taken, renews it every `renewEveryMs` (default a third of
 * `ttlMs`) while `fn` runs, and releases it afterwards. A short TTL thus bounds how long a killed
 * holder blocks the job, however long the job itself takes.
 */
export async function withLease<T>(
  session: Session,
  name: string,
  holder: string,
  ttlMs: number,
  fn: () => Promise<T>,
  options: { renewEveryMs?: number } = {},
): Promise<{ ran: true; value: T } | { ran: false }> {
  if (!(await acquireLease(session, name, holder, ttlMs))) return { ran: false }
  let renewing: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    renewing = renewing.then(() => acquireLease(session, name, holder, ttlMs)).catch(() => undefined)
  }, options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3)))
  timer.unref()
  try {
    return { ran: true, value: await fn() }
  } finally {
    clearInterval(timer)
    // A renewal still in flight must not take the lease back after it was released.
    await renewing
    await releaseLease(session, name, holder)
  }
}
