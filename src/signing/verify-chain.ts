/**
 * The last check before a reply reaches a citizen: did the bureau head, and then the supervising
 * leader, sign exactly this text, with keys and roles that still count? `replies publish` calls
 * {@link verifyReplySignatures} right before sending, and sends nothing unless it says ok.
 */
import type { Person, PersonKey } from '../store/people.js'
import type { Decision } from '../store/replies.js'
import { keyFingerprint } from '../store/people.js'
import { approvalMessage, textSha256, verifyApproval } from './sign.js'

/** The two sign-off levels, in order. */
export const SIGN_OFF_ROLES = ['bureau-head', 'supervising-leader'] as const
export type SignOffRole = (typeof SIGN_OFF_ROLES)[number]

const LABEL: Record<SignOffRole, string> = {
  'bureau-head': 'the bureau head (区信访局主要领导)',
  'supervising-leader': 'the supervising leader (区主管领导)',
}

/** Who may sign, from lianxin.yaml `approval`. */
export interface SignaturePolicy {
  /** When given, only these people may sign as bureau head (they must also hold the role). */
  bureauHeads?: readonly string[]
  /** When given, only these people may sign as supervising leader (they must also hold the role). */
  supervisingLeaders?: readonly string[]
  /** True when the configured skip-leader rule applies to this ticket (see `skipLeaderApplies` in src/tickets/workflow/policy.ts). */
  skipLeader: boolean
}

export interface VerifyReplyInput {
  ticketId: number
  /** The draft version about to be published. */
  version: number
  /** Its exact text. */
  text: string
  /** Who wrote this draft version: they may not approve it. */
  author: string
  /** The ticket's decisions (from `listDecisions`), in the order they were recorded. */
  decisions: readonly Decision[]
  /** Registered keys (from `listKeys`), revoked ones included. */
  keys: readonly PersonKey[]
  /** People (from `listPeople`), revoked ones included. */
  people: readonly Person[]
  policy: SignaturePolicy
}

/** One signature that counted. */
export interface CountedSignature {
  role: SignOffRole
  person: string
  fingerprint: string
  decisionId: number
  at: string
}

export type VerifyReplyResult = { ok: true; signers: CountedSignature[] } | { ok: false; reasons: string[] }

/**
 * Checks the sign-off chain of one reply version. Ok only if
 *   1. nobody rejected this version;
 *   2. a bureau head approved it, and then (unless `policy.skipLeader`) a different person, a
 *      supervising leader, approved it after them;
 *   3. each counted approval records the hash of this text, carries a valid Ed25519 signature over
 *      `approvalMessage({ ticketId, version, text })`, made with a key that is registered to the
 *      approver and **not revoked now** (a key revoked after signing no longer counts: a stolen key
 *      could have been used to back-date), registered before the approval was recorded;
 *   4. the approver exists, is not revoked, holds the role (and is listed in the policy), and is
 *      not the draft's author.
 * Approvals of other versions never count: any edit voids them. Never throws.
 */
export function verifyReplySignatures(input: VerifyReplyInput): VerifyReplyResult {
  const { ticketId, version } = input
  let message: Buffer
  let hash: string
  try {
    message = approvalMessage({ ticketId, version, text: input.text })
    hash = textSha256(input.text)
  } catch (err) {
    return { ok: false, reasons: [`the reply cannot be checked: ${err instanceof Error ? err.message : String(err)}`] }
  }
  const reasons: string[] = []
  const mine = input.decisions.filter((d) => d.ticketId === ticketId)
  const current = mine.filter((d) => d.replyVersion === version)

  for (const d of current.filter((x) => x.decision === 'reject')) {
    reasons.push(
      `${d.approver} rejected version ${version} on ${d.at}${d.reason ? ` ("${d.reason}")` : ''}; a rejected version is never published — save the corrected text as a new version and have it signed again`,
    )
  }

  const problems = new Map<SignOffRole, string[]>(SIGN_OFF_ROLES.map((r) => [r, []]))
  const valid = new Map<SignOffRole, Decision[]>(SIGN_OFF_ROLES.map((r) => [r, []]))
  for (const d of current.filter((x) => x.decision === 'approve')) {
    if (!isSignOffRole(d.role)) {
      reasons.push(`decision #${d.id}: ${d.approver} approved as "${d.role}", which is not a sign-off level; it does not count`)
      continue
    }
    const problem = checkApproval(d, d.role, input, message, hash)
    if (problem === null) valid.get(d.role)!.push(d)
    else problems.get(d.role)!.push(problem)
  }

  const heads = valid.get('bureau-head')!
  const leaders = valid.get('supervising-leader')!
  const signers: CountedSignature[] = []
  if (heads.length === 0) reasons.push(missing('bureau-head', input, mine), ...problems.get('bureau-head')!)

  if (input.policy.skipLeader) {
    if (heads[0] !== undefined) signers.push(counted(heads[0], 'bureau-head'))
  } else if (heads.length > 0) {
    const follows = (l: Decision, h: Decision) => l.id > h.id && l.at >= h.at
    const pair = heads.flatMap((h) => leaders.filter((l) => follows(l, h) && l.approver !== h.approver).map((l) => [h, l] as const))[0]
    if (pair !== undefined) {
      signers.push(counted(pair[0], 'bureau-head'), counted(pair[1], 'supervising-leader'))
    } else if (leaders.length === 0) {
      reasons.push(missing('supervising-leader', input, mine), ...problems.get('supervising-leader')!)
    } else if (leaders.some((l) => heads.some((h) => follows(l, h)))) {
      const both = leaders.find((l) => heads.some((h) => follows(l, h)))!
      reasons.push(`${both.approver} signed both levels of version ${version}; the bureau head and the supervising leader must be two different people`, ...problems.get('supervising-leader')!)
    } else {
      const early = leaders[0]!
      reasons.push(
        `${LABEL['supervising-leader']} ${early.approver} signed on ${early.at} (decision #${early.id}), before ${LABEL['bureau-head']} ${heads[0]!.approver} (decision #${heads[0]!.id}); the leader signs second — save the text as a new version and have it signed again, bureau head first`,
        ...problems.get('supervising-leader')!,
      )
    }
  } else if (leaders.length === 0) {
    reasons.push(missing('supervising-leader', input, mine), ...problems.get('supervising-leader')!)
  }

  return reasons.length === 0 ? { ok: true, signers } : { ok: false, reasons }
}

