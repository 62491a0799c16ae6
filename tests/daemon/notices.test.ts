import { describe, expect, it } from 'vitest'
import { workflowNotices } from '../../src/daemon/notices.js'
import { draftReply, rejectReply } from '../../src/replies/service.js'
import { acceptTicket, assignTicket, characteriseTicket, finishSubtask } from '../../src/tickets/actions.js'
import { loadCase } from '../../src/tickets/service.js'
import { STREET_LIGHT_REPLY, citizenCase, pingfangConfig, useBureau } from '../helpers/bureau.js'
import { manualClock } from '../helpers/stores.js'

const config = pingfangConfig()
const REPLY = STREET_LIGHT_REPLY

describe('what a case asks of people, pushed by the daemon', () => {
  const clock = manualClock('2026-12-01T01:00:00.000Z')
  const world = useBureau(clock, config)

  const notices = async (id: number) =>
    workflowNotices(config, world.ctx.people, world.ctx.policy, (await loadCase(world.t.store, id)).state, clock.now().toISOString()).map((n) => [n.notification.key, n.notification.kind, n.notification.recipients])

  it('asks each signer in turn, tells the author of a rejection, and the bureau of a dissatisfied citizen', async () => {
    const id = await citizenCase(world.t.store)
    await acceptTicket(world.t.store, world.ctx, id, 'zhangwei')
    const assigned = await assignTicket(world.t.store, world.ctx, config, { id, actor: 'zhangwei' })
    for (const s of assigned.state.subtasks) await finishSubtask(world.t.store, world.ctx, { id, actor: 'zhangwei', owner: s.owner })
    await characteriseTicket(world.t.store, world.ctx, { id, actor: 'zhangwei', kind: 'petition' })
    expect(await notices(id)).toEqual([])

    // A draft by the bureau head: the only bureau head is its author, so nobody is asked.
    await draftReply(world.t.store, world.ctx, { ticketId: id, author: 'liuju', text: REPLY, submit: true })
    expect(await notices(id)).toEqual([])
    await draftReply(world.t.store, world.ctx, { ticketId: id, author: 'zhangwei', text: `${REPLY} `, submit: true })
    expect(await notices(id)).toEqual([[`sign:${id}:v2:bureau-head`, 'sign-request', ['liuju']]])
    await rejectReply(world.t.store, world.ctx, { ticketId: id, approver: 'liuju', reason: '请写明安装路灯的具体数量' })
    expect(await notices(id)).toEqual([[`rejected:${id}:v2`, 'rejected', ['zhangwei']]])

    await draftReply(world.t.store, world.ctx, { ticketId: id, author: 'zhangwei', text: `${REPLY}共安装路灯12盏。`, submit: true })
    await world.sign(id, 'liuju')
    expect(await notices(id)).toEqual([[`sign:${id}:v3:leader`, 'sign-request', ['wangqu']]])
    await world.sign(id, 'wangqu')
    expect(await notices(id)).toEqual([])

    // A low grade is the bureau heads' to look at, one notice per rating (workflowNotices reads the state only).
    const state = (await loadCase(world.t.store, id)).state
    const rated = { ...state, status: 'published' as const, ratings: [{ round: 1, grade: 'satisfied' as const, source: 'phone', at: clock.now().toISOString(), by: 'zhangwei' }, { round: 1, grade: 2 as const, source: 'board', at: clock.now().toISOString(), by: 'system:crawl' }] }
    expect(workflowNotices(config, world.ctx.people, world.ctx.policy, rated, clock.now().toISOString()).map((n) => [n.notification.key, n.notification.kind, n.notification.recipients])).toEqual([[`dissatisfied:${id}:1`, 'dissatisfied', ['liuju']]])
  })
})
