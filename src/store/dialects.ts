import Database from 'better-sqlite3'
import pg from 'pg'
import {
  CompiledQuery,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type SqliteDialectConfig,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely'
import type { DatabaseTarget } from './backend.js'

/**
 * SQLite transactions start with BEGIN IMMEDIATE: the write lock is taken up front, so two
 * processes (a daemon and a staff command) queue on busy_timeout instead of failing with
 * SQLITE_BUSY when a read transaction tries to become a write transaction.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

/** Opens the SQLite file (WAL, foreign keys, 10 s busy wait) and returns a Kysely dialect over it. */
export function sqliteDialect(path: string): Dialect {
  const database = new Database(path)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 10000')
  return new ImmediateSqliteDialect({ database: withStatementCache(database) })
}

/**
 * Kysely prepares every query anew; the same few dozen statements run thousands of times in a
 * crawl, so keep them prepared (better-sqlite3 statements are reusable).
 */
function withStatementCache(database: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>()
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = cache.get(sql)
      if (!statement) {
        statement = database.prepare(sql)
        if (cache.size >= 500) cache.clear()
        cache.set(sql, statement)
      }
      return statement as unknown as SqliteStatement
    },
  }
}

const INT8_OID = 20

/**
 * A pg pool whose BIGINT columns come back as numbers (ids and seqs stay far below 2^53) and
 * whose sessions use the given schema.
 */
export function postgresDialect(target: DatabaseTarget): { dialect: Dialect; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: target.location,
    max: 5,
    connectionTimeoutMillis: 10_000,
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  return { dialect: new PostgresDialect({ pool }), pool }
}
