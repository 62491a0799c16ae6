/**
 * "10+N" routing: the lead and assisting owners' sub-tasks, 退单 hand-backs (reason, proposed
 * owner, back to dispatch, counted per owner), merging, and the checks every event goes through.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.js'
import { packagePath } from '../../src/paths.js'
import { transition, workflowPolicy, type TicketEvent, type TicketState, type TransitionContext } from '../../src/tickets/workflow/index.js'

const config = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
const ctx: TransitionContext = { policy: workflowPolicy(config), people: config.users }
const T0 = Date.parse('2026-03-02T01:00:00.000Z')

class Ticket {
  state: TicketState | undefined
  private t = T0
  try(type: string, actor: string, payload: Record<string, unknown> = {}, context: TransitionContext = ctx) {
    const result = transition(this.state, { type, actor, at: new Date(this.t).toISOString(), payload } as unknown as TicketEvent, context)
    if (!result.refused) {
      this.state = result.state
      this.t += 60_000
    }
    return result
  }
  do(type: string, actor: string, payload: Record<string, unknown> = {}) {
    const result = this.try(type, actor, payload)
    if (result.refused) throw new Error(`${type}: ${result.message}`)
    return result
  }
  get s(): TicketState {
    if (!this.state) throw new Error('no state')
    return this.state
  }
}

function dispatched(assist: string[] = ['chengguan', 'zhujian']): Ticket {
  const t = new Ticket()
  t.do('opened', 'system:triage', { ticketId: 12, topic: '城乡建设' })
  t.do('accepted', 'zhangwei')
  t.do('assigned', 'zhangwei', { lead: 'xingjian', assist })
  return t
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

describe('assignment', () => {
  it('gives the lead and each assisting owner an open sub-task, and stops the assign clock once', () => {
    const t = dispatched()
    expect(t.s.subtasks.map((s) => [s.owner, s.role, s.status])).toEqual([
      ['xingjian', 'lead', 'open'],
      ['chengguan', 'assist', 'open'],
      ['zhujian', 'assist', 'open'],
    ])
    expect(t.s).toMatchObject({ lead: 'xingjian', assist: ['chengguan', 'zhujian'], assignments: 1 })
    expect(t.s.clocks.assign.stoppedAt).toBe(t.s.updatedAt)
  })

  it('needs a lead, and names nobody twice', () => {
    const t = new Ticket()
    t.do('opened', 'system:triage', { ticketId: 12 })
    t.do('accepted', 'zhangwei')
    expect(t.try('assigned', 'zhangwei', { lead: '', assist: [] })).toMatchObject({ code: 'owner-required' })
    expect(t.try('assigned', 'zhangwei', { lead: 'xingjian', assist: 'chengguan' })).toMatchObject({ code: 'owner-required' })
    expect(t.try('assigned', 'zhangwei', { lead: 'xingjian', assist: ['xingjian'] })).toMatchObject({ code: 'owner-repeated' })
    expect(t.try('assigned', 'zhangwei', { lead: 'xingjian', assist: ['chengguan', 'chengguan'] })).toMatchObject({ code: 'owner-repeated' })
  })

  it('sub-tasks are closed by their own owner; the reply cannot go for signature while any is open', () => {
    const t = dispatched()
    t.do('characterised', 'lina', { kind: 'petition' })
    expect(t.try('subtask-done', 'chenqiang', { owner: 'xingjian' })).toMatchObject({ code: 'not-your-subtask', message: '陈强 works for wuye and cannot act on xingjian\'s sub-task' })
    expect(t.try('subtask-done', 'lina', { owner: 'wuye' })).toMatchObject({ code: 'not-an-owner' })
    t.do('subtask-done', 'lina', { owner: 'xingjian' })
    expect(t.try('subtask-done', 'lina', { owner: 'xingjian' })).toMatchObject({ code: 'subtask-not-open' })
    t.do('reply-drafted', 'lina', { version: 1, textSha256: 'a'.repeat(64) })
    expect(t.try('submitted', 'lina')).toMatchObject({ code: 'subtasks-open', message: 'sub-tasks still open on ticket #12: chengguan, zhujian; they must be done before the reply is signed' })
    t.do('subtask-done', 'zhangwei', { owner: 'chengguan' })
    const last = t.do('subtask-done', 'zhangwei', { owner: 'zhujian' })
    expect(last.effects).toEqual([{ kind: 'notify', ticket: 12, to: { owner: 'xingjian' }, about: 'subtasks-done' }])
    t.do('submitted', 'lina')
    expect(t.s.status).toBe('awaiting-bureau-head')
  })
})

describe('hand-backs (退单)', () => {
  it('need a reason and a proposed owner other than the one handing back', () => {
    const t = dispatched()
    expect(t.try('handed-back', 'lina', { owner: 'xingjian', reason: '', proposedOwner: 'wuye' })).toEqual({ refused: true, code: 'reason-required', message: 'a hand-back needs a reason (why this case is not yours)' })
    expect(t.try('handed-back', 'lina', { owner: 'xingjian', reason: '不属本街道', proposedOwner: ' ' })).toMatchObject({ code: 'proposed-owner-required' })
    expect(t.try('handed-back', 'lina', { owner: 'xingjian', reason: '不属本街道', proposedOwner: 'xingjian' })).toMatchObject({ code: 'proposed-self' })
    expect(t.try('handed-back', 'lina', { owner: 'baoguo', reason: '不属本街道', proposedOwner: 'wuye' })).toMatchObject({ code: 'not-an-owner' })
  })

  it('go back to dispatch, not to the citizen, and count per owner across re-assignments', () => {
    const t = dispatched()
    const back = t.do('handed-back', 'lina', { owner: 'xingjian', reason: '供暖问题归物业办', proposedOwner: 'wuye' })
    expect(t.s.status).toBe('accepted')
    expect(back.effects).toEqual([{ kind: 'notify', ticket: 12, to: { role: 'staff' }, about: 'handed-back', detail: 'xingjian → wuye: 供暖问题归物业办' }])
    t.do('assigned', 'zhangwei', { lead: 'wuye', assist: ['chengguan'] })
    t.do('handed-back', 'zhangwei', { owner: 'chengguan', reason: '非城管职责', proposedOwner: 'zhujian' })
    t.do('assigned', 'zhangwei', { lead: 'xingjian', assist: ['zhujian'] })
    t.do('characterised', 'lina', { kind: 'petition' })
    t.do('handed-back', 'lina', { owner: 'xingjian', reason: '仍不属本街道', proposedOwner: 'wuye' })
    expect(t.s.handBacks).toEqual({ xingjian: 2, chengguan: 1 })
    expect(t.s.handBackLog.map((h) => `${h.owner}→${h.proposedOwner}`)).toEqual(['xingjian→wuye', 'chengguan→zhujian', 'xingjian→wuye'])
    expect(t.s.assignments).toBe(3)
    // The assign clock stopped at the first assignment and stays stopped.
    expect(t.s.clocks.assign.stoppedAt).toBe('2026-03-02T01:02:00.000Z')
  })

  it('are not possible once the reply went for signature', () => {
    const t = dispatched([])
    t.do('characterised', 'lina', { kind: 'petition' })
    t.do('subtask-done', 'lina', { owner: 'xingjian' })
    t.do('reply-drafted', 'lina', { version: 1, textSha256: 'a'.repeat(64) })
    t.do('submitted', 'lina')
    expect(t.try('handed-back', 'lina', { owner: 'xingjian', reason: 'x', proposedOwner: 'wuye' })).toMatchObject({ code: 'wrong-state' })
  })

  it('drop an unsigned draft, which then is no longer the one to sign', () => {
    const t = dispatched([])
    t.do('characterised', 'lina', { kind: 'petition' })
    t.do('reply-drafted', 'lina', { version: 1, textSha256: 'a'.repeat(64) })
    t.do('handed-back', 'lina', { owner: 'xingjian', reason: '不属本街道', proposedOwner: 'wuye' })
    expect(t.s.draft).toBeUndefined()
    expect(t.s.lastVersion).toBe(1)
  })
})

describe('merging', () => {
  it('needs another ticket, cancels the running clocks and ends the ticket', () => {
    const t = dispatched()
    expect(t.try('merged', 'zhangwei', { into: 12 })).toMatchObject({ code: 'merge-into-self' })
    expect(t.try('merged', 'zhangwei', {})).toMatchObject({ code: 'into-required' })
    const merged = t.do('merged', 'zhangwei', { into: 5 })
    expect(merged.effects.filter((e) => e.kind === 'stop-clock').map((e) => 'clock' in e && e.clock)).toEqual(['characterise', 'reply', 'close'])
    expect(t.s.clocks.reply).toMatchObject({ cancelled: true })
    expect(t.s.clocks.accept.cancelled).toBeUndefined()
    expect(t.try('subtask-done', 'lina', { owner: 'xingjian' })).toMatchObject({ code: 'terminal', message: 'ticket #12 was merged into #5; record events on that ticket' })
  })
})

describe('checks on every event', () => {
  it('time must be valid, in order, and not in the future; an actor is named', () => {
    const t = dispatched()
    const at = (iso: string) => transition(t.s, { type: 'subtask-done', actor: 'lina', at: iso, payload: { owner: 'xingjian' } }, { ...ctx, now: '2026-03-02T02:00:00.000Z' })
    expect(at('yesterday')).toMatchObject({ code: 'bad-time' })
    expect(at('2026-03-01T00:00:00.000Z')).toMatchObject({ code: 'out-of-order' })
    expect(at('2026-03-02T03:00:00.000Z')).toMatchObject({ code: 'future-event' })
    expect(at('2026-03-02T01:30:00.000Z').refused).toBe(false)
    expect(transition(t.s, { type: 'subtask-done', actor: '', at: '2026-03-02T01:30:00.000Z', payload: { owner: 'xingjian' } }, ctx)).toMatchObject({ code: 'actor-required' })
    expect(transition(t.s, { type: 'opened', actor: 'x', at: '2026-03-02T01:30:00.000Z', payload: { ticketId: 12 } }, ctx)).toMatchObject({ code: 'already-opened' })
    expect(transition(undefined, { type: 'opened', actor: 'x', at: '2026-03-02T01:30:00.000Z', payload: { ticketId: 0 } }, ctx)).toMatchObject({ code: 'invalid-payload' })
    const unknown = { type: 'toString', actor: 'x', at: '2026-03-02T01:30:00.000Z', payload: {} } as unknown as TicketEvent
    expect(transition(t.s, unknown, ctx)).toMatchObject({ code: 'invalid-payload' })
  })

  it('never changes the state it is given', () => {
    const t = dispatched()
    const before = JSON.stringify(t.s)
    const frozen = deepFreeze(t.s)
    const result = transition(frozen, { type: 'handed-back', actor: 'lina', at: '2026-03-02T02:00:00.000Z', payload: { owner: 'xingjian', reason: '不属本街道', proposedOwner: 'wuye' } }, ctx)
    expect(result.refused).toBe(false)
    expect(JSON.stringify(frozen)).toBe(before)
  })

  it('starts every clock at receipt and counts events', () => {
    const t = new Ticket()
    const first = t.do('opened', 'system:triage', { ticketId: 12, title: '路灯不亮', topic: '城乡建设', urgency: '紧急' })
    expect(first.effects.filter((e) => e.kind === 'start-clock')).toHaveLength(5)
    expect(Object.values(t.s.clocks).map((c) => c.startedAt)).toEqual(Array(5).fill('2026-03-02T01:00:00.000Z'))
    expect(t.s).toMatchObject({ id: 12, status: 'received', title: '路灯不亮', topic: '城乡建设', urgency: '紧急', events: 1 })
  })
})
