import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workflowNotices } from '../../src/daemon/notices.js'
import { createPublishChannel } from '../../src/publish/index.js'
import { publishReply } from '../../src/replies/publish.js'
import { draftReply, rejectReply } from '../../src/replies/service.js'
import { acceptTicket, assignTicket, characteriseTicket, closeTicket, finishSubtask, rateTicket } from '../../src/tickets/actions.js'
import { loadCase } from '../../src/tickets/service.js'
import { STREET_LIGHT_REPLY, citizenCase, pingfangConfig, signedCase, submittedCase, useBureau } from '../helpers/bureau.js'
import { useDaemonCycles } from '../helpers/daemon.js'
import { startReplyReceiver, type ReplyReceiver } from '../helpers/reply-receiver.js'
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

describe('a low grade recorded and its case closed between two daemon cycles', () => {
  const clock = manualClock('2026-12-01T01:00:00.000Z')
  const daemon = useDaemonCycles(clock)
  let receiver: ReplyReceiver
  beforeAll(async () => {
    receiver = await startReplyReceiver('reply-secret')
  })
  afterAll(async () => receiver?.close())
  const world = useBureau(clock, config)

  it('is still pushed to the bureau heads, once', async () => {
    const withHook = daemon.config()
    const cycle = () => daemon.cycle(world.t.store, withHook)
    const portal = createPublishChannel({ id: 'portal', kind: 'webhook', enabled: true, url: receiver.url, secret: 'reply-secret' }, { configDir: '/tmp' })
    const id = await signedCase(world, withHook)
    await publishReply(world.t.store, world.ctx, { ticketId: id, actor: 'zhangwei', channel: portal })
    await cycle()
    const dissatisfied = () => daemon.pushed('dissatisfied').map((m) => [m.key, m.to])
    expect(dissatisfied()).toEqual([])

    await rateTicket(world.t.store, world.ctx, { id, actor: 'lina', grade: '2', source: 'phone', comment: '路灯还是不亮' })
    await closeTicket(world.t.store, world.ctx, id, 'zhangwei')
    clock.advance(60_000)
    expect((await cycle()).workflowQueued).toBe(1)
    expect(dissatisfied()).toEqual([[`dissatisfied:${id}:0`, ['liuju']]])
    clock.advance(60_000)
    expect((await cycle()).workflowQueued).toBe(0)
    expect(dissatisfied()).toHaveLength(1)
  }, 60_000)
})

describe('a reply waiting for the supervising leader too long', () => {
  const clock = manualClock('2026-12-01T01:00:00.000Z')
  const daemon = useDaemonCycles(clock)
  const world = useBureau(clock, config)

  it('reminds the leader once, a day after the bureau head signed (sla.escalateLeaderAfter)', async () => {
    const withHook = daemon.config()
    const cycle = () => daemon.cycle(world.t.store, withHook)
    const id = await submittedCase(world, withHook)
    await world.sign(id, 'liuju')
    const reminders = () => daemon.pushed('clock-leader').map((m) => [m.title, m.to])
    await cycle()
    expect(reminders()).toEqual([])
    clock.advance(23 * 3600_000)
    await cycle()
    expect(reminders()).toEqual([])
    clock.advance(3600_000 + 60_000)
    await cycle()
    expect(reminders()).toEqual([['答复待您审签', ['wangqu']]])
    clock.advance(3600_000)
    await cycle()
    expect(reminders()).toHaveLength(1)
  }, 60_000)
})

