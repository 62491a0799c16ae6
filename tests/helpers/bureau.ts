import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { stringify } from 'yaml'
import { afterEach, beforeEach } from 'vitest'
import { parseConfig, type LianxinConfig } from '../../src/config/index.js'
import { registerUserKey, syncConfigUsers } from '../../src/people/roster.js'
import { keyFingerprint } from '../../src/store/people.js'
import { upsertPost } from '../../src/store/posts.js'
import type { Session } from '../../src/store/session.js'
import { ensureSource } from '../../src/store/sources.js'
import { approveReply, draftReply } from '../../src/replies/service.js'
import { acceptTicket, assignTicket, characteriseTicket, finishSubtask } from '../../src/tickets/actions.js'
import { caseContext, loadCase, openCase, type CaseContext } from '../../src/tickets/service.js'
import { readProfile } from './config.js'
import { sqliteBackend, type TestStore } from './stores.js'

/** The shipped Pingfang profile, parsed, with optional changes. */
export function pingfangConfig(change: (doc: Record<string, unknown>) => void = () => undefined): LianxinConfig {
  const doc = readProfile()
  change(doc)
  return parseConfig(stringify(doc), 'lianxin.yaml')
}

/** An Ed25519 key pair as a signer holds it. */
export interface Signer {
  privateKey: KeyObject
  publicKeyPem: string
  fingerprint: string
}

export function newSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  return { privateKey, publicKeyPem, fingerprint: keyFingerprint(publicKeyPem) }
}

/** A store with the profile's people, keys registered by admin for liuju and wangqu, and a context. */
export async function bureau(session: Session, config: LianxinConfig = pingfangConfig()): Promise<{ ctx: CaseContext; keys: Record<'liuju' | 'wangqu', Signer> }> {
  await syncConfigUsers(session, config)
  const keys = { liuju: newSigner(), wangqu: newSigner() }
  for (const [name, signer] of Object.entries(keys)) await registerUserKey(session, 'admin', name, signer.publicKeyPem)
  return { ctx: await caseContext(session, config), keys }
}

let counter = 0

/** A citizen's board post and the ticket triage would open for it. */
export async function citizenCase(session: Session, title = '兴建街道北厂文化小区没有路灯'): Promise<number> {
  await ensureSource(session, { id: 'liuyan-pingfang', kind: 'liuyan', name: '人民网领导留言板' })
  counter += 1
  const tid = String(26_239_000 + counter)
  const { id } = await upsertPost(session, {
    sourceId: 'liuyan-pingfang',
    externalId: tid,
    url: `http://127.0.0.1/liuyan/threads/content?tid=${tid}`,
    title,
    body: '北厂文化小区一直没有路灯，晚上老人出门很危险。什么时候能安装路灯？',
    author: '张***',
    publishedAt: '2026-11-20T02:00:00.000Z',
    meta: { state: '待回复' },
  })
  const { ticket } = await openCase(session, {
    title,
    postIds: [id],
    actor: 'system:triage',
    topic: '城乡建设',
    urgency: '一般',
    zoneId: 'xingjian',
    lead: 'xingjian',
    assist: ['zhujian'],
    reasons: ['place: 兴建街道'],
    key: `ticket.opened:post:${id}`,
  })
  return ticket.id
}

/** A reply that passes the reply check: it names the unit, the date and a phone number. */
export const STREET_LIGHT_REPLY = '您好！您反映的北厂文化小区路灯问题，兴建街道办事处已会同区住建局现场核实，路灯将于12月5日前安装完毕。如有疑问请致电兴建街道办事处 0451-86801234。'

/** Signs the ticket's current draft as `who`, with the key the bureau registered for them. */
export async function signCurrentDraft(session: Session, ctx: CaseContext, keys: Record<'liuju' | 'wangqu', Signer>, id: number, who: 'liuju' | 'wangqu') {
  const draft = (await loadCase(session, id)).state.draft
  if (!draft) throw new Error(`ticket #${id} has no draft to sign`)
  return approveReply(session, ctx, { ticketId: id, approver: who, version: draft.version, textSha256: draft.textSha256, privateKey: keys[who].privateKey, fingerprint: keys[who].fingerprint })
}

/** What {@link useBureau} gives each test. */
export interface BureauWorld {
  t: TestStore
  ctx: CaseContext
  keys: Record<'liuju' | 'wangqu', Signer>
  /** Signs the ticket's current draft as `who`. */
  sign(id: number, who: 'liuju' | 'wangqu'): ReturnType<typeof signCurrentDraft>
}

/**
 * A fresh SQLite bureau for every test of the enclosing describe: the profile's people, the two
 * signers' keys registered, the workflow context. Call it inside `describe`.
 */
export function useBureau(clock: { now: () => Date }, config: LianxinConfig = pingfangConfig()): BureauWorld {
  const world = {} as BureauWorld
  beforeEach(async () => {
    world.t = await sqliteBackend.open({ now: clock.now })
    const { ctx, keys } = await bureau(world.t.store, config)
    world.ctx = ctx
    world.keys = keys
    world.sign = (id, who) => signCurrentDraft(world.t.store, ctx, keys, id, who)
  })
  afterEach(async () => world.t.cleanup())
  return world
}

/** A new citizen case taken to a reply (STREET_LIGHT_REPLY, by zhangwei) waiting for the bureau head. */
export async function submittedCase(world: BureauWorld, config: LianxinConfig): Promise<number> {
  const store = world.t.store
  const id = await citizenCase(store)
  await acceptTicket(store, world.ctx, id, 'zhangwei')
  const assigned = await assignTicket(store, world.ctx, config, { id, actor: 'zhangwei' })
  for (const s of assigned.state.subtasks) await finishSubtask(store, world.ctx, { id, actor: 'zhangwei', owner: s.owner })
  await characteriseTicket(store, world.ctx, { id, actor: 'zhangwei', kind: 'petition' })
  await draftReply(store, world.ctx, { ticketId: id, author: 'zhangwei', text: STREET_LIGHT_REPLY, submit: true })
  return id
}

/** A new citizen case taken to a reply (STREET_LIGHT_REPLY, by zhangwei) both leaders signed. */
export async function signedCase(world: BureauWorld, config: LianxinConfig): Promise<number> {
  const id = await submittedCase(world, config)
  for (const who of ['liuju', 'wangqu'] as const) await world.sign(id, who)
  return id
}
