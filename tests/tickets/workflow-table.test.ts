/**
 * The transition table: every state × the events that matter in it, allowed (with the next
 * state) or refused (with the code). Built on the shipped Pingfang profile.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.js'
import { packagePath } from '../../src/paths.js'
import { ALLOWED, REFUSAL_CODES, transition, workflowPolicy, type RefusalCode, type TicketEvent, type TicketEventOf, type TicketEventType, type TicketState, type TicketStatus } from '../../src/tickets/workflow/index.js'

const config = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
const ctx = { policy: workflowPolicy(config), people: config.users }
const T0 = '2026-03-02T01:00:00.000Z' // Monday 09:00 in Harbin
const HASH = (c: string) => c.repeat(64)

type Make = (s: TicketState | undefined) => TicketEvent
const after = (s: TicketState | undefined) => new Date(Date.parse(s?.updatedAt ?? T0) + (s ? 60_000 : 0)).toISOString()
function ev<T extends TicketEventType>(type: T, actor: string, payload: TicketEventOf<T>['payload'] | ((s: TicketState | undefined) => TicketEventOf<T>['payload'])): Make {
  return (s) => ({ type, actor, at: after(s), payload: typeof payload === 'function' ? payload(s) : payload }) as unknown as TicketEvent
}
const version = (s: TicketState | undefined) => s?.draft?.version ?? 1
const hash = (s: TicketState | undefined) => s?.draft?.textSha256 ?? HASH('a')

const E = {
  opened: ev('opened', 'system:triage', { ticketId: 7, title: '供暖不热', topic: '供暖与公用事业', urgency: '一般' }),
  accepted: ev('accepted', 'zhangwei', {}),
  assigned: ev('assigned', 'zhangwei', { lead: 'xingjian', assist: ['chengguan'] }),
  leadDone: ev('subtask-done', 'lina', { owner: 'xingjian' }),
  assistDone: ev('subtask-done', 'zhangwei', { owner: 'chengguan' }),
  handBack: ev('handed-back', 'lina', { owner: 'xingjian', reason: '供暖归物业办', proposedOwner: 'wuye' }),
  characterised: ev('characterised', 'lina', { kind: 'petition' }),
  approveFinding: ev('characterisation-approved', 'liuju', { approver: 'liuju' }),
  drafted: ev('reply-drafted', 'lina', (s) => ({ version: (s?.lastVersion ?? 0) + 1, textSha256: HASH(String.fromCharCode(97 + (s?.lastVersion ?? 0))) })),
  submitted: ev('submitted', 'lina', {}),
  headApproves: ev('approved', 'liuju', (s) => ({ role: 'bureau-head', version: version(s), textSha256: hash(s), approver: 'liuju' })),
  leaderApproves: ev('approved', 'wangqu', (s) => ({ role: 'supervising-leader', version: version(s), textSha256: hash(s), approver: 'wangqu' })),
  headRejects: ev('rejected', 'liuju', (s) => ({ role: 'bureau-head', version: version(s), reason: '答复未回应供暖温度' })),
  leaderRejects: ev('rejected', 'wangqu', (s) => ({ role: 'supervising-leader', version: version(s), reason: '语气生硬' })),
  published: ev('published', 'zhangwei', (s) => ({ channel: 'liuyan', version: version(s), textSha256: hash(s) })),
  rated: ev('rated', 'system:liuyan', { grade: 'satisfied', source: 'board' }),
  closed: ev('closed', 'zhangwei', {}),
  reopened: ev('reopened', 'zhangwei', { reason: '群众回访不满意' }),
  merged: ev('merged', 'zhangwei', { into: 3 }),
  pauseAccept: ev('paused', 'zhangwei', { clock: 'accept', reason: '来访人要求改期', approver: 'liuju' }),
  pauseReply: ev('paused', 'lina', { clock: 'reply', reason: '等待鉴定结论', approver: 'liuju' }),
  extendClose: ev('extended', 'lina', { clock: 'close', by: 86_400_000, reason: '需协调供热公司', approver: 'wangqu' }),
  extendAccept: ev('extended', 'zhangwei', { clock: 'accept', by: 3_600_000, reason: '系统故障', approver: 'liuju' }),
  escalate: ev('escalated', 'system:daemon', { clock: 'close', level: 'breach' }),
} satisfies Record<string, Make>
type Name = keyof typeof E

const PATH: Name[] = ['opened', 'accepted', 'assigned', 'characterised', 'leadDone', 'assistDone', 'drafted', 'submitted', 'headApproves', 'leaderApproves', 'published', 'rated', 'closed']

function fold(names: readonly Name[]): TicketState {
  let state: TicketState | undefined
  for (const name of names) {
    const result = transition(state, E[name](state), ctx)
    if (result.refused) throw new Error(`${name}: ${result.message}`)
    state = result.state
  }
  if (!state) throw new Error('empty path')
  return state
}
const upTo = (last: Name, from: Name[] = PATH) => fold(from.slice(0, from.indexOf(last) + 1))

const STATES: Record<TicketStatus, () => TicketState> = {
  received: () => upTo('opened'),
  accepted: () => upTo('accepted'),
  assigned: () => upTo('assigned'),
  characterised: () => upTo('characterised'),
  drafting: () => upTo('drafted'),
  'awaiting-bureau-head': () => upTo('submitted'),
  'awaiting-leader': () => upTo('headApproves'),
  approved: () => upTo('leaderApproves'),
  published: () => upTo('published'),
  closed: () => upTo('closed'),
  merged: () => fold(['opened', 'accepted', 'merged']),
}

type Row = [from: TicketStatus, event: Name, expected: TicketStatus | RefusalCode]
const ROWS: Row[] = [
  ['received', 'accepted', 'accepted'],
  ['received', 'opened', 'already-opened'],
  ['received', 'assigned', 'wrong-state'],
  ['received', 'handBack', 'wrong-state'],
  ['received', 'characterised', 'wrong-state'],
  ['received', 'drafted', 'wrong-state'],
  ['received', 'submitted', 'wrong-state'],
  ['received', 'headApproves', 'wrong-state'],
  ['received', 'published', 'wrong-state'],
  ['received', 'rated', 'wrong-state'],
  ['received', 'closed', 'wrong-state'],
  ['received', 'reopened', 'wrong-state'],
  ['received', 'merged', 'merged'],
  ['received', 'pauseAccept', 'received'],
  ['received', 'extendAccept', 'received'],
  ['accepted', 'assigned', 'assigned'],
  ['accepted', 'accepted', 'wrong-state'],
  ['accepted', 'characterised', 'wrong-state'],
  ['accepted', 'handBack', 'wrong-state'],
  ['accepted', 'leadDone', 'wrong-state'],
  ['accepted', 'drafted', 'wrong-state'],
  ['accepted', 'headRejects', 'wrong-state'],
  ['accepted', 'closed', 'wrong-state'],
  ['accepted', 'merged', 'merged'],
  ['accepted', 'pauseAccept', 'clock-stopped'],
  ['assigned', 'characterised', 'characterised'],
  ['assigned', 'leadDone', 'assigned'],
  ['assigned', 'handBack', 'accepted'],
  ['assigned', 'assigned', 'wrong-state'],
  ['assigned', 'approveFinding', 'wrong-state'],
  ['assigned', 'drafted', 'wrong-state'],
  ['assigned', 'submitted', 'wrong-state'],
  ['assigned', 'published', 'wrong-state'],
  ['assigned', 'rated', 'wrong-state'],
  ['assigned', 'closed', 'wrong-state'],
  ['assigned', 'merged', 'merged'],
  ['characterised', 'drafted', 'drafting'],
  ['characterised', 'characterised', 'characterised'],
  ['characterised', 'leadDone', 'characterised'],
  ['characterised', 'handBack', 'accepted'],
  ['characterised', 'approveFinding', 'characterisation-not-pending'],
  ['characterised', 'submitted', 'wrong-state'],
  ['characterised', 'headApproves', 'wrong-state'],
  ['characterised', 'published', 'wrong-state'],
  ['characterised', 'closed', 'wrong-state'],
  ['characterised', 'reopened', 'wrong-state'],
  ['drafting', 'submitted', 'awaiting-bureau-head'],
  ['drafting', 'drafted', 'drafting'],
  ['drafting', 'headApproves', 'not-submitted'],
  ['drafting', 'headRejects', 'not-submitted'],
  ['drafting', 'handBack', 'subtask-not-open'],
  ['drafting', 'characterised', 'wrong-state'],
  ['drafting', 'published', 'wrong-state'],
  ['drafting', 'closed', 'wrong-state'],
  ['drafting', 'merged', 'merged'],
  ['drafting', 'pauseReply', 'drafting'],
  ['awaiting-bureau-head', 'headApproves', 'awaiting-leader'],
  ['awaiting-bureau-head', 'headRejects', 'drafting'],
  ['awaiting-bureau-head', 'leaderApproves', 'wrong-order'],
  ['awaiting-bureau-head', 'leaderRejects', 'wrong-order'],
  ['awaiting-bureau-head', 'drafted', 'drafting'],
  ['awaiting-bureau-head', 'submitted', 'wrong-state'],
  ['awaiting-bureau-head', 'published', 'wrong-state'],
  ['awaiting-bureau-head', 'handBack', 'wrong-state'],
  ['awaiting-bureau-head', 'closed', 'wrong-state'],
  ['awaiting-bureau-head', 'rated', 'wrong-state'],
  ['awaiting-bureau-head', 'pauseReply', 'awaiting-bureau-head'],
  ['awaiting-leader', 'leaderApproves', 'approved'],
  ['awaiting-leader', 'leaderRejects', 'drafting'],
  ['awaiting-leader', 'headApproves', 'already-decided'],
  ['awaiting-leader', 'headRejects', 'already-decided'],
  ['awaiting-leader', 'drafted', 'drafting'],
  ['awaiting-leader', 'published', 'wrong-state'],
  ['awaiting-leader', 'submitted', 'wrong-state'],
  ['awaiting-leader', 'closed', 'wrong-state'],
  ['awaiting-leader', 'merged', 'merged'],
  ['approved', 'published', 'published'],
  ['approved', 'leaderApproves', 'already-decided'],
  ['approved', 'drafted', 'drafting'],
  ['approved', 'submitted', 'wrong-state'],
  ['approved', 'closed', 'wrong-state'],
  ['approved', 'rated', 'wrong-state'],
  ['approved', 'reopened', 'wrong-state'],
  ['approved', 'merged', 'merged'],
  ['published', 'rated', 'published'],
  ['published', 'closed', 'closed'],
  ['published', 'reopened', 'characterised'],
  ['published', 'drafted', 'wrong-state'],
  ['published', 'headApproves', 'already-decided'],
  ['published', 'published', 'wrong-state'],
  ['published', 'merged', 'wrong-state'],
  ['published', 'pauseReply', 'clock-stopped'],
  ['published', 'extendClose', 'published'],
  ['closed', 'reopened', 'characterised'],
  ['closed', 'headApproves', 'after-close'],
  ['closed', 'leaderRejects', 'after-close'],
  ['closed', 'rated', 'already-rated'],
  ['closed', 'closed', 'wrong-state'],
  ['closed', 'published', 'wrong-state'],
  ['closed', 'drafted', 'wrong-state'],
  ['closed', 'merged', 'wrong-state'],
  ['closed', 'extendClose', 'wrong-state'],
  ['closed', 'escalate', 'wrong-state'],
  ['merged', 'accepted', 'terminal'],
  ['merged', 'assigned', 'terminal'],
  ['merged', 'reopened', 'terminal'],
  ['merged', 'headApproves', 'terminal'],
  ['merged', 'closed', 'terminal'],
  ['merged', 'extendClose', 'terminal'],
]

const isStatus = (x: string): x is TicketStatus => x in STATES

describe('the transition table', () => {
  it.each(ROWS)('%s + %s → %s', (from, name, expected) => {
    const state = STATES[from]()
    expect(state.status).toBe(from)
    const result = transition(state, E[name](state), ctx)
    if (isStatus(expected)) {
      expect(result.refused ? `${result.code}: ${result.message}` : result.state.status).toBe(expected)
    } else {
      expect(result.refused).toBe(true)
      if (!result.refused) return
      expect(result.code).toBe(expected)
      expect(result.message.length).toBeGreaterThan(10)
    }
  })

  it('covers every state and at least 60 rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60)
    expect(new Set(ROWS.map((r) => r[0]))).toEqual(new Set(Object.keys(STATES)))
    for (const [, , expected] of ROWS) expect(isStatus(expected) || (REFUSAL_CODES as readonly string[]).includes(expected)).toBe(true)
  })

  it('accepts only "opened" before a ticket exists', () => {
    const first = transition(undefined, E.accepted(undefined), ctx)
    expect(first).toMatchObject({ refused: true, code: 'not-opened' })
    const opened = transition(undefined, E.opened(undefined), ctx)
    expect(opened.refused ? opened.message : opened.state.status).toBe('received')
  })

  it('names every event type in the table, and only "opened" starts nowhere', () => {
    const empty = Object.entries(ALLOWED).filter(([, states]) => states.length === 0).map(([type]) => type)
    expect(empty).toEqual(['opened'])
  })

  it('the wrong-state message says what the event needs', () => {
    const state = STATES.drafting()
    const result = transition(state, E.published(state), ctx)
    expect(result).toMatchObject({ refused: true, code: 'wrong-state' })
    expect(result.refused && result.message).toBe('cannot record "published" while ticket #7 is drafting: a reply is published only after both signatures (state approved)')
  })
})
