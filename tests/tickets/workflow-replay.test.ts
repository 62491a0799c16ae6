/**
 * Replay: a ticket rebuilt from its log equals the state built step by step, for random valid
 * event sequences; a log holding a step the rules refuse throws.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLOCK_NAMES } from '../../src/config/schema.js'
import { parseConfig } from '../../src/config/load.js'
import { IntegrityError } from '../../src/errors.js'
import { packagePath } from '../../src/paths.js'
import { mulberry32 } from '../../src/prng.js'
import type { StoredEvent } from '../../src/store/events.js'
import { dueEvents } from '../../src/tickets/clocks/index.js'
import {
  ReplayError,
  replay,
  replayStored,
  storedEventInput,
  transition,
  workflowPolicy,
  type TicketEvent,
  type TicketState,
  type TicketStatus,
  type WorkflowPolicy,
} from '../../src/tickets/workflow/index.js'

const config = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
const base = workflowPolicy(config)
// Working-day reply and close clocks, so pauses and extensions meet the calendar too.
const policy: WorkflowPolicy = {
  ...base,
  sla: { ...base.sla, clocks: { ...base.sla.clocks, reply: { within: '10d', basis: 'working' }, close: { within: '30d', basis: 'working' } } },
}
const ctx = { policy, people: config.users }
const ZONES = ['xingjian', 'baoguo', 'lianmeng', 'pingfangzhen']
const DEPTS = ['chengguan', 'zhujian', 'wuye', 'renshe']

type Template = [type: string, actor: string, payload: Record<string, unknown>]

function templates(s: TicketState | undefined, rnd: () => number, at: number): Template[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
  if (!s) return [['opened', 'system:triage', { ticketId: 1 + Math.floor(rnd() * 50), topic: pick(['城乡建设', '环境保护', null]), urgency: pick(['一般', '紧急']) }]]
  const draft = s.draft
  const version = draft && rnd() < 0.9 ? draft.version : 1 + Math.floor(rnd() * (s.lastVersion + 1))
  const hash = draft && rnd() < 0.9 ? draft.textSha256 : 'f'.repeat(64)
  const owner = pick(s.subtasks.map((t) => t.owner).concat(['nobody']))
  const lead = pick([...ZONES, ...DEPTS])
  const list: Template[] = [
    ['accepted', 'zhangwei', {}],
    ['assigned', 'zhangwei', { lead, assist: DEPTS.filter((d) => d !== lead && rnd() < 0.3) }],
    ['subtask-done', 'zhangwei', { owner }],
    ['handed-back', 'zhangwei', { owner, reason: '不属本单位职责', proposedOwner: pick(DEPTS.filter((d) => d !== owner)) }],
    ['characterised', 'lina', rnd() < 0.2 ? { kind: 'duplicate', duplicateOf: 99 } : { kind: pick(['petition', 'petition', 'out-of-scope', 'unreasonable']) }],
    ['characterisation-approved', 'liuju', { approver: 'liuju' }],
    ['characterisation-rejected', 'liuju', { approver: 'liuju', reason: '诉求合理' }],
    ['reply-drafted', pick(['lina', 'lina', 'chenqiang', 'liuju']), { version: s.lastVersion + 1, textSha256: Math.floor(rnd() * 16).toString(16).repeat(64) }],
    ['submitted', 'lina', {}],
    ['approved', 'liuju', { role: 'bureau-head', version, textSha256: hash, approver: 'liuju' }],
    ['approved', 'wangqu', { role: 'supervising-leader', version, textSha256: hash, approver: 'wangqu' }],
    ['rejected', pick(['liuju', 'wangqu']), { role: pick(['bureau-head', 'supervising-leader']), version, reason: '请补充办理依据' }],
    ['published', 'zhangwei', { channel: 'liuyan', version, textSha256: hash }],
    ['rated', 'system:liuyan', { grade: pick(['satisfied', 'basically', 'dissatisfied', 'partly-solved', 1, 3, 5]), source: 'board' }],
    ['closed', 'zhangwei', {}],
    ['reopened', 'zhangwei', { reason: '群众不满意' }],
    ['paused', 'lina', { clock: pick(CLOCK_NAMES), reason: '等待鉴定', approver: pick(['liuju', 'wangqu']) }],
    ['resumed', 'lina', { clock: pick(CLOCK_NAMES) }],
    ['extended', 'lina', { clock: pick(CLOCK_NAMES), by: 3_600_000 * (1 + Math.floor(rnd() * 48)), reason: '需协调', approver: 'liuju' }],
  ]
  const due = dueEvents(s, policy, at)[0]
  if (due) list.push(['escalated', 'system:daemon', { clock: due.clock, level: due.level }])
  if (rnd() < 0.03) list.push(['merged', 'zhangwei', { into: 100 }])
  // Shuffle (Fisher–Yates) so the first acceptable event is a random one.
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[list[i], list[j]] = [list[j] as Template, list[i] as Template]
  }
  // Half the time, try the events that move the case forward first, so histories get far.
  if (rnd() < 0.6) list.sort((a, b) => Number(FORWARD[s.status].includes(b[0])) - Number(FORWARD[s.status].includes(a[0])))
  return list
}

const FORWARD: Record<TicketStatus, readonly string[]> = {
  received: ['accepted'],
  accepted: ['assigned'],
  assigned: ['characterised'],
  characterised: ['characterisation-approved', 'subtask-done', 'reply-drafted'],
  drafting: ['subtask-done', 'submitted'],
  'awaiting-bureau-head': ['approved'],
  'awaiting-leader': ['approved'],
  approved: ['published'],
  published: ['rated', 'closed'],
  closed: ['reopened'],
  merged: [],
}

/** A random valid history: the stored records and the states after each. */
function randomHistory(seed: number, steps: number): { log: TicketEvent[]; states: TicketState[] } {
  const rnd = mulberry32(seed)
  let t = Date.parse('2026-09-21T01:00:00.000Z') + Math.floor(rnd() * 30) * 86_400_000
  let state: TicketState | undefined
  const log: TicketEvent[] = []
  const states: TicketState[] = []
  for (let step = 0; step < steps; step++) {
    t += rnd() < 0.15 ? Math.floor(rnd() * 3 * 86_400_000) : Math.floor(rnd() * 3 * 3_600_000)
    let moved = false
    for (const [type, actor, payload] of templates(state, rnd, t)) {
      const result = transition(state, { type, actor, at: new Date(t).toISOString(), payload } as unknown as TicketEvent, { ...ctx, now: t })
      if (result.refused) {
        expect(result.message.length).toBeGreaterThan(10)
        continue
      }
      state = result.state
      log.push(result.record)
      states.push(state)
      moved = true
      break
    }
    if (!moved) break
  }
  return { log, states }
}

