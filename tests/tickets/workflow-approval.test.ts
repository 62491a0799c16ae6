/**
 * The two signatures: order, self-approval, version and hash binding, decisions once, nothing
 * after close, edits void signatures, rejection, the skip-leader rule, and the bureau head's
 * approval of an "unreasonable" finding.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.js'
import { packagePath } from '../../src/paths.js'
import { replay, transition, workflowPolicy, type TicketEvent, type TicketState, type TransitionContext, type WorkflowPolicy } from '../../src/tickets/workflow/index.js'

const config = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
const policy = workflowPolicy(config)
const ctx: TransitionContext = { policy, people: config.users }
const T0 = Date.parse('2026-03-02T01:00:00.000Z')
const HASH = (c: string) => c.repeat(64)

/** A tiny driver: each event one minute after the last; keeps what was stored. */
class Ticket {
  state: TicketState | undefined
  log: TicketEvent[] = []
  private t = T0
  constructor(readonly context: TransitionContext = ctx) {}
  try(type: string, actor: string, payload: Record<string, unknown> = {}) {
    const event = { type, actor, at: new Date(this.t).toISOString(), payload } as unknown as TicketEvent
    const result = transition(this.state, event, this.context)
    if (!result.refused) {
      this.state = result.state
      this.log.push(result.record)
      this.t += 60_000
    }
    return result
  }
  do(type: string, actor: string, payload: Record<string, unknown> = {}) {
    const result = this.try(type, actor, payload)
    if (result.refused) throw new Error(`${type}: ${result.code} ${result.message}`)
    return result
  }
  get s(): TicketState {
    if (!this.state) throw new Error('no state')
    return this.state
  }
}

function toDraft(context: TransitionContext = ctx, opened: Record<string, unknown> = {}, author = 'lina'): Ticket {
  const t = new Ticket(context)
  t.do('opened', 'system:triage', { ticketId: 7, topic: '城乡建设', urgency: '一般', ...opened })
  t.do('accepted', 'zhangwei')
  t.do('assigned', 'zhangwei', { lead: 'xingjian', assist: [] })
  t.do('characterised', 'lina', { kind: 'petition' })
  t.do('subtask-done', 'lina', { owner: 'xingjian' })
  t.do('reply-drafted', author, { version: 1, textSha256: HASH('a') })
  t.do('submitted', author)
  return t
}
const head = (version = 1, h = HASH('a')) => ({ role: 'bureau-head', version, textSha256: h, approver: 'liuju' })
const leader = (version = 1, h = HASH('a')) => ({ role: 'supervising-leader', version, textSha256: h, approver: 'wangqu' })

describe('signing order', () => {
  it('the bureau head signs before the supervising leader', () => {
    const t = toDraft()
    expect(t.try('approved', 'wangqu', leader())).toEqual({ refused: true, code: 'wrong-order', message: 'the bureau head must sign before the supervising leader' })
    t.do('approved', 'liuju', head())
    expect(t.s.status).toBe('awaiting-leader')
    t.do('approved', 'wangqu', leader())
    expect(t.s.status).toBe('approved')
    expect(t.s.decisions.map((d) => [d.role, d.by, d.version])).toEqual([
      ['bureau-head', 'liuju', 1],
      ['supervising-leader', 'wangqu', 1],
    ])
  })

  it('notifies the leader after the first signature and the author after the second', () => {
    const t = toDraft()
    expect(t.do('approved', 'liuju', head()).effects).toEqual([{ kind: 'notify', ticket: 7, to: { role: 'supervising-leader' }, about: 'sign', detail: 'version 1' }])
    expect(t.do('approved', 'wangqu', leader()).effects).toEqual([{ kind: 'notify', ticket: 7, to: { user: 'lina' }, about: 'publish', detail: 'version 1' }])
  })
})

