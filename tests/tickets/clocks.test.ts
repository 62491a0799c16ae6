/**
 * The five clocks: natural and working-day counting across weekends, 2026 holidays and make-up
 * days (from the shipped profile), warnings at 80 %, pauses and extensions, alerts listed once.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.js'
import type { ClockName } from '../../src/config/schema.js'
import { packagePath } from '../../src/paths.js'
import { calendarOf, clockStatus, clockTiming, countedBetween, dueEvents, formatLocal, instantAfter, isWorkingDay, localMidnight, type ClockSettings } from '../../src/tickets/clocks/index.js'
import { transition, workflowPolicy, type TicketEvent, type TicketState, type TransitionContext, type WorkflowPolicy } from '../../src/tickets/workflow/index.js'

const config = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
const base = workflowPolicy(config)
const H = 3_600_000
const D = 24 * H
const cst = (local: string) => Date.parse(`${local}+08:00`) // Harbin wall time → epoch ms
const iso = (ms: number) => new Date(ms).toISOString()

function withClocks(overrides: Partial<Record<ClockName, ClockSettings>>): WorkflowPolicy {
  return { ...base, sla: { ...base.sla, clocks: { ...base.sla.clocks, ...overrides } } }
}
const WORKING = withClocks({
  accept: { within: '1h', basis: 'working' },
  assign: { within: '1d', basis: 'working' },
  characterise: { within: '7d', basis: 'working' },
  reply: { within: '10d', basis: 'working' },
  close: { within: '30d', basis: 'working' },
})

/** Drives a ticket with explicit times. */
class Ticket {
  state: TicketState | undefined
  constructor(readonly ctx: TransitionContext) {}
  try(at: number, type: string, actor: string, payload: Record<string, unknown> = {}) {
    const result = transition(this.state, { type, actor, at: iso(at), payload } as unknown as TicketEvent, this.ctx)
    if (!result.refused) this.state = result.state
    return result
  }
  do(at: number, type: string, actor: string, payload: Record<string, unknown> = {}) {
    const result = this.try(at, type, actor, payload)
    if (result.refused) throw new Error(`${type}: ${result.message}`)
    return result
  }
  get s(): TicketState {
    if (!this.state) throw new Error('no state')
    return this.state
  }
}
const opened = (policy: WorkflowPolicy, at: number) => {
  const t = new Ticket({ policy, people: config.users })
  t.do(at, 'opened', 'system:triage', { ticketId: 7 })
  return t
}
const status = (t: Ticket, policy: WorkflowPolicy, at: number, name: ClockName) => {
  const found = clockStatus(t.s, policy, at).find((c) => c.name === name)
  if (!found) throw new Error(name)
  return found
}

describe('the working calendar of the shipped profile (2026)', () => {
  const calendar = calendarOf(base)
  it.each([
    ['2026-10-01', false, '国庆 holiday (Thursday)'],
    ['2026-10-07', false, '国庆 holiday (Wednesday)'],
    ['2026-10-08', true, 'first workday after 国庆'],
    ['2026-10-10', true, 'make-up Saturday'],
    ['2026-10-11', false, 'ordinary Sunday'],
    ['2026-09-20', true, 'make-up Sunday'],
    ['2026-09-25', false, '中秋 holiday (Friday)'],
    ['2026-09-12', false, 'ordinary Saturday'],
    ['2026-03-04', true, 'ordinary Wednesday'],
  ])('%s worked: %s (%s)', (date, worked) => {
    expect(isWorkingDay(date, calendar)).toBe(worked)
  })

  it('days run midnight to midnight in Asia/Shanghai', () => {
    expect(iso(localMidnight('2026-10-08', 'Asia/Shanghai'))).toBe('2026-10-07T16:00:00.000Z')
    expect(formatLocal(cst('2026-10-20T10:00'), 'Asia/Shanghai')).toBe('2026-10-20 10:00 (Asia/Shanghai)')
  })

  it('and in zones with daylight saving time, the short day counts 23 hours', () => {
    const berlin = { ...calendar, timeZone: 'Europe/Berlin', workdays: [1, 2, 3, 4, 5, 6, 7], holidays: [], makeupWorkdays: [] }
    expect(iso(localMidnight('2026-03-29', 'Europe/Berlin'))).toBe('2026-03-28T23:00:00.000Z')
    const start = localMidnight('2026-03-29', 'Europe/Berlin')
    expect(countedBetween(start, localMidnight('2026-03-30', 'Europe/Berlin'), 'working', berlin, [])).toBe(23 * H)
  })
})

