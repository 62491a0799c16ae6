import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Person, PersonKey, Role } from '../../src/store/people.js'
import type { Decision } from '../../src/store/replies.js'
import { keyFingerprint } from '../../src/store/people.js'
import { approvalMessage, signApproval, textSha256 } from '../../src/signing/sign.js'
import { verifyReplySignatures, type VerifyReplyInput } from '../../src/signing/verify-chain.js'
import { skipLeaderApplies, type WorkflowPolicy } from '../../src/tickets/workflow/index.js'

const TICKET = 101
const V1 = '您好，您反映的北厂文化小区暖气不热问题已转平房供热公司办理。'
const V2 = '您好，您反映的北厂文化小区暖气不热问题，平房供热公司已于12月5日入户检测并更换阀门，室温已达18度。联系电话：0451-86501234。'

const person = (name: string, roles: Role[], revokedAt: string | null = null): Person => ({
  name,
  displayName: name,
  roles,
  zoneId: null,
  departmentId: null,
  addedAt: '2026-01-01T00:00:00.000Z',
  revokedAt,
})
const PEOPLE: Person[] = [
  person('lina', ['handler']),
  person('liuju', ['bureau-head']),
  person('zhaoju', ['bureau-head']),
  person('wangqu', ['supervising-leader']),
  person('sunqu', ['supervising-leader'], '2026-11-20T00:00:00.000Z'),
  person('zhoufu', ['bureau-head', 'supervising-leader']),
]

const secret = new Map<string, KeyObject>()
const newKey = (owner: string, registeredAt = '2026-02-01T00:00:00.000Z'): PersonKey => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const fingerprint = keyFingerprint(pem)
  secret.set(fingerprint, privateKey)
  return { fingerprint, person: owner, publicKey: pem, registeredAt, registeredBy: 'admin', revokedAt: null, revokedBy: null }
}
const KEYS = Object.fromEntries(['lina', 'liuju', 'zhaoju', 'wangqu', 'sunqu', 'zhoufu'].map((n) => [n, newKey(n)])) as Record<string, PersonKey>
const key = (n: string): PersonKey => KEYS[n]!

let nextId = 1
interface Sign {
  who: string
  role?: string
  version?: number
  /** The text the signature is made over (defaults to the version's text). */
  signedText?: string
  /** The text whose hash is recorded (defaults to signedText). */
  recordedText?: string
  signedVersion?: number
  signedTicket?: number
  with?: PersonKey
  at?: string
  decision?: 'approve' | 'reject'
  signature?: string | null
}
const roleOf = (who: string) => (who.endsWith('qu') ? 'supervising-leader' : 'bureau-head')
function sign(s: Sign): Decision {
  const version = s.version ?? 2
  const text = s.signedText ?? (version === 1 ? V1 : V2)
  const k = s.with ?? key(s.who)
  const msg = approvalMessage({ ticketId: s.signedTicket ?? TICKET, version: s.signedVersion ?? version, text })
  const id = nextId++
  return {
    id,
    ticketId: TICKET,
    replyVersion: version,
    textSha256: textSha256(s.recordedText ?? text),
    approver: s.who,
    role: s.role ?? roleOf(s.who),
    decision: s.decision ?? 'approve',
    reason: s.decision === 'reject' ? '答复未说明退费问题' : null,
    keyFingerprint: k.fingerprint,
    signature: s.signature === undefined ? signApproval(secret.get(k.fingerprint)!, msg) : s.signature,
    at: s.at ?? '2026-12-05T12:00:00.000Z',
  }
}
// Decisions get increasing ids and times in the order they are listed.
function chain(...signs: Sign[]): Decision[] {
  return signs.map((s, i) => sign({ at: `2026-12-05T1${i}:00:00.000Z`, ...s }))
}