describe('who may sign', () => {
  it('the author of a draft cannot approve it', () => {
    const t = toDraft(ctx, {}, 'wangqu')
    t.do('approved', 'liuju', head())
    expect(t.try('approved', 'wangqu', leader())).toEqual({ refused: true, code: 'self-approval', message: '王副区长 wrote this draft and cannot approve it' })
  })

  it('the author cannot reject it either, nor can a bureau head sign their own draft', () => {
    const t = toDraft(ctx, {}, 'liuju')
    expect(t.try('approved', 'liuju', head())).toMatchObject({ code: 'self-approval', message: '刘局长 wrote this draft and cannot approve it' })
    expect(t.try('rejected', 'liuju', { role: 'bureau-head', version: 1, reason: 'x' })).toMatchObject({ code: 'self-approval' })
  })

  it('only people in the approval lists sign, each in their own name', () => {
    const t = toDraft()
    expect(t.try('approved', 'zhangwei', { ...head(), approver: 'zhangwei' })).toMatchObject({ code: 'not-authorised' })
    expect(t.try('approved', 'zhangwei', head())).toMatchObject({ code: 'not-own-signature' })
    expect(t.try('approved', 'liuju', { ...head(), approver: '' })).toMatchObject({ code: 'approver-required' })
  })

  it('one person holding both offices cannot give both signatures', () => {
    const both: WorkflowPolicy = { ...policy, approval: { ...policy.approval, supervisingLeaders: ['wangqu', 'liuju'] } }
    const t = toDraft({ ...ctx, policy: both })
    t.do('approved', 'liuju', head())
    expect(t.try('approved', 'liuju', { ...leader(), approver: 'liuju' })).toMatchObject({ code: 'same-signer' })
  })

  it('without a policy a live signature is refused', () => {
    const t = toDraft()
    const result = transition(t.s, { type: 'approved', actor: 'liuju', at: '2026-03-03T00:00:00.000Z', payload: { role: 'bureau-head', version: 1, textSha256: HASH('a'), approver: 'liuju' } }, {})
    expect(result).toMatchObject({ code: 'no-policy' })
  })
})

describe('signatures are bound to one version and its text', () => {
  it('a stale version or a different hash is refused', () => {
    const t = toDraft()
    expect(t.try('approved', 'liuju', head(2))).toMatchObject({ code: 'stale-version' })
    expect(t.try('approved', 'liuju', head(1, HASH('b')))).toMatchObject({ code: 'hash-mismatch' })
  })

  it('a new draft voids every signature: the chain starts again from the bureau head', () => {
    const t = toDraft()
    t.do('approved', 'liuju', head())
    const edit = t.do('reply-drafted', 'lina', { version: 2, textSha256: HASH('b') })
    expect(t.s.status).toBe('drafting')
    expect(edit.effects).toEqual([{ kind: 'notify', ticket: 7, to: { user: 'liuju' }, about: 'signature-voided', detail: 'version 1 was replaced by version 2' }])
    t.do('submitted', 'lina')
    expect(t.try('approved', 'wangqu', leader(2, HASH('b')))).toMatchObject({ code: 'wrong-order' })
    expect(t.try('approved', 'liuju', head(1))).toMatchObject({ code: 'already-decided' })
    t.do('approved', 'liuju', head(2, HASH('b')))
    t.do('approved', 'wangqu', leader(2, HASH('b')))
    expect(t.try('published', 'zhangwei', { channel: 'liuyan', version: 1, textSha256: HASH('a') })).toMatchObject({ code: 'stale-version' })
    expect(t.try('published', 'zhangwei', { channel: 'liuyan', version: 2, textSha256: HASH('a') })).toMatchObject({ code: 'hash-mismatch' })
    const published = t.do('published', 'zhangwei', { channel: 'liuyan', version: 2, textSha256: HASH('b') })
    expect(published.effects).toContainEqual({ kind: 'publish', ticket: 7, channel: 'liuyan', version: 2, textSha256: HASH('b') })
  })

  it('versions must follow one another and carry a SHA-256', () => {
    const t = toDraft()
    expect(t.try('reply-drafted', 'lina', { version: 3, textSha256: HASH('c') })).toMatchObject({ code: 'bad-version', message: 'the next reply version of ticket #7 is 2, not 3' })
    expect(t.try('reply-drafted', 'lina', { version: 2, textSha256: 'abc' })).toMatchObject({ code: 'bad-hash' })
  })
})

