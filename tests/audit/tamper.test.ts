import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/audit/canonical.js'
import { eventHash } from '../../src/audit/chain.js'
import { verifyChain } from '../../src/audit/verify.js'
import { appendEvent, listEvents, type StoredEvent } from '../../src/store/events.js'
import { asAttacker } from '../helpers/tamper.js'
import { backends, manualClock, type TestStore } from '../helpers/stores.js'

describe.each(backends)('audit verify on $name catches tampering', (backend) => {
  let t: TestStore
  let events: StoredEvent[]

  beforeEach(async () => {
    const clock = manualClock()
    t = await backend.open({ now: clock.now })
    for (let i = 1; i <= 8; i++) {
      clock.advance(60_000)
      await appendEvent(t.store, { stream: `ticket:${i % 3}`, type: 'ticket.noted', actor: 'zhangwei', payload: { i, note: `第${i}条记录` } })
    }
    events = await listEvents(t.store)
  })
  afterEach(async () => {
    await t.cleanup()
  })

  const forged = (prevHash: string, payload: unknown) => {
    const content = { at: '2026-11-28T09:00:00.000Z', actor: 'mallory', stream: 'ticket:1', type: 'ticket.closed', key: null, payload: canonicalJson(payload) }
    return { ...content, prev_hash: prevHash, hash: eventHash(prevHash, content) }
  }
  const insertRow = (seq: number, row: ReturnType<typeof forged>) => ({
    sql: 'insert into events (seq, at, actor, stream, type, key, payload, prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    params: [seq, row.at, row.actor, row.stream, row.type, row.key, row.payload, row.prev_hash, row.hash],
  })

  it('passes an untouched log and reports its head', async () => {
    const report = await verifyChain(t.store)
    expect(report).toMatchObject({ ok: true, events: 8, head: { seq: 8, hash: events[7]!.hash }, findings: [] })
  })

  it('finds an event whose content was changed', async () => {
    await asAttacker(t, [{ sql: `update events set payload = $1 where seq = 3`, params: ['{"i":3,"note":"已办结"}'] }])
    const report = await verifyChain(t.store)
    expect(report.ok).toBe(false)
    expect(report.first).toMatchObject({ kind: 'changed', seq: 3 })
    expect(report.findings).toHaveLength(1)
  })

  it('finds a changed actor or time as well as a changed payload', async () => {
    await asAttacker(t, [{ sql: `update events set actor = 'liuju', at = '2026-11-28T08:00:30.000Z' where seq = 6` }])
    expect((await verifyChain(t.store)).first).toMatchObject({ kind: 'changed', seq: 6 })
  })

  it('finds an event that was removed from the middle', async () => {
    await asAttacker(t, [{ sql: 'delete from events where seq = 5' }])
    const report = await verifyChain(t.store)
    expect(report.first).toMatchObject({ kind: 'removed', seq: 6 })
  })

  it('finds events removed from the end', async () => {
    await asAttacker(t, [{ sql: 'delete from events where seq >= 7' }])
    const report = await verifyChain(t.store)
    expect(report.first).toMatchObject({ kind: 'removed', seq: 7 })
  })

  it('finds a forged event inserted in the middle with a valid hash', async () => {
    const row = forged(events[3]!.hash, { ticketId: 1 })
    await asAttacker(t, [
      { sql: 'update events set seq = seq + 1000 where seq >= 5' },
      { sql: 'update events set seq = seq - 999 where seq >= 1000' },
      insertRow(5, row),
    ])
    const report = await verifyChain(t.store)
    expect(report.first).toMatchObject({ kind: 'inserted', seq: 5 })
  })

  it('finds a forged event appended at the end behind lianxin\'s back', async () => {
    await asAttacker(t, [insertRow(9, forged(events[7]!.hash, { ticketId: 2 }))])
    const report = await verifyChain(t.store)
    expect(report.first).toMatchObject({ kind: 'inserted', seq: 9 })
  })

  it('finds events that were reordered', async () => {
    await asAttacker(t, [
      { sql: 'update events set seq = -1 where seq = 3' },
      { sql: 'update events set seq = 3 where seq = 4' },
      { sql: 'update events set seq = 4 where seq = -1' },
    ])
    const report = await verifyChain(t.store)
    expect(report.first).toMatchObject({ kind: 'reordered', seq: 3 })
  })

  it('finds a log re-hashed from some point on only against an anchor', async () => {
    // The attacker rewrites event 4 and recomputes every later hash and the head.
    const statements: Array<{ sql: string; params?: unknown[] }> = []
    let prev = events[2]!.hash
    for (const e of events.slice(3)) {
      const content = { at: e.at, actor: e.actor, stream: e.stream, type: e.type, key: e.key, payload: canonicalJson(e.seq === 4 ? { i: 4, note: '改写' } : e.payload) }
      const hash = eventHash(prev, content)
      statements.push({ sql: 'update events set payload = $1, prev_hash = $2, hash = $3 where seq = $4', params: [content.payload, prev, hash, e.seq] })
      prev = hash
    }
    statements.push({ sql: 'update chain_head set seq = 8, hash = $1 where id = 1', params: [prev] })
    await asAttacker(t, statements)
    expect((await verifyChain(t.store)).ok).toBe(true)
    const anchored = await verifyChain(t.store, [{ seq: 6, hash: events[5]!.hash }])
    expect(anchored.first).toMatchObject({ kind: 'anchor-mismatch', seq: 6 })
  })
})