function stored(log: readonly TicketEvent[], ticketId: number): StoredEvent[] {
  const out: StoredEvent[] = [{ seq: 0, at: log[0]?.at ?? '', actor: 'lina', stream: `ticket:${ticketId}`, type: 'ticket.post-linked', key: null, payload: { ticketId, postId: 3 }, prevHash: '', hash: '' }]
  log.forEach((event, i) => {
    const input = storedEventInput(event)
    out.push({ seq: i + 1, at: event.at, actor: input.actor, stream: `ticket:${ticketId}`, type: input.type, key: null, payload: { ticketId, ...input.payload }, prevHash: '', hash: '' })
  })
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.seq - b.seq)
}

describe('replay of random valid histories', () => {
  const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i)
  const visited = new Set<TicketStatus>()

  it.each(SEEDS)('seed %i: the replayed state equals the state built step by step', (seed) => {
    const { log, states } = randomHistory(seed, 45)
    const last = states[states.length - 1]
    expect(last).toBeDefined()
    for (const s of states) visited.add(s.status)
    expect(replay(log)).toEqual(last)
    const mid = Math.floor(log.length / 2)
    expect(replay(log.slice(0, mid))).toEqual(states[mid - 1])
    // Plain JSON, and the store's representation replays to the same state.
    expect(JSON.parse(JSON.stringify(last))).toEqual(last)
    expect(replayStored(stored(log, last?.id ?? 0))).toEqual(last)
  })

  it('the random histories reach every state', () => {
    expect([...visited].sort()).toEqual(
      ['received', 'accepted', 'assigned', 'characterised', 'drafting', 'awaiting-bureau-head', 'awaiting-leader', 'approved', 'published', 'closed', 'merged'].sort(),
    )
  })
})

