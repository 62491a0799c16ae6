import { CompiledQuery, PostgresAdapter, type Kysely, type Transaction } from 'kysely'
import type { DB } from './types.js'

type Row = Record<string, unknown>

/**
 * A multi-row INSERT written as SQL text directly, for the few statements a crawl or a triage
 * batch runs thousands of times (events, posts, versions, raw pages). Kysely's builder makes an
 * immutable node per value and compiles it anew on every call; here the text is built once per
 * shape, so a page of posts costs one string join. Columns are the keys of the first row.
 */
export async function insertRows<T extends keyof DB & string, R extends string = never>(
  db: Kysely<DB> | Transaction<DB>,
  table: T,
  rows: Row[],
  returning: R[] = [],
): Promise<Array<Record<R, unknown>>> {
  if (rows.length === 0) return []
  const columns = Object.keys(rows[0] as Row)
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const parameters: unknown[] = []
  const tuples: string[] = []
  for (const row of rows) {
    const marks: string[] = []
    for (const column of columns) {
      parameters.push(row[column] ?? null)
      marks.push(postgres ? `$${parameters.length}` : '?')
    }
    tuples.push(`(${marks.join(', ')})`)
  }
  const text =
    `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}` +
    (returning.length > 0 ? ` returning ${returning.map((c) => `"${c}"`).join(', ')}` : '')
  const result = await db.executeQuery<Record<R, unknown>>(CompiledQuery.raw(text, parameters))
  return result.rows
}