/** Why this approval does not count, or null if it does. */
function checkApproval(d: Decision, role: SignOffRole, input: VerifyReplyInput, message: Buffer, hash: string): string | null {
  const who = `the ${role === 'bureau-head' ? 'bureau head' : 'supervising leader'}'s signature (${d.approver}, decision #${d.id}, ${d.at})`
  const person = input.people.find((p) => p.name === d.approver)
  if (person === undefined) return `${who} does not count: there is no person named ${d.approver}`
  if (person.revokedAt !== null) return `${who} does not count: ${d.approver} was revoked on ${person.revokedAt}; save the text as a new version and have it signed by someone in office`
  if (!person.roles.includes(role)) {
    return `${who} does not count: ${d.approver} does not hold the ${role} role (roles: ${person.roles.join(', ') || 'none'}); ask someone who does to sign`
  }
  const allowed = role === 'bureau-head' ? input.policy.bureauHeads : input.policy.supervisingLeaders
  if (allowed !== undefined && !allowed.includes(d.approver)) {
    return `${who} does not count: ${d.approver} is not listed under approval.${role === 'bureau-head' ? 'bureauHeads' : 'supervisingLeaders'} in lianxin.yaml`
  }
  if (d.approver === input.author) return `${who} does not count: ${d.approver} wrote this draft and cannot approve their own text; someone else in the role must sign`
  if (d.textSha256 !== hash) return `${who} was given for a different text (hash ${short(d.textSha256)}, this text is ${short(hash)}); the text changed after signing, so it must be signed again`
  if (d.signature === null || d.keyFingerprint === null) return `${who} is missing: the approval carries no signature or key; ${d.approver} must approve again, signing with their key`
  const key = input.keys.find((k) => k.fingerprint === d.keyFingerprint)
  if (key === undefined) return `${who} was made with key ${short(d.keyFingerprint)}, which is not registered; have the key registered or sign with a registered one`
  if (key.person !== d.approver) return `${who} was made with key ${short(key.fingerprint)}, which is registered to ${key.person}, not ${d.approver}`
  if (key.revokedAt !== null) {
    return `${who} was made with key ${short(key.fingerprint)} which was revoked on ${key.revokedAt}${key.revokedBy ? ` by ${key.revokedBy}` : ''}; a revoked key no longer counts, even for earlier signatures — ${d.approver} needs a new registered key, and the text must be saved as a new version and signed again`
  }
  if (key.registeredAt > d.at) return `${who} was made with key ${short(key.fingerprint)}, which was registered on ${key.registeredAt}, after this approval was recorded`
  if (!fingerprintMatches(key)) return `${who} cannot be checked: the registered public key does not match its fingerprint ${short(key.fingerprint)}; the key registry may have been tampered with (run lianxin audit verify)`
  if (!verifyApproval(key.publicKey, message, d.signature)) {
    return `${who} does not verify over ticket ${input.ticketId}, version ${input.version} and this exact text; it was made over something else or altered`
  }
  return null
}

function missing(role: SignOffRole, input: VerifyReplyInput, mine: readonly Decision[]): string {
  const older = mine.filter((d) => d.decision === 'approve' && d.role === role && d.replyVersion !== input.version)
  const versions = [...new Set(older.map((d) => d.replyVersion))].sort((a, b) => a - b)
  const hint = versions.length > 0 ? ` (they signed version ${versions.join(', ')}, but any edit voids earlier signatures)` : ''
  return `no valid approval by ${LABEL[role]} of version ${input.version}${hint}`
}

function counted(d: Decision, role: SignOffRole): CountedSignature {
  return { role, person: d.approver, fingerprint: d.keyFingerprint ?? '', decisionId: d.id, at: d.at }
}

function fingerprintMatches(key: PersonKey): boolean {
  try {
    return keyFingerprint(key.publicKey) === key.fingerprint
  } catch {
    return false
  }
}

function isSignOffRole(role: string): role is SignOffRole {
  return (SIGN_OFF_ROLES as readonly string[]).includes(role)
}

function short(hex: string): string {
  return `${hex.slice(0, 12)}…`
}
