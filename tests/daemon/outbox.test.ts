import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startCaptureServers, type CaptureServers } from '../../fixtures/capture/index.js'
import type { LianxinConfig } from '../../src/config/index.js'
import { buildNotifiers } from '../../src/daemon/daemon.js'
import { enqueue } from '../../src/daemon/notices.js'
import { deliverOutbox, plan } from '../../src/daemon/outbox.js'
import type { Notifier } from '../../src/notify/notifier.js'
import { listEvents } from '../../src/store/events.js'
import type { OutboxRow } from '../../src/store/types.js'
import { pingfangConfig } from '../helpers/bureau.js'
import { quietLog } from '../helpers/daemon.js'
import { manualClock, sqliteBackend, type TestStore } from '../helpers/stores.js'

/**
 * The daemon's delivery never waits on a chat bot's rate limit: what the channel cannot take now
 * goes back to the outbox for a later cycle, and nothing is lost or sent twice. The clock here
 * only moves when the test moves it, so a delivery that waited would hang (and time out).
 */
describe('planning a run', () => {
  const rows = (urgent: number, later: number) =>
    Array.from({ length: urgent + later }, (_, i) => ({ key: `k${i}`, urgent: i < urgent ? 1 : 0 }) as OutboxRow)
  const shape = (p: ReturnType<typeof plan>) => ({ singles: p.singles.length, digests: p.digests.map((d) => d.length), deferred: p.deferred.length })

  it.each([
    // urgent, later, perRun → singles, digest sizes, deferred
    [3, 0, 18, { singles: 3, digests: [], deferred: 0 }],
    [3, 25, 18, { singles: 3, digests: [10, 10, 5], deferred: 0 }],
    [18, 0, 18, { singles: 18, digests: [], deferred: 0 }],
    [19, 0, 18, { singles: 17, digests: [2], deferred: 0 }],
    [45, 0, 18, { singles: 15, digests: [10, 10, 10], deferred: 0 }],
    [150, 40, 18, { singles: 0, digests: Array(18).fill(10), deferred: 10 }],
    [5, 5, 1, { singles: 0, digests: [10], deferred: 0 }],
    [0, 30, 2, { singles: 0, digests: [10, 10], deferred: 10 }],
  ] as const)('%i urgent + %i later in %i messages', (urgent, later, perRun, expected) => {
    const p = plan(rows(urgent, later), perRun, 10)
    expect(shape(p)).toEqual(expected)
    // Every row exactly once, urgent ones before the rest.
    const order = [...p.singles, ...p.digests.flat(), ...p.deferred].map((r) => r.key)
    expect(order).toEqual(rows(urgent, later).map((r) => r.key))
  })
})

