import { sql, type Kysely, type Migration } from 'kysely'
import type { Backend } from '../backend.js'

/**
 * Triage results and near-duplicate fingerprints. Both are append-only: a post's new version
 * gets a new row; the old rows stay, so every decision can be traced to what it saw.
 */
export function triageMigration(backend: Backend): Migration {
  const pg = backend === 'postgres'
  const bigId = pg ? 'bigint' : 'integer'
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('triage_results')
        .addColumn('post_id', bigId, (c) => c.notNull().references('posts.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('topic_score', 'real', (c) => c.notNull())
        .addColumn('urgency', 'text', (c) => c.notNull())
        .addColumn('urgency_score', 'real', (c) => c.notNull())
        .addColumn('zone_id', 'text')
        .addColumn('community', 'text')
        .addColumn('lead', 'text', (c) => c.notNull())
        /** JSON: the whole result (cues, assist, confidence, reasons). */
        .addColumn('detail', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('triage_results_pk', ['post_id', 'version'])
        .execute()
      await db.schema.createIndex('triage_results_topic_zone').on('triage_results').columns(['topic', 'zone_id', 'at']).execute()

      await db.schema
        .createTable('post_fingerprints')
        .addColumn('post_id', bigId, (c) => c.notNull().references('posts.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        /** 64-bit SimHash as 16 hex digits. */
        .addColumn('simhash', 'text', (c) => c.notNull())
        .addColumn('band0', 'integer', (c) => c.notNull())
        .addColumn('band1', 'integer', (c) => c.notNull())
        .addColumn('band2', 'integer', (c) => c.notNull())
        .addColumn('band3', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('post_fingerprints_pk', ['post_id', 'version'])
        .execute()
      for (const band of [0, 1, 2, 3]) {
        await db.schema.createIndex(`post_fingerprints_band${band}`).on('post_fingerprints').column(`band${band}`).execute()
      }

      for (const table of ['triage_results', 'post_fingerprints']) {
        if (pg) {
          await sql`create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
            for each row execute function lianxin_refuse_change()`.execute(db)
          await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
            for each statement execute function lianxin_refuse_change()`.execute(db)
        } else {
          await sql.raw(`create trigger ${table}_no_update before update on ${table}
            begin select raise(abort, 'lianxin: UPDATE on ${table} refused: data is never rewritten'); end`).execute(db)
          await sql.raw(`create trigger ${table}_no_delete before delete on ${table}
            begin select raise(abort, 'lianxin: DELETE on ${table} refused: data is never deleted'); end`).execute(db)
        }
      }
    },
  }
}
