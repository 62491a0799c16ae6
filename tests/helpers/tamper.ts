import Database from 'better-sqlite3'
import pg from 'pg'
import type { TestStore } from './stores.js'

/**
 * Runs SQL on the store's database through a connection of its own, the way an attacker with
 * file or database access would, after dropping lianxin's append-only triggers.
 */
export async function asAttacker(t: TestStore, statements: Array<{ sql: string; params?: unknown[] }>): Promise<void> {
  if (t.store.backend === 'sqlite') {
    const db = new Database(t.url.slice('sqlite:'.length))
    try {
      for (const name of db.prepare("select name from sqlite_master where type = 'trigger'").pluck().all() as string[]) {
        db.exec(`drop trigger ${name}`)
      }
      for (const s of statements) db.prepare(s.sql.replace(/\$\d+/g, '?')).run(...(s.params ?? []))
    } finally {
      db.close()
    }
    return
  }
  const client = new pg.Client({ connectionString: t.url, options: `-c search_path=${t.schema}` })
  await client.connect()
  try {
    await client.query('drop function lianxin_refuse_change() cascade')
    for (const s of statements) await client.query(s.sql, s.params ?? [])
  } finally {
    await client.end()
  }
}
