import type { Session } from '../store/session.js'
import { GENESIS_HASH, eventHash } from './chain.js'

/**
 * Checks the events of one stream (a ticket's, say) before something irreversible is done on
 * their strength: each still matches its hash, and each still links to the event before it in
 * the whole log. Cheaper than {@link verifyChain} over everything; a full re-hash of the log is
 * only caught by an anchor (`lianxin audit verify --anchor`).
 *
 * @returns one sentence per problem; empty when the stream is intact.
 */
export async function verifyStream(session: Session, stream: string): Promise<string[]> {
  const rows = await session.db.selectFrom('events').selectAll().where('stream', '=', stream).orderBy('seq').execute()
  const problems: string[] = []
  for (const row of rows) {
    if (eventHash(row.prev_hash, row) !== row.hash) {
      problems.push(`event ${row.seq} (${row.type}) was changed after it was written: its content no longer matches its hash`)
      continue
    }
    const previous = row.seq === 1 ? { hash: GENESIS_HASH } : await session.db.selectFrom('events').select('hash').where('seq', '=', row.seq - 1).executeTakeFirst()
    if (previous?.hash !== row.prev_hash) problems.push(`event ${row.seq} (${row.type}) does not link to event ${row.seq - 1}: events were inserted, removed or reordered`)
  }
  return problems
}