describe('working-day counting', () => {
  const calendar = calendarOf(base)
  it('a 1d clock started Friday 17:00 runs out Monday 17:00', () => {
    expect(iso(instantAfter(cst('2026-03-06T17:00'), D, 'working', calendar, []))).toBe(iso(cst('2026-03-09T17:00')))
  })

  it('a 1d clock started on a Saturday runs out at the end of Monday', () => {
    expect(iso(instantAfter(cst('2026-03-07T10:00'), D, 'working', calendar, []))).toBe(iso(cst('2026-03-10T00:00')))
  })

  it('a make-up Sunday counts, and 中秋 does not', () => {
    expect(iso(instantAfter(cst('2026-09-19T10:00'), D, 'working', calendar, []))).toBe(iso(cst('2026-09-21T00:00')))
    expect(iso(instantAfter(cst('2026-09-24T12:00'), D, 'working', calendar, []))).toBe(iso(cst('2026-09-28T12:00')))
  })

  it('a pause over a weekend adds nothing; one over working days adds the working time it covers', () => {
    const start = cst('2026-03-02T09:00')
    expect(iso(instantAfter(start, 10 * D, 'working', calendar, []))).toBe(iso(cst('2026-03-16T09:00')))
    const weekend = [[cst('2026-03-07T10:00'), cst('2026-03-08T20:00')]] as const
    expect(iso(instantAfter(start, 10 * D, 'working', calendar, weekend))).toBe(iso(cst('2026-03-16T09:00')))
    const friToMon = [[cst('2026-03-06T18:00'), cst('2026-03-09T09:00')]] as const // 6 h Friday + 9 h Monday
    expect(iso(instantAfter(start, 10 * D, 'working', calendar, friToMon))).toBe(iso(cst('2026-03-17T00:00')))
  })
})

describe('a ticket received on 2026-09-30, the day before 国庆', () => {
  const receivedAt = cst('2026-09-30T10:00')

  it('natural clocks run through the holiday; working clocks wait for 10-08 and count the make-up Saturday 10-10', () => {
    const natural = opened(base, receivedAt)
    const working = opened(WORKING, receivedAt)
    const at = cst('2026-10-01T12:00')
    expect(status(natural, base, at, 'reply')).toMatchObject({ dueAt: iso(cst('2026-10-10T10:00')), warnAt: iso(cst('2026-10-08T10:00')), state: 'running' })
    // 14 h on 09-30; 10-08, 09, 10 (make-up), 12–16, 19 = 9 days; 10 h on 10-20.
    expect(status(working, WORKING, at, 'reply')).toMatchObject({ dueAt: iso(cst('2026-10-20T10:00')), warnAt: iso(cst('2026-10-16T10:00')), state: 'running' })
    expect(status(working, WORKING, at, 'assign')).toMatchObject({ dueAt: iso(cst('2026-10-08T10:00')) })
    expect(status(natural, base, at, 'assign')).toMatchObject({ state: 'breached', dueAt: iso(cst('2026-10-01T10:00')) })
    // Nothing of the working clock is used during the holiday.
    expect(status(working, WORKING, cst('2026-10-07T23:00'), 'reply').remainingMs).toBe(10 * D - 14 * H)
  })

  it('warns at 80 % and breaches at the deadline', () => {
    const working = opened(WORKING, receivedAt)
    expect(status(working, WORKING, cst('2026-10-16T09:59'), 'reply').state).toBe('running')
    expect(status(working, WORKING, cst('2026-10-16T10:00'), 'reply').state).toBe('warned')
    expect(status(working, WORKING, cst('2026-10-20T10:00'), 'reply')).toMatchObject({ state: 'breached', remainingMs: 0 })
    expect(status(working, WORKING, cst('2026-10-21T10:00'), 'reply').remainingMs).toBe(-D)
  })

  it('an extension asked before the deadline moves it by working days; after the deadline it is refused', () => {
    const t = opened(WORKING, receivedAt)
    const ok = t.do(cst('2026-10-19T15:00'), 'extended', 'lina', { clock: 'reply', by: 2 * D, reason: '需第三方检测', approver: 'liuju' })
    expect(ok.record.payload).toMatchObject({ deadline: iso(cst('2026-10-20T10:00')) })
    expect(status(t, WORKING, cst('2026-10-19T16:00'), 'reply')).toMatchObject({ dueAt: iso(cst('2026-10-22T10:00')), extendedMs: 2 * D })
    const late = t.try(cst('2026-10-22T10:00'), 'extended', 'lina', { clock: 'reply', by: D, reason: '仍需时间', approver: 'liuju' })
    expect(late).toEqual({
      refused: true,
      code: 'deadline-passed',
      message: 'the reply (一旬答复) clock ran out at 2026-10-22 10:00 (Asia/Shanghai); extensions must be asked before the deadline',
    })
  })
})

