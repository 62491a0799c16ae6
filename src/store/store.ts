import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import pg from 'pg'
import { Kysely, type Transaction } from 'kysely'
import { StoreError, describeError } from '../errors.js'
import { maskUrl, parseDatabaseUrl, type Backend, type DatabaseTarget } from './backend.js'
import { postgresDialect, sqliteDialect } from './dialects.js'
import { migrateToLatest, type MigrationReport } from './migrate.js'
import type { DB } from './types.js'

export interface OpenStoreOptions {
  /** `sqlite:/abs/path.sqlite` or `postgres://…`. */
  url: string
  /** PostgreSQL schema to use (created if missing). */
  schema?: string
  /** Apply pending migrations on open (default true: "automatically on first use"). */
  migrate?: boolean
  /** The clock used for every stored timestamp; injectable for tests and the daemon bench. */
  now?: () => Date
}

/** Anything that can run queries: the store's database or a transaction on it. */
export type Db = Kysely<DB> | Transaction<DB>

/**
 * The store: Kysely over better-sqlite3 (WAL) or PostgreSQL, with versioned migrations.
 * Data is only ever appended or projected; see docs/data-model.md.
 */
export class Store {
  readonly db: Kysely<DB>
  readonly backend: Backend
  readonly target: DatabaseTarget
  readonly now: () => Date
  /** What the automatic migration on open applied, if anything. */
  migration: MigrationReport | undefined

  private constructor(db: Kysely<DB>, target: DatabaseTarget, now: () => Date) {
    this.db = db
    this.backend = target.backend
    this.target = target
    this.now = now
  }

  static async open(options: OpenStoreOptions): Promise<Store> {
    let target: DatabaseTarget
    try {
      target = parseDatabaseUrl(options.url, options.schema)
    } catch (err) {
      throw new StoreError(describeError(err), { cause: err, suggestions: ['Set LIANXIN_DATABASE_URL or database.url in lianxin.yaml.'] })
    }
    const now = options.now ?? (() => new Date())
    let db: Kysely<DB>
    try {
      if (target.backend === 'sqlite') {
        if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true })
        db = new Kysely<DB>({ dialect: sqliteDialect(target.location) })
      } else {
        if (target.schema) await ensureSchema(target)
        db = new Kysely<DB>({ dialect: postgresDialect(target).dialect })
      }
    } catch (err) {
      throw openError(target, err)
    }
    const store = new Store(db, target, now)
    if (options.migrate !== false) {
      try {
        store.migration = await store.migrate()
      } catch (err) {
        await db.destroy().catch(() => undefined)
        throw err instanceof StoreError ? err : openError(target, err)
      }
    }
    return store
  }

  /** Applies pending migrations. */
  async migrate(): Promise<MigrationReport> {
    try {
      return await migrateToLatest(this.db as Kysely<unknown>, this.backend)
    } catch (err) {
      throw new StoreError(`migrating ${this.describe()} failed: ${describeError(err)}`, { cause: err })
    }
  }

  /** Runs `fn` in one transaction: all of it is stored, or none of it. */
  async transaction<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn)
  }

  /** The current time as stored (ISO-8601 UTC). */
  timestamp(): string {
    return this.now().toISOString()
  }

  /** Where the store lives, with any password masked. */
  describe(): string {
    return this.backend === 'sqlite'
      ? `SQLite ${this.target.location}`
      : `PostgreSQL ${maskUrl(this.target.location)}${this.target.schema ? ` (schema ${this.target.schema})` : ''}`
  }

  async close(): Promise<void> {
    await this.db.destroy()
  }
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

async function ensureSchema(target: DatabaseTarget): Promise<void> {
  const schema = target.schema as string
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid PostgreSQL schema name "${schema}"`)
  const client = new pg.Client({ connectionString: target.location, connectionTimeoutMillis: 10_000 })
  await client.connect()
  try {
    await client.query(`create schema if not exists "${schema}"`)
  } finally {
    await client.end()
  }
}

function openError(target: DatabaseTarget, err: unknown): StoreError {
  const where = target.backend === 'sqlite' ? `SQLite file ${target.location}` : `PostgreSQL at ${maskUrl(target.location)}`
  const suggestions =
    target.backend === 'sqlite'
      ? ['Check that the directory exists and is writable, and that no other program holds the file open exclusively.']
      : ['Check that PostgreSQL is running and that LIANXIN_DATABASE_URL (or database.url) is right.']
  return new StoreError(`cannot open the store (${where}): ${describeError(err)}`, { cause: err, suggestions })
}