describe('a log written around the rules', () => {
  const HASH = (c: string) => c.repeat(64)
  const at = (m: number) => new Date(Date.parse('2026-03-02T01:00:00.000Z') + m * 60_000).toISOString()
  const e = (m: number, type: string, actor: string, payload: Record<string, unknown> = {}) => ({ type, actor, at: at(m), payload }) as unknown as TicketEvent
  const valid: TicketEvent[] = [
    e(0, 'opened', 'system:triage', { ticketId: 4 }),
    e(1, 'accepted', 'zhangwei'),
    e(2, 'assigned', 'zhangwei', { lead: 'xingjian', assist: [] }),
    e(3, 'characterised', 'lina', { kind: 'petition' }),
    e(4, 'subtask-done', 'lina', { owner: 'xingjian' }),
    e(5, 'reply-drafted', 'lina', { version: 1, textSha256: HASH('a') }),
    e(6, 'submitted', 'lina'),
    e(7, 'paused', 'lina', { clock: 'reply', reason: '等待鉴定', approver: 'liuju', deadline: '2026-03-12T01:00:00.000Z' }),
    e(8, 'resumed', 'lina', { clock: 'reply' }),
    e(9, 'approved', 'liuju', { role: 'bureau-head', version: 1, textSha256: HASH('a'), approver: 'liuju', skipLeader: false }),
    e(10, 'approved', 'wangqu', { role: 'supervising-leader', version: 1, textSha256: HASH('a'), approver: 'wangqu' }),
    e(11, 'published', 'zhangwei', { channel: 'liuyan', version: 1, textSha256: HASH('a') }),
    e(12, 'closed', 'zhangwei'),
  ]
  const tamper = (index: number, event: TicketEvent) => valid.map((v, i) => (i === index ? event : v))
  const thrown = (log: TicketEvent[]) => {
    try {
      replay(log, { people: config.users })
    } catch (error) {
      return error
    }
    throw new Error('replay did not throw')
  }

  it('replays when it is valid, without asking who holds which office today', () => {
    expect(replay(valid).status).toBe('closed')
  })

  it.each([
    ['the leader signing first', 9, e(9, 'approved', 'wangqu', { role: 'supervising-leader', version: 1, textSha256: HASH('a'), approver: 'wangqu' }), 'wrong-order'],
    ['the author signing', 9, e(9, 'approved', 'lina', { role: 'bureau-head', version: 1, textSha256: HASH('a'), approver: 'lina' }), 'self-approval'],
    ['another text published', 11, e(11, 'published', 'zhangwei', { channel: 'liuyan', version: 1, textSha256: HASH('b') }), 'hash-mismatch'],
    ['a pause without its checked deadline', 7, e(7, 'paused', 'lina', { clock: 'reply', reason: '等待鉴定', approver: 'liuju' }), 'deadline-missing'],
    ['a pause after its deadline', 7, e(7, 'paused', 'lina', { clock: 'reply', reason: '等待鉴定', approver: 'liuju', deadline: at(5) }), 'deadline-passed'],
    ['a hand-back without a reason', 4, e(4, 'handed-back', 'lina', { owner: 'xingjian', reason: '', proposedOwner: 'wuye' }), 'reason-required'],
    ['an event out of time order', 3, e(1, 'characterised', 'lina', { kind: 'petition' }), 'out-of-order'],
  ])('throws on %s', (_what, index, event, code) => {
    const error = thrown(tamper(index, event))
    expect(error).toBeInstanceOf(ReplayError)
    expect(error).toBeInstanceOf(IntegrityError)
    expect(error).toMatchObject({ index, exitCode: 7, refusal: { code } })
  })

  it('names the step in the message', () => {
    const error = thrown(tamper(9, e(9, 'approved', 'wangqu', { role: 'supervising-leader', version: 1, textSha256: HASH('a'), approver: 'wangqu' })))
    expect((error as Error).message).toBe(
      'event 10 (approved by wangqu at 2026-03-02T01:09:00.000Z) on ticket #4 breaks the workflow: the bureau head must sign before the supervising leader',
    )
  })

  it('throws on an empty log or one that does not start with "opened"', () => {
    expect(() => replay([])).toThrow(ReplayError)
    expect(thrown(valid.slice(1))).toMatchObject({ index: 0, refusal: { code: 'not-opened' } })
  })
})