const base = (over: Partial<VerifyReplyInput> = {}): VerifyReplyInput => ({
  ticketId: TICKET,
  version: 2,
  text: V2,
  author: 'lina',
  decisions: chain({ who: 'liuju' }, { who: 'wangqu' }),
  keys: Object.values(KEYS),
  people: PEOPLE,
  policy: { bureauHeads: ['liuju', 'zhaoju', 'zhoufu'], supervisingLeaders: ['wangqu', 'sunqu', 'zhoufu'], skipLeader: false },
  ...over,
})
const revoked = (k: PersonKey): PersonKey => ({ ...k, revokedAt: '2026-12-06T08:00:00.000Z', revokedBy: 'admin' })
const withKeys = (...replace: PersonKey[]) => Object.values(KEYS).map((k) => replace.find((r) => r.fingerprint === k.fingerprint) ?? k)

const cases: [string, VerifyReplyInput, true | RegExp][] = [
  ['bureau head then leader, both valid', base(), true],
  ['the leader has not signed', base({ decisions: chain({ who: 'liuju' }) }), /no valid approval by the supervising leader .* of version 2/],
  ['only the leader signed', base({ decisions: chain({ who: 'wangqu' }) }), /no valid approval by the bureau head/],
  ['the leader signed before the bureau head', base({ decisions: chain({ who: 'wangqu' }, { who: 'liuju' }) }), /wangqu signed on .* before the bureau head .* new version and have it signed again, bureau head first/],
  ['the leader signed early, then again after the head', base({ decisions: chain({ who: 'wangqu' }, { who: 'liuju' }, { who: 'wangqu' }) }), true],
  ['the author approved their own draft', base({ author: 'liuju' }), /liuju wrote this draft and cannot approve their own text/],
  ['the head signed with a key revoked after signing', base({ keys: withKeys(revoked(key('liuju'))) }), /the bureau head's signature \(liuju, .*\) was made with key [0-9a-f]{12}… which was revoked on 2026-12-06T08:00:00.000Z by admin/],
  ['the leader was revoked as a person', base({ decisions: chain({ who: 'liuju' }, { who: 'sunqu' }) }), /sunqu was revoked on 2026-11-20/],
  ['a handler signed as bureau head', base({ decisions: chain({ who: 'lina', role: 'bureau-head' }, { who: 'wangqu' }) }), /lina does not hold the bureau-head role \(roles: handler\)/],
  ['the head signed with the leader\'s key', base({ decisions: chain({ who: 'liuju', with: key('wangqu') }, { who: 'wangqu' }) }), /registered to wangqu, not liuju/],
  ['a signature over the earlier version, recorded as this one', base({ decisions: chain({ who: 'liuju', signedVersion: 1 }, { who: 'wangqu' }) }), /does not verify over ticket 101, version 2/],
  ['approvals of version 1 only, publishing version 2', base({ decisions: chain({ who: 'liuju', version: 1 }, { who: 'wangqu', version: 1 }) }), /no valid approval by the bureau head .* \(they signed version 1, but any edit voids earlier signatures\)/],
  ['the text was changed by one character after signing', base({ text: V2.replace('18度', '19度') }), /was given for a different text/],
  ['the text was changed by one space after signing', base({ text: V2.replace('室温', '室 温') }), /was given for a different text/],
  ['a signature over another ticket', base({ decisions: chain({ who: 'liuju' }, { who: 'wangqu', signedTicket: 102 }) }), /supervising leader.*does not verify/],
  ['skip-leader on: the bureau head alone', base({ decisions: chain({ who: 'liuju' }), policy: { skipLeader: true } }), true],
  ['skip-leader off: the bureau head alone', base({ decisions: chain({ who: 'liuju' }), policy: { skipLeader: false } }), /supervising leader/],
  ['skip-leader on, but no bureau head', base({ decisions: chain({ who: 'wangqu' }), policy: { skipLeader: true } }), /no valid approval by the bureau head/],
  ['this version was rejected, even if later approved', base({ decisions: chain({ who: 'liuju' }, { who: 'wangqu', decision: 'reject' }, { who: 'wangqu' }) }), /wangqu rejected version 2 .*"答复未说明退费问题".* new version/],
  ['one person signed both levels', base({ decisions: chain({ who: 'zhoufu', role: 'bureau-head' }, { who: 'zhoufu', role: 'supervising-leader' }) }), /zhoufu signed both levels .* two different people/],
  ['the signer is not listed in lianxin.yaml', base({ policy: { bureauHeads: ['zhaoju'], skipLeader: false } }), /not listed under approval.bureauHeads/],
  ['an approval without a signature', base({ decisions: chain({ who: 'liuju', signature: null }, { who: 'wangqu' }) }), /carries no signature/],
  ['a key that is not registered', base({ decisions: chain({ who: 'liuju', with: newKey('liuju') }, { who: 'wangqu' }) }), /which is not registered/],
  ['a key registered after the approval was recorded', base({ keys: withKeys({ ...key('wangqu'), registeredAt: '2026-12-31T00:00:00.000Z' }) }), /registered on 2026-12-31.*after this approval/],
  ['a registry row whose public key was swapped', base({ keys: withKeys({ ...key('liuju'), publicKey: key('zhaoju').publicKey }) }), /does not match its fingerprint/],
  ['a garbage signature', base({ decisions: chain({ who: 'liuju', signature: 'AAAA' }, { who: 'wangqu' }) }), /signature \(liuju, .*\) does not verify/],
  ['a signature for another role label', base({ decisions: chain({ who: 'liuju', role: 'admin' }, { who: 'wangqu' }) }), /approved as "admin", which is not a sign-off level/],
  ['decisions of another ticket do not count', base({ decisions: chain({ who: 'liuju' }, { who: 'wangqu' }).map((d) => ({ ...d, ticketId: 999 })) }), /no valid approval by the bureau head/],
  ['a revoked head, but a second head signed too', base({ keys: withKeys(revoked(key('liuju'))), decisions: chain({ who: 'liuju' }, { who: 'zhaoju' }, { who: 'wangqu' }) }), true],
]

describe('verifyReplySignatures', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    const result = verifyReplySignatures(input)
    if (expected === true) {
      expect(result).toMatchObject({ ok: true })
    } else {
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.reasons.join('\n')).toMatch(expected)
    }
  })

  it('names the two signatures that counted', () => {
    const result = verifyReplySignatures(base())
    expect(result).toMatchObject({
      ok: true,
      signers: [
        { role: 'bureau-head', person: 'liuju', fingerprint: key('liuju').fingerprint },
        { role: 'supervising-leader', person: 'wangqu', fingerprint: key('wangqu').fingerprint },
      ],
    })
  })

  it('never throws, even on a broken text', () => {
    expect(verifyReplySignatures(base({ text: '答复\uDC00' }))).toMatchObject({ ok: false, reasons: [expect.stringMatching(/broken character/)] })
  })
})

describe('skipLeaderApplies', () => {
  const rule = { enabled: true, topics: ['市容环境'], maxUrgency: '一般' }
  it.each([
    [rule, '市容环境', '一般', true],
    [rule, '市容环境', '紧急', false],
    [{ ...rule, maxUrgency: '紧急' }, '市容环境', '紧急', true],
    [rule, '供暖', '一般', false],
    [{ ...rule, enabled: false }, '市容环境', '一般', false],
    [rule, null, '一般', false],
    [rule, '市容环境', null, false],
    [rule, '市容环境', '未知', false],
  ] as const)('%#: topic %s, urgency %s', (r, topic, urgency, expected) => {
    const policy = { approval: { bureauHeads: [], supervisingLeaders: [], skipLeader: r } } as unknown as WorkflowPolicy
    expect(skipLeaderApplies(policy, { topic, urgency })).toBe(expected)
  })
})
