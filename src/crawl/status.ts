import type { LianxinConfig } from '../config/schema.js'
import type { Session } from '../store/session.js'
import { listSources } from '../store/sources.js'
import { adapterFor } from './registry.js'

export interface SourceStatus {
  id: string
  kind: string
  name: string
  enabled: boolean
  schedule: string
  supported: boolean
  robots: 'respected' | 'ignored'
  lastRunAt: string | null
  lastSuccessAt: string | null
  lastError: string | null
  errorStreak: number
  backoffUntil: string | null
  /** The stored cursor of each scope (board, feed, account). */
  watermarks: Record<string, unknown>
}

/** Every configured source with what the store knows of its runs. */
export async function sourceStatuses(session: Session, config: LianxinConfig): Promise<SourceStatus[]> {
  const rows = new Map((await listSources(session)).map((r) => [r.id, r]))
  const checkpoints = await session.db.selectFrom('source_checkpoints').selectAll().orderBy('scope').execute()
  return config.sources.map((source) => {
    const row = rows.get(source.id)
    const watermarks: Record<string, unknown> = {}
    for (const c of checkpoints.filter((c) => c.source_id === source.id)) watermarks[c.scope] = JSON.parse(c.cursor)
    return {
      id: source.id,
      kind: source.kind,
      name: source.name,
      enabled: source.enabled,
      schedule: source.schedule,
      supported: adapterFor(source.kind) !== undefined,
      robots: (source.respectRobots ?? config.crawl.respectRobots) ? 'respected' : 'ignored',
      lastRunAt: row?.last_run_at ?? null,
      lastSuccessAt: row?.last_success_at ?? null,
      lastError: row?.last_error ?? null,
      errorStreak: row?.error_streak ?? 0,
      backoffUntil: row?.backoff_until ?? null,
      watermarks,
    }
  })
}
