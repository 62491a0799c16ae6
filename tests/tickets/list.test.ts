/**
 * `tickets list` filters: overdue, due within a duration, by zone and by department, a limit; a
 * paused clock is neither the next deadline nor due soon.
 */
import { describe, expect, it } from 'vitest'
import { acceptTicket, assignTicket, pauseClock } from '../../src/tickets/actions.js'
import { listCases } from '../../src/tickets/query.js'
import { citizenCase, pingfangConfig, useBureau } from '../helpers/bureau.js'
import { manualClock } from '../helpers/stores.js'

const config = pingfangConfig()
const DAY = 86_400_000

describe('listing cases with their clocks', () => {
  const clock = manualClock('2026-12-01T01:00:00.000Z')
  const world = useBureau(clock, config)
  const list = async (options: Omit<Parameters<typeof listCases>[2], 'now'> = {}) =>
    (await listCases(world.t.store, world.ctx.policy, { ...options, now: clock.now() })).map((r) => [r.id, r.next?.name ?? null, r.overdue])

  it('finds what is overdue, what falls due soon, and each unit’s cases', async () => {
    const store = world.t.store
    const a = await citizenCase(store, '兴建小区路灯不亮')
    const b = await citizenCase(store, '新伟小区违建')
    const c = await citizenCase(store, '保国小区地下室返水')
    for (const id of [a, b]) await acceptTicket(store, world.ctx, id, 'zhangwei')
    await assignTicket(store, world.ctx, config, { id: a, actor: 'zhangwei', lead: 'xingjian', assist: ['wuye'] })
    await assignTicket(store, world.ctx, config, { id: b, actor: 'zhangwei', lead: 'xinwei', assist: [] })
    await pauseClock(store, world.ctx, { id: b, actor: 'liuju', clock: 'characterise', reason: '等待司法鉴定结果' })
    clock.advance(70 * 60_000) // c was never accepted: 一时接访 is past

    expect(await list()).toEqual([
      [a, 'characterise', []],
      [b, 'reply', []], // its paused 一周定性 is not the next deadline
      [c, 'accept', ['accept']],
    ])
    expect(await list({ overdue: true })).toEqual([[c, 'accept', ['accept']]])
    expect((await list({ dueWithinMs: 8 * DAY })).map(([id]) => id)).toEqual([a, c])
    expect((await list({ dueWithinMs: 11 * DAY })).map(([id]) => id)).toEqual([a, b, c])
    expect((await list({ zone: 'xinwei' })).map(([id]) => id)).toEqual([b])
    expect((await list({ dept: 'wuye' })).map(([id]) => id)).toEqual([a])
    expect((await list({ dept: 'xingjian' })).map(([id]) => id)).toEqual([a, c])
    expect((await list({ status: ['received'] })).map(([id]) => id)).toEqual([c])
    expect((await list({ limit: 2 })).map(([id]) => id)).toEqual([a, b])
  })
})