describe('pauses', () => {
  const start = cst('2026-03-02T09:00')

  it('freeze the clock, add their duration, and need a reason and an approver, before the deadline', () => {
    const t = opened(base, start)
    expect(t.try(cst('2026-03-03T09:00'), 'paused', 'lina', { clock: 'reply', reason: '', approver: 'liuju' })).toMatchObject({ code: 'reason-required' })
    expect(t.try(cst('2026-03-03T09:00'), 'paused', 'lina', { clock: 'reply', reason: '等待鉴定', approver: '' })).toMatchObject({ code: 'approver-required' })
    expect(t.try(cst('2026-03-03T09:00'), 'paused', 'lina', { clock: 'reply', reason: '等待鉴定', approver: 'lina' })).toMatchObject({ code: 'not-authorised' })
    t.do(cst('2026-03-03T09:00'), 'paused', 'lina', { clock: 'reply', reason: '等待鉴定', approver: 'liuju' })
    expect(t.try(cst('2026-03-03T10:00'), 'paused', 'lina', { clock: 'reply', reason: 'again', approver: 'liuju' })).toMatchObject({ code: 'clock-paused' })
    const during = status(t, base, cst('2026-03-04T09:00'), 'reply')
    expect(during).toMatchObject({ state: 'paused', remainingMs: 9 * D, pausedMs: D })
    expect(status(t, base, cst('2026-03-05T09:00'), 'reply').remainingMs).toBe(9 * D)
    t.do(cst('2026-03-05T09:00'), 'resumed', 'lina', { clock: 'reply' })
    expect(t.try(cst('2026-03-05T10:00'), 'resumed', 'lina', { clock: 'reply' })).toMatchObject({ code: 'clock-not-paused' })
    expect(status(t, base, cst('2026-03-06T09:00'), 'reply')).toMatchObject({ state: 'running', dueAt: iso(cst('2026-03-14T09:00')), pausedMs: 2 * D })
  })

  it('are refused once the clock ran out', () => {
    const t = opened(base, start)
    expect(t.try(cst('2026-03-02T10:00'), 'paused', 'zhangwei', { clock: 'accept', reason: '来访人离开', approver: 'liuju' })).toEqual({
      refused: true,
      code: 'deadline-passed',
      message: 'the accept (一时接访) clock ran out at 2026-03-02 10:00 (Asia/Shanghai); pauses must be asked before the deadline',
    })
  })

  it('a paused clock can still be extended after its unpaused deadline would have passed', () => {
    const t = opened(base, start)
    t.do(cst('2026-03-02T09:30'), 'paused', 'zhangwei', { clock: 'accept', reason: '系统停机', approver: 'liuju' })
    t.do(cst('2026-03-02T11:00'), 'extended', 'zhangwei', { clock: 'accept', by: H, reason: '停机后积压', approver: 'liuju' })
    t.do(cst('2026-03-02T12:00'), 'resumed', 'zhangwei', { clock: 'accept' })
    expect(status(t, base, cst('2026-03-02T12:00'), 'accept')).toMatchObject({ dueAt: iso(cst('2026-03-02T13:30')), state: 'running' })
  })

  it('survive a policy change: the paused time is kept when the limit and the basis change', () => {
    const t = opened(base, start)
    t.do(cst('2026-03-03T09:00'), 'paused', 'lina', { clock: 'reply', reason: '等待鉴定', approver: 'liuju' })
    t.do(cst('2026-03-05T09:00'), 'resumed', 'lina', { clock: 'reply' })
    const changed = withClocks({ reply: { within: '15d', basis: 'working' } })
    const at = cst('2026-03-10T09:00')
    const timing = clockTiming(t.s.clocks.reply, changed, at)
    expect(timing.pausedMs).toBe(2 * D)
    expect(timing.elapsedMs).toBe(countedBetween(start, at, 'working', calendarOf(changed), []) - 2 * D)
    expect(timing.budgetMs).toBe(15 * D)
  })
})

describe('status of stopped clocks', () => {
  const start = cst('2026-03-02T09:00')
  it('met when the target came in time, breached when late, cancelled when merged', () => {
    const onTime = opened(base, start)
    onTime.do(cst('2026-03-02T09:40'), 'accepted', 'zhangwei')
    expect(status(onTime, base, cst('2026-03-05T00:00'), 'accept')).toMatchObject({ state: 'met', remainingMs: 20 * 60_000, stoppedAt: iso(cst('2026-03-02T09:40')) })
    const late = opened(base, start)
    late.do(cst('2026-03-02T10:30'), 'accepted', 'zhangwei')
    expect(status(late, base, cst('2026-03-05T00:00'), 'accept')).toMatchObject({ state: 'breached', remainingMs: -30 * 60_000 })
    late.do(cst('2026-03-02T11:00'), 'merged', 'zhangwei', { into: 3 })
    expect(clockStatus(late.s, base, cst('2026-03-05T00:00')).map((c) => c.state)).toEqual(['breached', 'cancelled', 'cancelled', 'cancelled', 'cancelled'])
    expect(dueEvents(late.s, base, cst('2026-06-01T00:00'))).toEqual([])
  })
})

