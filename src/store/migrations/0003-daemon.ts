import type { Kysely, Migration } from 'kysely'
import type { Backend } from '../backend.js'

/**
 * What the daemon needs to run unattended and share work: leases (who runs which job until
 * when) and the notification outbox (one row per notification and channel, claimed, sent,
 * failed). Both are operational state, updated in place; what happened is recorded as events
 * (`notify.sent`, `notify.failed`) in the hash-chained log.
 */
export function daemonMigration(backend: Backend): Migration {
  const pg = backend === 'postgres'
  const bigId = pg ? 'bigint' : 'integer'
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('acquired_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('outbox')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('notification', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('ticket_id', bigId)
        .addColumn('urgent', 'integer', (c) => c.notNull())
        /** JSON of the notification. */
        .addColumn('payload', 'text', (c) => c.notNull())
        /** pending | sending | sent | failed */
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_until', 'text')
        .addColumn('sent_at', 'text')
        .addColumn('last_error', 'text')
        .execute()
      await db.schema.createIndex('outbox_status').on('outbox').columns(['status', 'not_before']).execute()
    },
  }
}
