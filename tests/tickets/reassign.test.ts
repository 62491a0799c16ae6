/**
 * 退单 then 交办 again: `tickets assign ID` without --lead (what the inbox tells staff to run)
 * gives the case to the owners the units proposed when they handed it back, never back to them.
 */
import { describe, expect, it } from 'vitest'
import { acceptTicket, assignTicket, handBack } from '../../src/tickets/actions.js'
import { citizenCase, pingfangConfig, useBureau } from '../helpers/bureau.js'
import { manualClock } from '../helpers/stores.js'

const config = pingfangConfig()

describe('assigning a case again after a hand-back', () => {
  const clock = manualClock('2026-12-01T01:00:00.000Z')
  const world = useBureau(clock, config)
  const units = async (id: number, input: { lead?: string; assist?: string[] } = {}) => {
    const { state } = await assignTicket(world.t.store, world.ctx, config, { id, actor: 'zhangwei', ...input })
    return [state.lead, [...state.assist], state.subtasks.map((s) => `${s.owner}:${s.role}:${s.status}`)]
  }

  it('replaces each unit that handed it back by the owner it proposed, and keeps the others', async () => {
    const id = await citizenCase(world.t.store)
    await acceptTicket(world.t.store, world.ctx, id, 'zhangwei')
    expect(await units(id, { lead: 'xingjian', assist: ['wuye', 'zhujian'] })).toEqual(['xingjian', ['wuye', 'zhujian'], ['xingjian:lead:open', 'wuye:assist:open', 'zhujian:assist:open']])
    await handBack(world.t.store, world.ctx, config, { id, actor: 'chenqiang', owner: 'wuye', reason: '不属于物业办职责', proposedOwner: 'chengguan' })
    expect(await units(id)).toEqual(['xingjian', ['chengguan', 'zhujian'], ['xingjian:lead:open', 'chengguan:assist:open', 'zhujian:assist:open']])

    // The lead hands it back: its proposal leads; a proposal already assisting is not listed twice.
    await handBack(world.t.store, world.ctx, config, { id, actor: 'lina', owner: 'xingjian', reason: '属于住建局职责', proposedOwner: 'zhujian' })
    expect(await units(id)).toEqual(['zhujian', ['chengguan'], ['zhujian:lead:open', 'chengguan:assist:open']])
    // Named units win over the proposals.
    await handBack(world.t.store, world.ctx, config, { id, actor: 'zhangwei', owner: 'chengguan', reason: '非城管职责', proposedOwner: 'wuye' })
    expect(await units(id, { lead: 'zhujian', assist: ['xingjian'] })).toEqual(['zhujian', ['xingjian'], ['zhujian:lead:open', 'xingjian:assist:open']])
  })
})
