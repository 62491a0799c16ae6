import { sql, type Kysely, type Migration } from 'kysely'
import { GENESIS_HASH } from '../../audit/chain.js'
import type { Backend } from '../backend.js'

/** Tables whose rows are never updated nor deleted. */
export const APPEND_ONLY_TABLES = ['events', 'post_versions', 'raw_pages', 'ticket_posts', 'replies', 'approvals'] as const
/** Tables whose rows may be updated (they are projections of the event log) but never deleted. */
export const NEVER_DELETED_TABLES = ['sources', 'posts', 'tickets', 'people', 'person_keys'] as const

/** The whole mission's data model: see docs/data-model.md. */
export function initialMigration(backend: Backend): Migration {
  const pg = backend === 'postgres'
  const bigId = pg ? 'bigint' : 'integer'
  const blob = pg ? 'bytea' : 'blob'
  return {
    async up(db: Kysely<unknown>) {
      const identity = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
            pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
          )

      await db.schema
        .createTable('events')
        .addColumn('seq', bigId, (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.unique())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .execute()
      await db.schema.createIndex('events_stream').on('events').columns(['stream', 'seq']).execute()
      await db.schema.createIndex('events_type').on('events').columns(['type', 'seq']).execute()

      await db.schema
        .createTable('chain_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', bigId, (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute()
      await sql`insert into chain_head (id, seq, hash) values (1, 0, ${GENESIS_HASH})`.execute(db)

      await db.schema
        .createTable('sources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_run_at', 'text')
        .addColumn('last_success_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('error_streak', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('backoff_until', 'text')
        .execute()

      await db.schema
        .createTable('source_checkpoints')
        .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('cursor', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('source_checkpoints_pk', ['source_id', 'scope'])
        .execute()

      await identity('raw_pages')
        .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('fetched_at', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('content_type', 'text')
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('body_gz', blob, (c) => c.notNull())
        .execute()

      await identity('posts')
        .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id'))
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text')
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('author', 'text')
        .addColumn('published_at', 'text')
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('triaged_version', 'integer')
        .addUniqueConstraint('posts_source_external', ['source_id', 'external_id'])
        .execute()
      await db.schema.createIndex('posts_published').on('posts').columns(['published_at']).execute()

      await db.schema
        .createTable('post_versions')
        .addColumn('post_id', bigId, (c) => c.notNull().references('posts.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('captured_at', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('raw_page_id', bigId, (c) => c.references('raw_pages.id'))
        .addPrimaryKeyConstraint('post_versions_pk', ['post_id', 'version'])
        .execute()

      await identity('tickets')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('topic', 'text')
        .addColumn('urgency', 'text')
        .addColumn('zone_id', 'text')
        .addColumn('lead', 'text')
        .addColumn('assist', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('last_seq', bigId, (c) => c.notNull())
        .execute()
      await db.schema.createIndex('tickets_status').on('tickets').columns(['status', 'opened_at']).execute()

      await db.schema
        .createTable('ticket_posts')
        .addColumn('ticket_id', bigId, (c) => c.notNull().references('tickets.id'))
        .addColumn('post_id', bigId, (c) => c.notNull().references('posts.id'))
        .addColumn('linked_at', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ticket_posts_pk', ['ticket_id', 'post_id'])
        .execute()
      await db.schema.createIndex('ticket_posts_post').on('ticket_posts').columns(['post_id']).execute()

      await db.schema
        .createTable('people')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('zone_id', 'text')
        .addColumn('department_id', 'text')
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute()

      await db.schema
        .createTable('person_keys')
        .addColumn('fingerprint', 'text', (c) => c.primaryKey())
        .addColumn('person', 'text', (c) => c.notNull().references('people.name'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .addColumn('registered_by', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .execute()

      await db.schema
        .createTable('replies')
        .addColumn('ticket_id', bigId, (c) => c.notNull().references('tickets.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('text_sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('replies_pk', ['ticket_id', 'version'])
        .execute()

      await identity('approvals')
        .addColumn('ticket_id', bigId, (c) => c.notNull().references('tickets.id'))
        .addColumn('reply_version', 'integer', (c) => c.notNull())
        .addColumn('text_sha256', 'text', (c) => c.notNull())
        .addColumn('approver', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('key_fingerprint', 'text')
        .addColumn('signature', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('approvals_ticket').on('approvals').columns(['ticket_id', 'reply_version']).execute()

      await installGuards(db, backend)
    },
  }
}



/**
 * Database-level guards: the database itself refuses UPDATE and DELETE on append-only tables
 * and DELETE on every other record table, so no bug (and no careless SQL session) can rewrite
 * or remove history.
 */
async function installGuards(db: Kysely<unknown>, backend: Backend): Promise<void> {
  if (backend === 'postgres') {
    await sql`
      create function lianxin_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'lianxin: % on % refused: data is never deleted or rewritten', tg_op, tg_table_name
          using errcode = 'integrity_constraint_violation';
      end $$`.execute(db)
    for (const table of APPEND_ONLY_TABLES) {
      await sql`create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
        for each row execute function lianxin_refuse_change()`.execute(db)
    }
    for (const table of NEVER_DELETED_TABLES) {
      await sql`create trigger ${sql.raw(`${table}_never_deleted`)} before delete on ${sql.table(table)}
        for each row execute function lianxin_refuse_change()`.execute(db)
    }
    for (const table of [...APPEND_ONLY_TABLES, ...NEVER_DELETED_TABLES]) {
      await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
        for each statement execute function lianxin_refuse_change()`.execute(db)
    }
    return
  }
  for (const table of APPEND_ONLY_TABLES) {
    await sql.raw(`create trigger ${table}_no_update before update on ${table}
      begin select raise(abort, 'lianxin: UPDATE on ${table} refused: data is never rewritten'); end`).execute(db)
  }
  for (const table of [...APPEND_ONLY_TABLES, ...NEVER_DELETED_TABLES]) {
    await sql.raw(`create trigger ${table}_no_delete before delete on ${table}
      begin select raise(abort, 'lianxin: DELETE on ${table} refused: data is never deleted'); end`).execute(db)
  }
}
