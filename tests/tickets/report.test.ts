import { describe, expect, it } from 'vitest'
import { createPublishChannel } from '../../src/publish/index.js'
import { publishReply } from '../../src/replies/publish.js'
import { draftReply } from '../../src/replies/service.js'
import { acceptTicket, assignTicket, characteriseTicket, finishSubtask, handBack, mergeTicket, rateTicket } from '../../src/tickets/actions.js'
import { renderReport } from '../../src/tickets/render.js'
import { bureauReport } from '../../src/tickets/report.js'
import { satisfied } from '../../src/tickets/workflow/index.js'
import { STREET_LIGHT_REPLY, citizenCase, pingfangConfig, useBureau } from '../helpers/bureau.js'
import { startReplyReceiver } from '../helpers/reply-receiver.js'
import { manualClock } from '../helpers/stores.js'

const config = pingfangConfig()
const HOUR = 3600_000

describe("the bureau's figures for a period", () => {
  const clock = manualClock('2026-11-30T15:00:00.000Z') // 23:00 in Harbin, the day before December
  const world = useBureau(clock, config)

  it('counts cases, the five clocks kept or missed, satisfaction and each unit, for the cases opened in the period', async () => {
    const receiver = await startReplyReceiver('reply-secret')
    const portal = createPublishChannel({ id: 'portal', kind: 'webhook', enabled: true, url: receiver.url, secret: 'reply-secret' }, { configDir: '/tmp' })
    try {
      await citizenCase(world.t.store, '十一月的旧案') // opened in November: outside the period
      clock.advance(2 * HOUR) // now 2026-12-01 01:00 in Harbin
      const answered = await citizenCase(world.t.store, '兴建小区路灯不亮')
      await citizenCase(world.t.store, '保国小区地下室返水') // never accepted
      const twin = await citizenCase(world.t.store, '兴建小区路灯不亮（重复）')
      const bounced = await citizenCase(world.t.store, '新伟小区违建')
      clock.advance(30 * 60_000)
      for (const id of [answered, twin, bounced]) await acceptTicket(world.t.store, world.ctx, id, 'zhangwei') // within the hour
      await mergeTicket(world.t.store, world.ctx, twin, 'zhangwei', answered)
      await assignTicket(world.t.store, world.ctx, config, { id: bounced, actor: 'zhangwei', lead: 'xinwei', assist: ['zhujian'] })
      await handBack(world.t.store, world.ctx, config, { id: bounced, actor: 'zhangwei', owner: 'zhujian', reason: '不属于住建职责', proposedOwner: 'chengguan' })
      clock.advance(30 * HOUR) // the one-day assign clock has run out
      await assignTicket(world.t.store, world.ctx, config, { id: answered, actor: 'zhangwei', lead: 'xingjian', assist: [] })
      await finishSubtask(world.t.store, world.ctx, { id: answered, actor: 'lina', owner: 'xingjian' })
      await characteriseTicket(world.t.store, world.ctx, { id: answered, actor: 'zhangwei', kind: 'petition' })
      await draftReply(world.t.store, world.ctx, { ticketId: answered, author: 'zhangwei', text: STREET_LIGHT_REPLY, submit: true })
      for (const who of ['liuju', 'wangqu'] as const) await world.sign(answered, who)
      await publishReply(world.t.store, world.ctx, { ticketId: answered, actor: 'zhangwei', channel: portal })
      await rateTicket(world.t.store, world.ctx, { id: answered, actor: 'lina', grade: '4', source: 'phone' })

      const report = await bureauReport(world.t.store, world.ctx.policy, { from: new Date('2026-11-30T16:00:00.000Z'), to: new Date('2026-12-31T16:00:00.000Z'), now: clock.now() })
      expect(report.cases).toEqual({ received: 4, open: 3, closed: 0, merged: 1, completionRate: 0 })
      expect(report.clocks.accept).toEqual({ met: 2, late: 0, overdue: 1, pending: 0, rate: 2 / 3 })
      expect(report.clocks.assign).toMatchObject({ met: 1, late: 1, overdue: 1 }) // the bounced case was assigned in time
      expect(report.clocks.characterise).toMatchObject({ met: 1, pending: 2 })
      expect(report.satisfaction).toEqual({ rated: 1, satisfied: 1, notSatisfied: 0, rate: 1 })
      // Triage proposed 兴建街道 for the neglected case too: its accept and assign clocks count against it.
      expect(report.units.find((u) => u.unit === 'xingjian')).toMatchObject({ led: 2, missed: 3, satisfaction: 1 })
      expect(report.units.find((u) => u.unit === 'zhujian')).toMatchObject({ handBacks: 1 })

      const text = renderReport(report, config, { from: '2026-12-01', to: '2027-01-01' })
      expect(text).toMatch(/4 received, 0 closed, 3 open, 1 merged; 办结率 0\.0%/)
      expect(text).toMatch(/满意率 100\.0% \(1 satisfied of 1 rated\)/)
      expect(text).toMatch(/一时接访\s+2\s+0\s+1\s+0\s+66\.7%/)
    } finally {
      await receiver.close()
    }
  })

  it('reads the grades the way the bureau counts them', () => {
    expect(['satisfied', 'basically', 5, 4].map((g) => satisfied(g as never))).toEqual([true, true, true, true])
    expect(['dissatisfied', 'partly-solved', 2, 1].map((g) => satisfied(g as never))).toEqual([false, false, false, false])
    expect(satisfied(3)).toBeNull()
  })
})
