import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { Store } from '../../src/store/store.js'

/** The PostgreSQL every store test runs against (CI starts it; see .ci/run). */
export const TEST_PG_URL = process.env.LIANXIN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestStore {
  store: Store
  /** The URL (and schema) to open the same store again, e.g. from a child process. */
  url: string
  schema?: string
  cleanup(): Promise<void>
}

export interface Backend {
  name: 'sqlite' | 'postgres'
  open(options?: { now?: () => Date }): Promise<TestStore>
}

/** A fresh SQLite file in a temp dir, removed afterwards. */
export const sqliteBackend: Backend = {
  name: 'sqlite',
  async open(options = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'lianxin-test-'))
    const url = `sqlite:${join(dir, 'lianxin.sqlite')}`
    const store = await Store.open({ url, ...options })
    return {
      store,
      url,
      async cleanup() {
        await store.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}

/** A fresh schema in the real PostgreSQL, dropped afterwards. */
export const postgresBackend: Backend = {
  name: 'postgres',
  async open(options = {}) {
    const schema = `lianxin_test_${randomBytes(5).toString('hex')}`
    const store = await Store.open({ url: TEST_PG_URL, schema, ...options })
    return {
      store,
      url: TEST_PG_URL,
      schema,
      async cleanup() {
        await store.close()
        await dropSchema(schema)
      },
    }
  },
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

export const backends: Backend[] = [sqliteBackend, postgresBackend]

/** A clock that moves only when told to. */
export function manualClock(start = '2026-11-28T08:00:00.000Z'): { now: () => Date; advance(ms: number): void; set(iso: string): void } {
  let t = Date.parse(start)
  return {
    now: () => new Date(t),
    advance(ms) {
      t += ms
    },
    set(iso) {
      t = Date.parse(iso)
    },
  }
}
