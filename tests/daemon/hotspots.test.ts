import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LianxinConfig } from '../../src/config/index.js'
import { hotspotNotices } from '../../src/daemon/notices.js'
import { runDaemon } from '../../src/daemon/daemon.js'
import { caseContext } from '../../src/tickets/service.js'
import type { Hotspot } from '../../src/triage/hotspots.js'
import { pingfangConfig } from '../helpers/bureau.js'
import { daemonWorld, quietLog, type DaemonWorld } from '../helpers/daemon.js'
import { manualClock, sqliteBackend, type TestStore } from '../helpers/stores.js'

describe('the daily hotspot briefing (舆情热点, 分类推送)', () => {
  const clock = manualClock('2026-11-30T23:30:00.000Z') // 07:30 on 12-01 in Harbin
  let world: DaemonWorld
  let config: LianxinConfig
  let t: TestStore
  const once = () => runDaemon({ store: t.store, config, baseDir: '/tmp', once: true, logger: quietLog })
  /** The briefings the webhook received: key → recipients. */
  const briefings = () =>
    new Map(
      world.capture.webhook.received
        .filter((m) => m.body.kind === 'hotspot')
        .map((m) => [String(m.body.key), (m.body.recipients as Array<{ name: string }>).map((r) => r.name).sort()]),
    )

  beforeAll(async () => {
    world = await daemonWorld({ now: () => clock.now().getTime() })
    config = { ...world.config, notify: { ...world.config.notify, hotspots: { at: '08:00', days: 60, top: 5, minSize: 2 } } }
    t = await sqliteBackend.open({ now: clock.now })
  }, 30_000)
  afterAll(async () => {
    await t.cleanup()
    await world.close()
  })

  it('goes out once, in the hour after its time, to the leaders and to each department about its own topics', async () => {
    expect((await once()).last!.hotspotsQueued).toBe(0) // 07:30: not yet
    expect(briefings().size).toBe(0)
    clock.advance(40 * 60_000) // 08:10
    const report = (await once()).last!
    expect(report.hotspotsQueued).toBeGreaterThan(0)
    const sent = briefings()
    expect(sent.get('hotspots:2026-12-01')).toEqual(['liuju', 'wangqu'])
    const departmental = [...sent.keys()].filter((k) => k.startsWith('hotspots:2026-12-01:'))
    expect(departmental.length).toBeGreaterThan(0)
    for (const key of departmental) {
      const dept = config.departments.find((d) => d.id === key.split(':')[2])!
      const handlers = config.users.filter((u) => u.department === dept.id && u.roles.includes('handler')).map((u) => u.name).sort()
      expect(sent.get(key)).toEqual(handlers)
    }
    clock.advance(20 * 60_000) // 08:30: already sent today
    expect((await once()).last!.hotspotsQueued).toBe(0)
    expect(briefings().size).toBe(sent.size)
    clock.advance(60 * 60_000) // 09:30: past the hour
    expect((await once()).last!.hotspotsQueued).toBe(0)
    expect(world.capture.webhook.received.filter((m) => m.body.kind === 'hotspot').length).toBe(sent.size)
  }, 120_000)

  it('names each hotspot with its topic, place, size and growth, and sends nothing when there is none', async () => {
    const base = pingfangConfig((doc) => {
      doc.notify = { hotspots: { days: 7 } }
    })
    const ctx = await caseContext(t.store, base)
    const hotspot = {
      key: 'h1',
      topic: '供暖与公用事业',
      place: { zoneId: 'xingjian', community: '和平社区' },
      postCount: 6,
      previousCount: 1,
      growth: 5,
      engagement: 12,
      urgent: 2,
      sources: { weibo: 4, liuyan: 2 },
      firstSeen: '2026-11-25T00:00:00.000Z',
      lastSeen: '2026-11-30T00:00:00.000Z',
      score: { total: 6, size: 2.8, growth: 1.8, engagement: 0.6, urgency: 0.8 },
      titles: ['北厂文化小区暖气不热'],
      postIds: [1, 2, 3, 4, 5, 6],
    } satisfies Hotspot
    const notices = hotspotNotices(base, ctx.people, ctx.policy, [hotspot], '2026-12-01', '2026-12-01T00:10:00.000Z')
    const leaders = notices.find((n) => n.notification.key === 'hotspots:2026-12-01')!
    expect(leaders.notification).toMatchObject({ kind: 'hotspot', urgency: '紧急', title: '2026-12-01 舆情热点 1 个', action: 'lianxin hotspots --days 7' })
    expect(leaders.notification.lines).toEqual(['1. 供暖与公用事业 · 兴建街道 和平社区：6 条（前 7 天 1 条），紧急 2 — 北厂文化小区暖气不热'])
    expect(hotspotNotices(base, ctx.people, ctx.policy, [], '2026-12-01', '2026-12-01T00:10:00.000Z')).toEqual([])
  })
})
