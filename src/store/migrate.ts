import { Migrator, sql, type Kysely, type Migration, type MigrationResult } from 'kysely'
import type { Backend } from './backend.js'
import { initialMigration } from './migrations/0001-initial.js'
import { triageMigration } from './migrations/0002-triage.js'
import { daemonMigration } from './migrations/0003-daemon.js'

/** Every migration, in order. Names are permanent: never rename or edit a shipped migration. */
export function migrations(backend: Backend): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(backend),
    '0002-triage': triageMigration(backend),
    '0003-daemon': daemonMigration(backend),
  }
}

export interface MigrationReport {
  applied: string[]
  current: string | undefined
}

/**
 * Brings the schema to the latest version; safe to run concurrently (the migrator takes a lock).
 *
 * On PostgreSQL the migration tables are looked for in the store's own schema (the first of its
 * search_path): left to itself, Kysely's migrator finds them in any schema of the database, and
 * a second lianxin schema beside a first one would never get its own.
 */
export async function migrateToLatest(db: Kysely<unknown>, backend: Backend): Promise<MigrationReport> {
  const schema = backend === 'postgres' ? (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined
  if (backend === 'postgres' && !schema) throw new Error('PostgreSQL has no current schema: the search_path names no schema that exists')
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(backend) },
    migrationTableName: 'lianxin_migration',
    migrationLockTableName: 'lianxin_migration_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  const { error, results } = await migrator.migrateToLatest()
  const applied = (results ?? []).filter((r: MigrationResult) => r.status === 'Success').map((r) => r.migrationName)
  if (error) throw error
  const all = await migrator.getMigrations()
  const done = all.filter((m) => m.executedAt !== undefined)
  return { applied, current: done.at(-1)?.name }
}