describe('decisions are final', () => {
  it('a second decision by the same role on the same version is refused', () => {
    const t = toDraft()
    t.do('approved', 'liuju', head())
    expect(t.try('approved', 'liuju', head())).toMatchObject({ code: 'already-decided' })
    expect(t.try('rejected', 'liuju', { role: 'bureau-head', version: 1, reason: '改主意了' })).toMatchObject({ code: 'already-decided' })
    t.do('approved', 'wangqu', leader())
    expect(t.try('approved', 'wangqu', leader())).toMatchObject({ code: 'already-decided' })
    expect(t.try('rejected', 'wangqu', { role: 'supervising-leader', version: 1, reason: 'x' })).toMatchObject({ code: 'already-decided' })
  })

  it('nothing can be approved or rejected after close', () => {
    const t = toDraft()
    t.do('approved', 'liuju', head())
    t.do('approved', 'wangqu', leader())
    t.do('published', 'zhangwei', { channel: 'liuyan', version: 1, textSha256: HASH('a') })
    t.do('closed', 'zhangwei')
    expect(t.try('approved', 'wangqu', leader())).toMatchObject({ code: 'after-close', message: 'ticket #7 is closed; nothing can be approved or rejected after close' })
    expect(t.try('rejected', 'wangqu', { role: 'supervising-leader', version: 1, reason: 'x' })).toMatchObject({ code: 'after-close' })
  })
})

describe('rejection', () => {
  it('needs a reason, returns to drafting, and the rejected version cannot be resubmitted', () => {
    const t = toDraft()
    expect(t.try('rejected', 'liuju', { role: 'bureau-head', version: 1, reason: '  ' })).toMatchObject({ code: 'reason-required' })
    const rejected = t.do('rejected', 'liuju', { role: 'bureau-head', version: 1, reason: '未说明供暖温度检测结果' })
    expect(t.s.status).toBe('drafting')
    expect(rejected.effects).toEqual([{ kind: 'notify', ticket: 7, to: { user: 'lina' }, about: 'rejected', detail: '未说明供暖温度检测结果' }])
    expect(t.try('submitted', 'lina')).toMatchObject({ code: 'version-rejected' })
    t.do('reply-drafted', 'lina', { version: 2, textSha256: HASH('b') })
    t.do('submitted', 'lina', { version: 2 })
    expect(t.s.status).toBe('awaiting-bureau-head')
  })

  it('a leader rejection goes back to drafting and the bureau head signs the next version again', () => {
    const t = toDraft()
    t.do('approved', 'liuju', head())
    t.do('rejected', 'wangqu', { role: 'supervising-leader', version: 1, reason: '语气生硬' })
    expect(t.s.status).toBe('drafting')
    expect(t.s.draft?.leaderWaitSince).toBeUndefined()
    t.do('reply-drafted', 'lina', { version: 2, textSha256: HASH('b') })
    t.do('submitted', 'lina')
    expect(t.s.status).toBe('awaiting-bureau-head')
  })
})

