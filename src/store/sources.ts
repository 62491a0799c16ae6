import { appendEvent } from './events.js'
import { inTransaction, type Session } from './session.js'
import type { SourcesTable } from './types.js'
import type { Selectable } from 'kysely'

export type SourceRow = Selectable<SourcesTable>

export interface SourceIdentity {
  id: string
  kind: string
  name: string
}

/** Registers a source the first time it is seen (event `source.registered`); returns its row. */
export async function ensureSource(session: Session, source: SourceIdentity): Promise<SourceRow> {
  return inTransaction(session, async (tx) => {
    const existing = await tx.db.selectFrom('sources').selectAll().where('id', '=', source.id).executeTakeFirst()
    if (existing) return existing
    const row: SourceRow = {
      ...source,
      created_at: tx.now().toISOString(),
      last_run_at: null,
      last_success_at: null,
      last_error: null,
      error_streak: 0,
      backoff_until: null,
    }
    await tx.db.insertInto('sources').values(row).execute()
    await appendEvent(tx, {
      stream: `source:${source.id}`,
      type: 'source.registered',
      actor: 'system:crawler',
      payload: source,
      key: `source.registered:${source.id}`,
    })
    return row
  })
}

export async function getSource(session: Session, id: string): Promise<SourceRow | undefined> {
  return session.db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function listSources(session: Session): Promise<SourceRow[]> {
  return session.db.selectFrom('sources').selectAll().orderBy('id').execute()
}

/** The JSON cursor an adapter stored for one scope of a source, if any. */
export async function getCheckpoint<C = unknown>(session: Session, sourceId: string, scope: string): Promise<C | undefined> {
  const row = await session.db
    .selectFrom('source_checkpoints')
    .select('cursor')
    .where('source_id', '=', sourceId)
    .where('scope', '=', scope)
    .executeTakeFirst()
  return row ? (JSON.parse(row.cursor) as C) : undefined
}

/** Stores the cursor; call it in the same transaction as the posts it covers. */
export async function saveCheckpoint(session: Session, sourceId: string, scope: string, cursor: unknown): Promise<void> {
  const values = { source_id: sourceId, scope, cursor: JSON.stringify(cursor), updated_at: session.now().toISOString() }
  await session.db
    .insertInto('source_checkpoints')
    .values(values)
    .onConflict((oc) => oc.columns(['source_id', 'scope']).doUpdateSet({ cursor: values.cursor, updated_at: values.updated_at }))
    .execute()
}

export interface SourceRunOutcome {
  ok: boolean
  error?: string
  /** Until when the source must not be asked again (block signals, repeated failures). */
  backoffUntil?: string | null
}

/** Records how a run of a source ended: success resets the error streak, failure grows it. */
export async function recordSourceRun(session: Session, sourceId: string, outcome: SourceRunOutcome): Promise<SourceRow> {
  return inTransaction(session, async (tx) => {
    const at = tx.now().toISOString()
    const current = await tx.db.selectFrom('sources').selectAll().where('id', '=', sourceId).executeTakeFirstOrThrow()
    const update = outcome.ok
      ? { last_run_at: at, last_success_at: at, last_error: null, error_streak: 0, backoff_until: outcome.backoffUntil ?? null }
      : {
          last_run_at: at,
          last_error: outcome.error ?? 'failed',
          error_streak: current.error_streak + 1,
          backoff_until: outcome.backoffUntil ?? current.backoff_until,
        }
    await tx.db.updateTable('sources').set(update).where('id', '=', sourceId).execute()
    return { ...current, ...update }
  })
}