describe('the daemon outbox under a bot rate limit', () => {
  const clock = manualClock('2026-11-30T02:00:00.000Z')
  let capture: CaptureServers
  let config: LianxinConfig
  let t: TestStore
  let notifiers: Map<string, Notifier>

  beforeAll(async () => {
    capture = await startCaptureServers({ now: () => clock.now().getTime() })
    config = pingfangConfig((doc) => {
      doc.notify = { channels: [{ id: 'wecom-bureau', kind: 'wecom', url: capture.wecom.url }], digestEvery: '1h' }
    })
  })
  afterAll(async () => {
    await capture.close()
  })
  beforeEach(async () => {
    await t?.cleanup()
    capture.wecom.reset()
    t = await sqliteBackend.open({ now: clock.now })
    notifiers = buildNotifiers(config, t.store, quietLog)
  })
  afterAll(async () => {
    for (const n of notifiers.values()) await n.close()
    await t.cleanup()
  })

  const queue = async (from: number, to: number) => {
    for (let i = from; i <= to; i++) {
      const at = clock.now().toISOString()
      await enqueue(
        t.store,
        config,
        {
          urgent: true,
          ticketId: null,
          notification: { key: `urgent:post:${i}:v1`, kind: 'urgent-post', urgency: '特急', title: `特急：第${i}条`, lines: [], cues: ['煤气'], action: 'lianxin tickets accept', at, recipients: ['liuju'] },
        },
        clock.now(),
      )
    }
  }
  const deliver = () => deliverOutbox(t.store, { holder: 'test', postgres: false, notifiers })
  /** Every notification key WeCom showed, digests opened up (their text lists the titles). */
  const shown = () => capture.wecom.received.flatMap((m) => [...m.content.matchAll(/第(\d+)条/g)].map((x) => Number(x[1])))
  const statuses = async () => (await t.store.db.selectFrom('outbox').select(['status']).execute()).map((r) => r.status)

  it('sends what the channel takes now, gives the rest back unsent, and delivers everything in later runs, each once', async () => {
    await queue(1, 45)
    const first = await deliver()
    // 18 messages carry all 45: 15 alone, 30 in three digests of 10.
    expect(first).toMatchObject({ messages: 18, sent: 45, deferred: 0 })

    // More arrive at once: the bot has 2 of its 20 a minute left, so 2 digests go, nothing waits.
    await queue(46, 75)
    expect(await deliver()).toMatchObject({ messages: 2, sent: 20, deferred: 10 })
    // And now none: the next one is given back for when the window has room.
    await queue(76, 76)
    expect(await deliver()).toMatchObject({ messages: 0, sent: 0, deferred: 1 })
    const pending = await t.store.db.selectFrom('outbox').select(['not_before', 'attempts']).where('status', '=', 'pending').execute()
    expect(pending).toHaveLength(10 + 1)
    for (const row of pending) {
      expect(Date.parse(row.not_before)).toBeGreaterThan(clock.now().getTime())
      expect(row.attempts).toBe(0) // a deferral is not a failed attempt
    }

    for (let run = 0; run < 5 && (await statuses()).includes('pending'); run++) {
      clock.advance(61_000)
      expect((await deliver()).failed).toBe(0)
    }
    expect(await statuses()).toEqual(Array(76).fill('sent'))
    expect(shown().sort((a, b) => a - b)).toEqual(Array.from({ length: 76 }, (_, i) => i + 1))
    expect(capture.wecom.log.every((l) => l.outcome === 'accepted')).toBe(true)
    expect(await listEvents(t.store, { types: ['notify.sent'] })).toHaveLength(76)
  })

  it('a platform\'s "too fast" is not waited out in the cycle: the row retries later, the others wait their turn', async () => {
    await queue(1, 3)
    capture.wecom.rateLimitNext(1)
    const first = await deliver()
    expect(first).toMatchObject({ sent: 0, retrying: 1, deferred: 2, messages: 1 })
    const rows = await t.store.db.selectFrom('outbox').select(['key', 'status', 'attempts', 'last_error', 'not_before']).orderBy('key').execute()
    const refused = rows.find((r) => r.last_error !== null)!
    expect(refused).toMatchObject({ status: 'pending', attempts: 1 })
    expect(refused.last_error).toMatch(/45009|too/i)
    // The bot asked for a minute's rest, and gets it.
    expect(await deliver()).toMatchObject({ sent: 0, messages: 0 })

    clock.advance(90_000)
    const later = await deliver()
    expect(later.sent).toBe(3)
    expect(await statuses()).toEqual(['sent', 'sent', 'sent'])
    expect(shown().sort()).toEqual([1, 2, 3])
  })

  it('retries a channel that is down after 1, 2, 4 and 8 minutes, then records the notification as failed', async () => {
    await queue(1, 1)
    capture.wecom.failNext(1000, 502)
    const tries = () => capture.wecom.log.length
    const row = async () => (await t.store.db.selectFrom('outbox').select(['status', 'attempts', 'not_before', 'last_error']).executeTakeFirstOrThrow())
    const waits: number[] = []
    for (let run = 1; run <= 5; run++) {
      const before = tries()
      const report = await deliver()
      expect(tries() - before, `run ${run}: one try and one quick retry`).toBe(2)
      const r = await row()
      expect(r.attempts).toBe(run)
      expect(r.last_error).toMatch(/502/)
      if (run < 5) {
        expect([report.retrying, r.status]).toEqual([1, 'pending'])
        const wait = Date.parse(r.not_before) - clock.now().getTime()
        waits.push(wait / 60_000)
        // Not before its time: a run now tries nothing.
        expect((await deliver()).messages).toBe(0)
        expect(tries() - before).toBe(2)
        clock.advance(wait)
      } else {
        expect([report.failed, r.status]).toEqual([1, 'failed'])
      }
    }
    expect(waits).toEqual([1, 2, 4, 8])
    const failed = await listEvents(t.store, { types: ['notify.failed'] })
    expect(failed.map((e) => [e.key, (e.payload as { runs: number }).runs])).toEqual([['notify.failed:urgent:post:1:v1@wecom-bureau', 5]])
    capture.wecom.failNext(0)
    clock.advance(3600_000)
    expect((await deliver()).messages).toBe(0) // failed is final
  })

  it('fails at once a notification for a channel no longer configured', async () => {
    await queue(1, 1)
    const report = await deliverOutbox(t.store, { holder: 'test', postgres: false, notifiers: new Map() })
    expect(report.failed).toBe(1)
    const r = await t.store.db.selectFrom('outbox').select(['status', 'last_error']).executeTakeFirstOrThrow()
    expect(r).toEqual({ status: 'failed', last_error: 'channel wecom-bureau is no longer configured or enabled' })
    expect((await listEvents(t.store, { types: ['notify.failed'] })).map((e) => e.key)).toEqual(['notify.failed:urgent:post:1:v1@wecom-bureau'])
  })
})