describe('the skip-leader rule', () => {
  const on = (topics: string[], maxUrgency = '一般'): TransitionContext => ({
    ...ctx,
    policy: { ...policy, approval: { ...policy.approval, skipLeader: { enabled: true, topics, maxUrgency } } },
  })

  it('is off by default: the leader must still sign', () => {
    expect(policy.approval.skipLeader.enabled).toBe(false)
    const t = toDraft()
    const r = t.do('approved', 'liuju', head())
    expect(t.s.status).toBe('awaiting-leader')
    expect(r.record.payload).toMatchObject({ skipLeader: false })
  })

  it('when on for the topic and urgency, the bureau head signature suffices, and the log says so', () => {
    const t = toDraft(on(['城乡建设']))
    const r = t.do('approved', 'liuju', head())
    expect(t.s.status).toBe('approved')
    expect(r.record.payload).toMatchObject({ skipLeader: true })
    t.do('published', 'zhangwei', { channel: 'liuyan', version: 1, textSha256: HASH('a') })
    // Replaying needs no policy: the decision was recorded.
    expect(replay(t.log)).toEqual(t.s)
  })

  it('does not apply to other topics or to more urgent cases', () => {
    const other = toDraft(on(['环境保护']))
    other.do('approved', 'liuju', head())
    expect(other.s.status).toBe('awaiting-leader')
    const urgent = toDraft(on(['城乡建设']), { urgency: '紧急' })
    urgent.do('approved', 'liuju', head())
    expect(urgent.s.status).toBe('awaiting-leader')
    const allowed = toDraft(on(['城乡建设'], '紧急'), { urgency: '紧急' })
    allowed.do('approved', 'liuju', head())
    expect(allowed.s.status).toBe('approved')
  })

  it('a caller cannot switch it on by writing skipLeader into the event', () => {
    const t = toDraft()
    const r = t.do('approved', 'liuju', { ...head(), skipLeader: true })
    expect(t.s.status).toBe('awaiting-leader')
    expect(r.record.payload).toMatchObject({ skipLeader: false })
  })
})

describe('an "unreasonable" finding needs the bureau head', () => {
  function unreasonable(by = 'lina'): Ticket {
    const t = new Ticket()
    t.do('opened', 'system:triage', { ticketId: 9 })
    t.do('accepted', 'zhangwei')
    t.do('assigned', 'zhangwei', { lead: 'xingjian', assist: [] })
    t.do('characterised', by, { kind: 'unreasonable' })
    return t
  }

  it('does not take effect, stop the clock or allow a reply until approved', () => {
    const t = unreasonable()
    expect(t.s.characterisation?.status).toBe('pending-approval')
    expect(t.s.clocks.characterise.stoppedAt).toBeUndefined()
    expect(t.try('reply-drafted', 'lina', { version: 1, textSha256: HASH('a') })).toMatchObject({ code: 'characterisation-pending' })
    expect(t.try('characterisation-approved', 'zhangwei', { approver: 'zhangwei' })).toMatchObject({ code: 'not-authorised' })
    t.do('characterisation-approved', 'liuju', { approver: 'liuju' })
    expect(t.s.characterisation).toMatchObject({ kind: 'unreasonable', status: 'in-effect', approvedBy: 'liuju' })
    expect(t.s.clocks.characterise.stoppedAt).toBe(t.s.updatedAt)
    t.do('reply-drafted', 'lina', { version: 1, textSha256: HASH('a') })
  })

  it('the proposer cannot approve it; a rejection needs a reason and sends it back to be characterised', () => {
    const t = unreasonable('liuju')
    expect(t.try('characterisation-approved', 'liuju', { approver: 'liuju' })).toMatchObject({ code: 'self-approval' })
    const other = unreasonable()
    expect(other.try('characterisation-rejected', 'liuju', { approver: 'liuju', reason: '' })).toMatchObject({ code: 'reason-required' })
    other.do('characterisation-rejected', 'liuju', { approver: 'liuju', reason: '诉求合理，应依法办理' })
    expect(other.s.status).toBe('assigned')
    expect(other.s.characterisation).toBeUndefined()
  })

  it('a duplicate names the original, and not itself', () => {
    const t = new Ticket()
    t.do('opened', 'system:triage', { ticketId: 9 })
    t.do('accepted', 'zhangwei')
    t.do('assigned', 'zhangwei', { lead: 'xingjian', assist: [] })
    expect(t.try('characterised', 'lina', { kind: 'duplicate' })).toMatchObject({ code: 'duplicate-of-required' })
    expect(t.try('characterised', 'lina', { kind: 'duplicate', duplicateOf: 9 })).toMatchObject({ code: 'duplicate-of-self' })
    expect(t.try('characterised', 'lina', { kind: 'rumour' })).toMatchObject({ code: 'invalid-payload' })
    t.do('characterised', 'lina', { kind: 'duplicate', duplicateOf: 4 })
    expect(t.s.characterisation).toMatchObject({ kind: 'duplicate', duplicateOf: 4, status: 'in-effect' })
  })
})

