import { describe, expect, it } from 'vitest'
import { NotFoundError } from '../../src/errors.js'
import { draftReply } from '../../src/replies/service.js'
import { acceptTicket, assignTicket, characteriseTicket, finishSubtask } from '../../src/tickets/actions.js'
import { inboxFor } from '../../src/tickets/inbox.js'
import { renderInbox } from '../../src/tickets/render.js'
import { STREET_LIGHT_REPLY, citizenCase, pingfangConfig, useBureau } from '../helpers/bureau.js'
import { manualClock } from '../helpers/stores.js'

const config = pingfangConfig()
const REPLY = STREET_LIGHT_REPLY

describe('what is waiting for each person', () => {
  const clock = manualClock('2026-12-01T01:00:00.000Z')
  const world = useBureau(clock, config)

  /** Each person's to-do list, as (ticket, first words of the action, clock). */
  const todo = async (user: string) => (await inboxFor(world.t.store, world.ctx, user, clock.now())).items.map((i) => [i.ticket, i.action.split(/[ :(]/)[0], i.clock?.name ?? null])

  it('follows a case from intake to sign-off, each step in the inbox of the person who must take it', async () => {
    const id = await citizenCase(world.t.store)
    expect(await todo('zhangwei')).toEqual([[id, 'accept', 'accept']])
    for (const other of ['lina', 'chenqiang', 'liuju', 'wangqu']) expect(await todo(other)).toEqual([])

    await acceptTicket(world.t.store, world.ctx, id, 'zhangwei')
    expect(await todo('zhangwei')).toEqual([[id, 'assign', 'assign']])
    const assigned = await assignTicket(world.t.store, world.ctx, config, { id, actor: 'zhangwei' })
    const owners = assigned.state.subtasks.map((s) => s.owner)
    expect(owners).toContain('xingjian')
    // lina handles the 兴建街道 zone: its sub-task is hers; staff wait for the units.
    expect(await todo('lina')).toEqual([[id, 'do', 'characterise']])
    expect(await todo('zhangwei')).toEqual([])
    for (const owner of owners) await finishSubtask(world.t.store, world.ctx, { id, actor: 'zhangwei', owner })
    expect(await todo('lina')).toEqual([])
    expect(await todo('zhangwei')).toEqual([[id, 'characterise', 'characterise']])

    await characteriseTicket(world.t.store, world.ctx, { id, actor: 'zhangwei', kind: 'petition' })
    expect(await todo('zhangwei')).toEqual([[id, 'draft', 'reply']])
    await draftReply(world.t.store, world.ctx, { ticketId: id, author: 'liuju', text: REPLY, submit: true })
    // The bureau head wrote this one: it waits for another signer, never for its author.
    expect(await todo('liuju')).toEqual([])
    await draftReply(world.t.store, world.ctx, { ticketId: id, author: 'zhangwei', text: `${REPLY} `, submit: true })
    expect(await todo('liuju')).toEqual([[id, 'read', 'reply']])
    expect(await todo('wangqu')).toEqual([])
    await world.sign(id, 'liuju')
    expect(await todo('liuju')).toEqual([])
    expect(await todo('wangqu')).toEqual([[id, 'read', 'reply']])
    await world.sign(id, 'wangqu')
    expect(await todo('wangqu')).toEqual([])
    expect(await todo('zhangwei')).toEqual([[id, 'publish', 'reply']])
  })

  it('puts what is overdue first, says so, and refuses someone who is not a user', async () => {
    const first = await citizenCase(world.t.store, '保国小区地下室返水')
    clock.advance(50 * 60_000)
    const second = await citizenCase(world.t.store, '新伟小区物业收费不服务')
    clock.advance(30 * 60_000) // the first case's accept clock (one hour) has run out; the second's has not
    const inbox = await inboxFor(world.t.store, world.ctx, 'zhangwei', clock.now())
    expect(inbox.items.map((i) => [i.ticket, i.clock?.overdue])).toEqual([[first, true], [second, false]])
    const text = renderInbox(inbox, config)
    expect(text).toMatch(/张伟 \(zhangwei\): 2 waiting, 1 overdue/)
    expect(text).toMatch(new RegExp(`#${first} .*OVERDUE 20m`))
    expect(text).toContain(`lianxin tickets accept ${second}`)
    await expect(inboxFor(world.t.store, world.ctx, 'nobody', clock.now())).rejects.toBeInstanceOf(NotFoundError)
    expect(renderInbox(await inboxFor(world.t.store, world.ctx, 'wangqu', clock.now()), config)).toBe('王副区长 (wangqu): nothing is waiting for you.')
  })
})
