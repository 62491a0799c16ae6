import type { Kysely, Transaction } from 'kysely'
import type { DB } from './types.js'

/** What every store operation needs: somewhere to run queries and the clock. */
export interface Session {
  readonly db: Kysely<DB> | Transaction<DB>
  readonly now: () => Date
}

/** Runs `fn` inside a transaction: the session's own if it has one, a new one otherwise. */
export async function inTransaction<T>(session: Session, fn: (tx: Session) => Promise<T>): Promise<T> {
  if (session.db.isTransaction) return fn(session)
  return session.db.transaction().execute((db) => fn({ db, now: session.now }))
}