describe('the citizen rating', () => {
  function published(): Ticket {
    const t = toDraft()
    t.do('approved', 'liuju', head())
    t.do('approved', 'wangqu', leader())
    t.do('published', 'zhangwei', { channel: 'liuyan', version: 1, textSha256: HASH('a') })
    return t
  }

  it('is one per reply, valid, with a source, never recorded by the reply author', () => {
    const t = published()
    expect(t.try('rated', 'lina', { grade: 5, source: 'phone' })).toMatchObject({ code: 'self-rating', message: '李娜 wrote the reply and cannot record the citizen\'s rating' })
    expect(t.try('rated', 'zhangwei', { grade: 6, source: 'phone' })).toMatchObject({ code: 'bad-grade' })
    expect(t.try('rated', 'zhangwei', { grade: 'happy', source: 'phone' })).toMatchObject({ code: 'bad-grade' })
    expect(t.try('rated', 'zhangwei', { grade: 4, source: '' })).toMatchObject({ code: 'source-required' })
    const low = t.do('rated', 'zhangwei', { grade: 'partly-solved', source: 'phone', comment: '只修了一半' })
    expect(low.effects).toEqual([{ kind: 'notify', ticket: 7, to: { role: 'bureau-head' }, about: 'dissatisfied', detail: 'partly-solved' }])
    expect(t.try('rated', 'system:liuyan', { grade: 5, source: 'board' })).toMatchObject({ code: 'already-rated' })
  })

  it('a reopened case gets a new round, with new clocks, a new version and a new rating', () => {
    const t = published()
    t.do('rated', 'system:liuyan', { grade: 2, source: 'board' })
    t.do('closed', 'zhangwei')
    expect(t.try('reopened', 'zhangwei', { reason: '' })).toMatchObject({ code: 'reason-required' })
    t.do('reopened', 'zhangwei', { reason: '群众反映仍不热' })
    expect(t.s).toMatchObject({ status: 'characterised', round: 2, lastVersion: 1 })
    expect(t.s.draft).toBeUndefined()
    expect(t.s.subtasks.map((s) => s.status)).toEqual(['open'])
    expect(t.s.clocks.reply).toMatchObject({ round: 2, startedAt: t.s.updatedAt })
    expect(t.s.pastClocks.map((c) => `${c.name}:${c.round}`)).toEqual(['reply:1', 'close:1'])
    expect(t.try('approved', 'liuju', head())).toMatchObject({ code: 'wrong-state' })
    t.do('subtask-done', 'lina', { owner: 'xingjian' })
    t.do('reply-drafted', 'lina', { version: 2, textSha256: HASH('c') })
    t.do('submitted', 'lina')
    t.do('approved', 'liuju', head(2, HASH('c')))
    t.do('approved', 'wangqu', leader(2, HASH('c')))
    t.do('published', 'zhangwei', { channel: 'liuyan', version: 2, textSha256: HASH('c') })
    t.do('rated', 'system:liuyan', { grade: 5, source: 'board' })
    expect(t.s.ratings.map((r) => [r.round, r.grade])).toEqual([
      [1, 2],
      [2, 5],
    ])
  })
})
