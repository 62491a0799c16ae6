/**
 * 延期 and 暂停 through the actions staff and leaders take (`tickets extend`): only a bureau head or
 * the supervising leader approves, always with a reason, and only before the deadline; anyone who
 * dispatches may resume a paused clock.
 */
import { describe, expect, it } from 'vitest'
import type { UsageError } from '../../src/errors.js';
import { RefusedError } from '../../src/errors.js'
import { acceptTicket, extendClock, pauseClock } from '../../src/tickets/actions.js'
import { clockStatus } from '../../src/tickets/clocks/index.js'
import { loadCase } from '../../src/tickets/service.js'
import { citizenCase, pingfangConfig, useBureau } from '../helpers/bureau.js'
import { rejection } from '../helpers/rejection.js'
import { manualClock } from '../helpers/stores.js'

const config = pingfangConfig()
const HOUR = 3600_000

describe('extending and pausing a clock', () => {
  const clock = manualClock('2026-12-01T01:00:00.000Z') // a Tuesday, 09:00 in Harbin
  const world = useBureau(clock, config)
  const refusal = (p: Promise<unknown>) => rejection<RefusedError | UsageError>(p)
  const assignClock = async (id: number) => clockStatus((await loadCase(world.t.store, id)).state, world.ctx.policy, clock.now()).find((c) => c.name === 'assign')!

  it('extends a clock only by a leader, with a reason, before the deadline', async () => {
    const id = await citizenCase(world.t.store)
    await acceptTicket(world.t.store, world.ctx, id, 'zhangwei')
    const due = Date.parse((await assignClock(id)).dueAt)

    const staff = await refusal(extendClock(world.t.store, world.ctx, { id, actor: 'zhangwei', clock: 'assign', by: '1d', reason: '需协调多部门' }))
    expect(staff).toBeInstanceOf(RefusedError)
    expect(staff.message).toMatch(/may not approve extensions/)
    expect((await refusal(extendClock(world.t.store, world.ctx, { id, actor: 'liuju', clock: 'assign', by: 'soon', reason: 'x' }))).message).toBe('--by soon: not a duration; write 3d, 12h or 1w')
    expect((await refusal(extendClock(world.t.store, world.ctx, { id, actor: 'liuju', clock: 'reply-ish', by: '1d', reason: 'x' }))).message).toMatch(/--clock reply-ish: use one of accept, assign/)
    expect((await refusal(extendClock(world.t.store, world.ctx, { id, actor: 'liuju', clock: 'assign', by: '1d', reason: ' ' }))).message).toBe('an extension needs a reason')

    await extendClock(world.t.store, world.ctx, { id, actor: 'liuju', clock: 'assign', by: '1d', reason: '需协调多部门' })
    const extended = Date.parse((await assignClock(id)).dueAt)
    expect(extended).toBeGreaterThan(due) // one (working) day later
    clock.advance(extended - clock.now().getTime() + HOUR) // past the new deadline
    const late = await refusal(extendClock(world.t.store, world.ctx, { id, actor: 'wangqu', clock: 'assign', by: '1d', reason: '再延一天' }))
    expect(late).toBeInstanceOf(RefusedError)
    expect(late.message).toMatch(/deadline/)
  })

  it('pauses with a leader’s approval and a reason, and staff resume it', async () => {
    const id = await citizenCase(world.t.store)
    await acceptTicket(world.t.store, world.ctx, id, 'zhangwei')
    expect((await refusal(pauseClock(world.t.store, world.ctx, { id, actor: 'zhangwei', clock: 'assign', reason: '等待鉴定' }))).message).toMatch(/may not approve pauses/)
    expect((await refusal(pauseClock(world.t.store, world.ctx, { id, actor: 'liuju', clock: 'assign' }))).message).toBe('a pause needs a reason')
    await pauseClock(world.t.store, world.ctx, { id, actor: 'liuju', clock: 'assign', reason: '等待司法鉴定结果' })
    expect((await assignClock(id)).state).toBe('paused')
    expect((await refusal(pauseClock(world.t.store, world.ctx, { id, actor: 'wangqu', clock: 'assign', reason: '再停' }))).message).toMatch(/already paused/)
    clock.advance(48 * HOUR) // two days paused: nothing runs out
    await pauseClock(world.t.store, world.ctx, { id, actor: 'zhangwei', clock: 'assign', resume: true })
    const resumed = await assignClock(id)
    expect(resumed.state).toBe('running')
    expect(resumed.pausedMs).toBe(48 * HOUR)
  })
})