describe('due alerts', () => {
  const start = cst('2026-03-02T09:00')
  it('are listed once per clock and level, then recorded exactly once', () => {
    const t = opened(base, start)
    expect(dueEvents(t.s, base, cst('2026-03-02T09:47'))).toEqual([])
    const warn = dueEvents(t.s, base, cst('2026-03-02T09:50'))
    expect(warn).toEqual([{ clock: 'accept', level: 'warning', at: iso(cst('2026-03-02T09:48')), key: 'clock:7:accept:warning' }])
    expect(dueEvents(t.s, base, cst('2026-03-02T09:50'))).toEqual(warn)
    expect(t.try(cst('2026-03-02T09:50'), 'escalated', 'system:daemon', { clock: 'accept', level: 'breach' })).toMatchObject({ code: 'not-due' })
    const recorded = t.do(cst('2026-03-02T09:50'), 'escalated', 'system:daemon', { clock: 'accept', level: 'warning' })
    expect(recorded.effects).toEqual([{ kind: 'notify', ticket: 7, to: { role: 'staff' }, about: 'clock-warning', detail: 'accept' }])
    expect(t.try(cst('2026-03-02T09:51'), 'escalated', 'system:daemon', { clock: 'accept', level: 'warning' })).toMatchObject({ code: 'already-escalated' })
    expect(dueEvents(t.s, base, cst('2026-03-02T09:55'))).toEqual([])
    expect(dueEvents(t.s, base, cst('2026-03-02T10:05')).map((d) => d.key)).toEqual(['clock:7:accept:breach'])
    t.do(cst('2026-03-02T10:05'), 'escalated', 'system:daemon', { clock: 'accept', level: 'breach' })
    expect(dueEvents(t.s, base, cst('2026-03-02T10:10'))).toEqual([])
  })

  it('after a long absence the daemon gets every level still owed, oldest first', () => {
    const t = opened(base, start)
    expect(dueEvents(t.s, base, cst('2026-03-03T10:00')).map((d) => d.key)).toEqual([
      'clock:7:accept:warning',
      'clock:7:accept:breach',
      'clock:7:assign:warning',
      'clock:7:assign:breach',
      'clock:7:accept:escalate',
    ])
  })

  it('tells the supervising leader and the bureau head escalateAfterBreach after a breach (third tier)', () => {
    const t = opened(base, start)
    expect(dueEvents(t.s, base, cst('2026-03-03T09:59')).map((d) => d.key)).not.toContain('clock:7:accept:escalate')
    const recorded = t.do(cst('2026-03-03T10:00'), 'escalated', 'system:daemon', { clock: 'accept', level: 'escalate' })
    expect(recorded.effects.map((e) => (e.kind === 'notify' ? e.to : null))).toEqual([{ role: 'supervising-leader' }, { role: 'bureau-head' }])
  })

  it('remind the supervising leader once per version after escalateLeaderAfter, and alerts of a new round get new keys', () => {
    const h = (c: string) => c.repeat(64)
    const t = opened(base, start)
    t.do(start + 1, 'accepted', 'zhangwei')
    t.do(start + 2, 'assigned', 'zhangwei', { lead: 'xingjian', assist: [] })
    t.do(start + 3, 'characterised', 'lina', { kind: 'petition' })
    t.do(start + 4, 'subtask-done', 'lina', { owner: 'xingjian' })
    t.do(start + 5, 'reply-drafted', 'lina', { version: 1, textSha256: h('a') })
    t.do(start + 6, 'submitted', 'lina')
    t.do(start + 7, 'approved', 'liuju', { role: 'bureau-head', version: 1, textSha256: h('a'), approver: 'liuju' })
    const leader = (at: number) => dueEvents(t.s, base, at).filter((d) => d.level === 'leader')
    expect(leader(start + 7 + D - 1)).toEqual([])
    expect(leader(start + 7 + D)).toEqual([{ clock: 'reply', level: 'leader', at: iso(start + 7 + D), key: 'clock:7:reply:leader:v1' }])
    t.do(start + D + 10, 'approved', 'wangqu', { role: 'supervising-leader', version: 1, textSha256: h('a'), approver: 'wangqu' })
    t.do(start + D + 11, 'published', 'zhangwei', { channel: 'liuyan', version: 1, textSha256: h('a') })
    t.do(start + D + 12, 'reopened', 'zhangwei', { reason: '仍未解决' })
    const reopenedAt = start + D + 12
    expect(dueEvents(t.s, base, reopenedAt + 8 * D).map((d) => d.key)).toContain('clock:7:reply:warning:r2')
  })
})
